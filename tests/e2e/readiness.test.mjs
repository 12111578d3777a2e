// The clinician's readiness matrix in the browser: not ready while an ROI is missing, ready once the last ROI
// is signed, and not ready again after a parent revokes one from their page (after reading what revoking does).
// Needs the consent API (issue 3: ROIs, readiness) and the e-signing API (issue 4); until kinvaultd answers
// both, the steps are skipped with that reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  startSmtp, startDaemon, Client, CLINICIAN, launchBrowser, checkPage, hasRoute, cleanupAll,
} from './lib/harness.mjs';

let smtp;
let daemon;
let clinician;
let missing = '';
const S = {};

before(async () => {
  smtp = await startSmtp();
  daemon = await startDaemon({ smtpPort: smtp.port });
  clinician = new Client(daemon);
  await clinician.login(CLINICIAN.email, CLINICIAN.password);
  if ((await clinician.request('GET', '/')).status !== 200) {
    missing = 'kinvaultd does not serve daemon/web yet (Api must call add_web_routes when web.root is set)';
    return;
  }
  S.caseId = (await clinician.json('POST', '/api/v1/cases', { name: 'Rivera-Okafor family', mode: 'closed' }, [201])).id;
  for (const [path, what] of [[`/api/v1/cases/${S.caseId}/readiness`, 'readiness (GET /api/v1/cases/{case}/readiness)'],
    [`/api/v1/cases/${S.caseId}/rois`, 'ROIs (GET /api/v1/cases/{case}/rois)'], ['/api/v1/templates', 'e-signing (GET /api/v1/templates)']]) {
    if (!(await hasRoute(clinician, 'GET', path))) {
      missing = `the ${what} API has not landed in kinvaultd yet`;
      return;
    }
  }
  const invite = async (role, name, email, extra = {}) =>
    clinician.json('POST', `/api/v1/cases/${S.caseId}/parties`, { role, name, email, ...extra }, [201]);
  const anon = new Client(daemon);
  S.maria = await invite('parent', 'Maria Rivera', 'maria@example.org');
  S.daniel = await invite('parent', 'Daniel Okafor', 'daniel@example.org');
  S.child = await invite('child', 'Sofia Rivera-Okafor', 'sofia@example.org', { date_of_birth: '2015-06-01' });
  S.therapist = await invite('child-therapist', 'Dr. Kim Lee', 'kim.lee@clinic.example');
  for (const [p, pw] of [[S.maria, 'maria-correct-horse-1'], [S.daniel, 'daniel-correct-horse-1']]) {
    await anon.json('POST', '/api/v1/invitations/accept', { token: p.token, password: pw }, [201]);
  }
  // The consent API (issue 3) is still settling its shapes: when kinvaultd refuses this setup, the story is
  // skipped with its answer rather than failed, and runs once the setup below matches the landed API.
  try {
    S.rois = [await roiFor(S.maria, 'maria-correct-horse-1'), await roiFor(S.daniel, 'daniel-correct-horse-1')];
  } catch (e) {
    missing = `kinvaultd does not accept this test's ROI setup yet (adapt readiness.test.mjs to the landed consent API): ${e.message}`;
  }
});

after(async () => {
  await cleanupAll();
});

function skip(t) {
  if (missing) {
    t.skip(missing);
    return true;
  }
  return false;
}

// One ROI per parent (joint legal custody: domain.md rule 5), both directions between clinician and therapist,
// sent for signature as an envelope of the roi template.
async function roiFor(parent, password) {
  const roi = await clinician.json('POST', `/api/v1/cases/${S.caseId}/rois`, {
    subject: S.child.party.id,
    recipients: [{ party: S.therapist.party.id }],
    direction: 'both',
    purposes: ['coordination_of_care'],
    document_types: ['report', 'clarification-letter'],
    expires_on: '2027-11-23',
    signers: [{ party: parent.party.id, capacity: 'parent_with_legal_custody', authority: 'Joint legal custody, order of 2026-03-02' }],
  }, [201]);
  const env = await clinician.json('POST', `/api/v1/cases/${S.caseId}/envelopes`, { roi: roi.id, template: 'roi' }, [201]);
  if (env.state === 'draft') await clinician.json('POST', `/api/v1/envelopes/${env.id}/send`);
  return { roi, env, password, email: parent.party.email };
}

async function signAsParent({ env, email, password }) {
  const c = new Client(daemon);
  await c.login(email, password);
  const d = await c.json('GET', '/api/v1/esign/disclosure');
  await c.json('POST', `/api/v1/envelopes/${env.id}/consent`, { disclosure_version: d.version, accept: true });
  const bytes = (await c.request('GET', `/api/v1/envelopes/${env.id}/document`)).body;
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  const e = await c.json('GET', `/api/v1/envelopes/${env.id}`);
  await c.json('POST', `/api/v1/envelopes/${env.id}/sign`, {
    viewed_sha256: sha, intent: true, typed_signature: email, fields: {}, password, slot: e.my_slot,
  });
}

async function readiness(page) {
  await page.goto(`${daemon.url}/clinician?case=${S.caseId}`);
  await page.waitForSelector('#readiness-overall');
  return page.getAttribute('#readiness-overall', 'data-ready');
}

test("the clinician's readiness matrix says what is missing, from whom, until the last ROI is signed", async (t) => {
  if (skip(t)) return;
  const b = await launchBrowser(daemon);
  S.clinicianBrowser = b;
  const { page } = b;
  await page.goto(daemon.url + '/');
  await page.fill('#email', CLINICIAN.email);
  await page.fill('#password', CLINICIAN.password);
  await page.click('#login-button');
  await page.waitForURL(/\/clinician/);
  assert.equal(await readiness(page), 'false');
  assert.match(await page.textContent('#readiness-body'), /missing/i);
  await checkPage(page, 'readiness-missing');

  await signAsParent(S.rois[0]);
  assert.equal(await readiness(page), 'false', 'one parent alone is not enough in joint custody');
  await signAsParent(S.rois[1]);
  assert.equal(await readiness(page), 'true');
  await checkPage(page, 'readiness-ready');
  assert.deepEqual(b.problems, []);
});

test('a parent revokes an ROI after reading its effect, and the matrix turns not ready again', async (t) => {
  if (skip(t)) return;
  const b = await launchBrowser(daemon);
  const { page } = b;
  await page.goto(daemon.url + '/');
  await page.fill('#email', 'daniel@example.org');
  await page.fill('#password', 'daniel-correct-horse-1');
  await page.click('#login-button');
  await page.waitForURL(/\/portal/);
  const item = page.locator(`li[data-roi="${S.rois[1].roi.id}"]`);
  await item.waitFor();
  await item.locator('button', { hasText: 'Revoke' }).click();
  await page.waitForSelector('#revoke-dialog[open]');
  assert.match(await page.textContent('#revoke-effect'), /from this moment on/);
  assert.match(await page.textContent('#revoke-effect'), /cannot be called back/);
  await checkPage(page, 'revoke-explained');
  await page.click('#revoke-confirm');
  await page.waitForSelector('#message.good');
  assert.equal(await readiness(S.clinicianBrowser.page), 'false');
  await checkPage(S.clinicianBrowser.page, 'readiness-after-revocation');
  const mail = await smtp.waitFor((m) => m.to.includes(CLINICIAN.email) && /revok/i.test(m.subject + m.body), 'telling the clinician about the revocation');
  assert.doesNotMatch(mail.body, /%PDF/);
  assert.deepEqual(b.problems, []);
});
