// The reunification therapist's view: cases; per case the readiness matrix, parties and invitations, signing
// status per signer, court orders to verify, clarification letters to review, documents and the audit trail
// of a document. Every decision is the server's; this page only shows and asks.
import { api, apiList, uploadFile } from './api.js';
import {
  $, el, clear, say, sayError, busy, show, progress, requireUser, param, roleWord, typeWord, formatDate, formatDay,
  signerBadge, envelopeBadge,
} from './ui.js';

const message = $('#message');
let caseId = '';
let parties = [];

async function optionalGet(path) {
  try {
    return await api('GET', path);
  } catch (err) {
    if (err.status === 404 || err.status === 405) return null;
    throw err;
  }
}

async function start() {
  const me = await requireUser();
  if (me.kind !== 'clinician') {
    location.replace('/portal');
    return;
  }
  caseId = param('case');
  if (!caseId) {
    await showCases();
    return;
  }
  let c;
  try {
    c = await api('GET', `/cases/${encodeURIComponent(caseId)}`);
  } catch (err) {
    if (err.status === 404) {
      say(message, 'There is no such case.', 'bad');
      return;
    }
    throw err;
  }
  $('#title').textContent = `Case: ${c.name}`;
  document.title = `${c.name} · Kinvault`;
  show($('#case-view'), true);
  await loadParties();
  await Promise.all([loadReadiness(), loadEnvelopes(), loadOrders(), loadLetters(), loadDocuments()]);
}

async function showCases() {
  show($('#case-list-view'), true);
  const cases = await apiList('/cases');
  const ul = clear($('#case-list'));
  if (cases.length === 0) ul.append(el('li', { text: 'No cases yet.' }));
  for (const c of cases) {
    ul.append(el('li', {},
      el('a', { href: `/clinician?case=${encodeURIComponent(c.id)}`, text: c.name }),
      el('span', { class: 'meta', text: ` · ${c.mode === 'open' ? 'open' : 'closed'} process · opened ${formatDay(c.created_at)}` })));
  }
}

$('#case-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('#case-name').value.trim();
  if (!name) {
    say(message, 'Enter a name for the case.', 'bad');
    return;
  }
  try {
    const c = await busy($('#case-button'), 'Opening…', () => api('POST', '/cases', { name, mode: $('#case-mode').value }));
    location.href = `/clinician?case=${encodeURIComponent(c.id)}`;
  } catch (err) {
    sayError(message, err);
  }
});

// ---- parties and invitations
async function loadParties() {
  parties = await apiList(`/cases/${caseId}/parties`);
  const tbody = clear($('#parties-table tbody'));
  for (const p of parties) {
    const represented = p.represents ? parties.find((x) => x.id === p.represents) : null;
    const again = el('button', { type: 'button', class: 'link', text: 'Send the invitation again' });
    again.addEventListener('click', async () => {
      try {
        await api('POST', `/parties/${p.id}/invitation`);
        say($('#invite-message'), `A new invitation e-mail to ${p.name} is on its way.`, 'good');
      } catch (err) {
        sayError($('#invite-message'), err);
      }
    });
    tbody.append(el('tr', { 'data-party': p.id },
      el('td', { text: p.name }),
      el('td', { text: roleWord(p.role) + (represented ? ` for ${represented.name}` : '') }),
      el('td', { text: p.email || '' }),
      el('td', {}, p.has_account ? el('span', { class: 'badge good', text: 'Joined' }) : el('span', { class: 'badge warn', text: 'Invited' })),
      el('td', {}, p.has_account ? '' : again)));
  }
  const rep = clear($('#invite-represents'));
  for (const p of parties.filter((x) => x.role === 'parent' || x.role === 'child')) {
    rep.append(el('option', { value: p.id, text: `${p.name} (${roleWord(p.role).toLowerCase()})` }));
  }
}

function syncInviteForm() {
  const role = $('#invite-role').value;
  show($('#represents-box'), role === 'attorney' || role === 'minors-counsel');
  show($('#dob-box'), role === 'child');
}
$('#invite-role').addEventListener('change', syncInviteForm);

$('#invite-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#invite-message');
  const role = $('#invite-role').value;
  const body = { role, name: $('#invite-name').value.trim(), email: $('#invite-email').value.trim() };
  if (!body.name || !body.email) {
    say(out, 'Enter the person’s name and e-mail address.', 'bad');
    return;
  }
  if (role === 'attorney' || role === 'minors-counsel') body.represents = $('#invite-represents').value;
  if (role === 'child' && $('#invite-dob').value) body.date_of_birth = $('#invite-dob').value;
  try {
    const inv = await busy($('#invite-button'), 'Inviting…', () => api('POST', `/cases/${caseId}/parties`, body));
    say(out, `${inv.party.name} is invited. An e-mail with their personal link is on its way; the link works for 7 days.`, 'good');
    $('#invite-form').reset();
    syncInviteForm();
    await loadParties();
  } catch (err) {
    sayError(out, err);
  }
});

// ---- readiness
const LINK_WORDS = {
  missing: ['Missing', 'bad'],
  pending: ['Waiting for signatures', 'warn'],
  active: ['In force', 'good'],
  expiring: ['Ends within 30 days', 'warn'],
  expired: ['Expired', 'bad'],
  revoked: ['Revoked', 'bad'],
  suspended: ['On hold (custody changed)', 'bad'],
};
const DIRECTION_WORDS = {
  'clinician-to-recipient': 'from you to the therapist',
  clinician_to_recipient: 'from you to the therapist',
  'recipient-to-clinician': 'from the therapist to you',
  recipient_to_clinician: 'from the therapist to you',
};

async function loadReadiness() {
  const r = await optionalGet(`/cases/${caseId}/readiness`);
  const body = clear($('#readiness-body'));
  if (!r) {
    body.append(el('p', { text: 'The readiness check is not available on this server yet.' }));
    return;
  }
  body.append(el('p', { id: 'readiness-overall', 'data-ready': String(!!r.ready) },
    el('span', { class: 'badge ' + (r.ready ? 'good' : 'bad'), text: r.ready ? 'Ready' : 'Not ready yet' }), ' ',
    r.ready ? 'Every release needed to work with each child’s therapist is signed and in force.'
            : 'Some releases are still missing. What is missing, and from whom:'));
  for (const p of r.problems || []) body.append(el('p', { class: 'notice warn', text: p }));
  for (const child of r.children || []) {
    body.append(el('h3', { text: `${child.child_name || 'Child'}` }));
    for (const p of child.problems || []) body.append(el('p', { class: 'notice warn', text: p }));
    for (const t of child.therapists || []) {
      const block = el('div', { class: 'readiness-pair', 'data-child': child.child, 'data-therapist': t.therapist, 'data-ready': String(!!t.ready) },
        el('p', {}, el('strong', { text: `With ${t.therapist_name || 'the therapist'}: ` }),
          el('span', { class: 'badge ' + (t.ready ? 'good' : 'bad'), text: t.ready ? 'Ready' : 'Not ready' })));
      if (t.requirement) block.append(el('p', { class: 'meta', text: t.requirement }));
      const rows = (t.links || []).map((l) => {
        const [word, kind] = LINK_WORDS[l.state] || [l.state, 'plain'];
        return el('tr', {},
          el('td', { text: l.authoriser_name || l.authoriser }),
          el('td', { text: DIRECTION_WORDS[l.direction] || l.direction }),
          el('td', { class: 'state' }, el('span', { class: 'badge ' + kind, text: word }),
            l.ends_at ? el('span', { class: 'meta', text: ` until ${formatDay(l.ends_at)}` }) : ''));
      });
      if (rows.length) {
        block.append(el('div', { class: 'table-wrap' }, el('table', { class: 'matrix' },
          el('caption', { class: 'hidden', text: `Releases for ${t.therapist_name}` }),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Who must sign' }), el('th', { scope: 'col', text: 'Sharing' }), el('th', { scope: 'col', text: 'State' }))),
          el('tbody', {}, rows))));
      }
      if ((t.missing || []).length) {
        block.append(el('ul', { class: 'missing' }, (t.missing || []).map((m) => el('li', { text: m }))));
      }
      body.append(block);
    }
  }
}

// ---- envelopes
async function loadEnvelopes() {
  const body = clear($('#envelopes-body'));
  const list = await optionalGet(`/cases/${caseId}/envelopes`);
  if (!list) {
    body.append(el('p', { text: 'Electronic signing is not available on this server yet.' }));
    return;
  }
  const envelopes = list.items || [];
  if (envelopes.length === 0) body.append(el('p', { text: 'Nothing has been sent for signing yet.' }));
  for (const env of envelopes) {
    const box = el('div', { class: 'envelope', 'data-envelope': env.id },
      el('h3', {}, env.title || 'Document for signing', ' ', envelopeBadge(env.state)));
    const rows = (env.signers || []).map((s) => el('tr', {},
      el('td', { text: s.name }),
      el('td', { text: roleWord(s.role) + (s.capacity && s.capacity !== 'self' ? ` (${s.capacity.replace(/[-_]/g, ' ')})` : '') }),
      el('td', {}, signerBadge(s.state), s.decline_reason ? el('div', { class: 'meta', text: `Reason: ${s.decline_reason}` }) : ''),
      el('td', { class: 'meta', text: s.signed_at ? formatDate(s.signed_at) : s.viewed_at ? `opened ${formatDate(s.viewed_at)}` : '' })));
    box.append(el('div', { class: 'table-wrap' }, el('table', {},
      el('thead', {}, el('tr', {}, ['Signer', 'As', 'Status', 'When'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows))));
    const actions = el('div', { class: 'actions' });
    const act = (label, path, body2, done) => {
      const b = el('button', { type: 'button', class: 'secondary', text: label });
      b.addEventListener('click', async () => {
        // A body of null means the person changed their mind (e.g. dismissed the reason prompt): do nothing.
        const payload = body2 ? body2() : undefined;
        if (payload === null) return;
        try {
          await busy(b, 'Working…', () => api('POST', path, payload));
          say($('#envelope-message'), done, 'good');
          await loadEnvelopes();
        } catch (err) {
          sayError($('#envelope-message'), err);
        }
      });
      actions.append(b);
    };
    if (env.state === 'draft') act('Send for signing', `/envelopes/${env.id}/send`, null, 'Sent. Each signer gets an e-mail when it is their turn.');
    if (env.state === 'sent') {
      act('Send a reminder', `/envelopes/${env.id}/remind`, null, 'A reminder e-mail is on its way to whoever still has to sign.');
      act('Cancel this signing', `/envelopes/${env.id}/void`, () => {
        const reason = window.prompt('Why are you cancelling it? (the signers will see this)');
        return reason === null ? null : { reason: reason.trim() || 'Cancelled by the therapist' };
      }, 'Cancelled. Nothing more can be signed on it.');
    }
    if (env.document_id) actions.append(el('a', { class: 'button secondary', href: `/view?doc=${encodeURIComponent(env.document_id)}`, text: 'Read' }));
    box.append(actions);
    body.append(box);
  }
  await prepareEnvelopeForm();
}

async function prepareEnvelopeForm() {
  const templates = await optionalGet('/templates');
  if (!templates) return;
  const select = clear($('#envelope-template'));
  for (const t of templates.items || []) {
    if (t.name === 'certificate-of-completion' || t.name === 'clarification-letter-cover') continue;
    select.append(el('option', { value: t.name, text: t.description || t.name }));
  }
  select.onchange = fillTemplateForm;
  await fillTemplateForm();
  show($('#envelope-form'), true);
}

// What the page can fill in for the clinician; everything else is asked for.
function knownValue(name) {
  const c = $('#title').textContent.replace(/^Case: /, '');
  if (name === 'case.name') return c;
  if (name === 'agreement.date') return new Date().toISOString().slice(0, 10);
  return '';
}

async function fillTemplateForm() {
  const slots = clear($('#envelope-slots'));
  const name = $('#envelope-template').value;
  if (!name) return;
  const t = await api('GET', `/templates/${encodeURIComponent(name)}`);
  for (const s of t.signers || []) {
    const id = `slot-${s.slot}`;
    const choose = el('select', { id, 'data-slot': s.slot });
    for (const p of parties) choose.append(el('option', { value: p.id, text: `${p.name} (${roleWord(p.role).toLowerCase()})` }));
    slots.append(el('label', { for: id, text: `Who signs as: ${s.description || s.slot}` }), choose);
  }
  const lists = new Map((t.lists || []).map((l) => [l.name, l]));
  const plain = (t.fields || []).filter((f) => !f.name.includes('[].'));
  for (const f of plain) slots.append(valueInput(f, f.name, knownValue(f.name)));
  for (const [listName, list] of lists) {
    const entryFields = (t.fields || []).filter((f) => f.name.startsWith(listName + '[].'));
    const box = el('fieldset', { 'data-list': listName }, el('legend', { text: list.description || listName }));
    const addEntry = () => {
      const n = box.querySelectorAll('[data-entry]').length;
      const entry = el('div', { 'data-entry': String(n) });
      for (const f of entryFields) entry.append(valueInput(f, `${listName}.${n}.${f.name.slice(listName.length + 3)}`, ''));
      box.insertBefore(entry, more);
    };
    const more = el('button', { type: 'button', class: 'secondary', text: 'Add another' });
    more.addEventListener('click', addEntry);
    box.append(more);
    if (!list.optional) addEntry();
    slots.append(box);
  }
}

function valueInput(f, key, value) {
  const id = 'v-' + key.replace(/[^A-Za-z0-9]+/g, '-');
  const label = el('label', { for: id }, f.description || f.name, f.optional ? el('span', { class: 'hint', text: 'Optional' }) : '');
  let input;
  if (f.one_of && f.one_of.length) {
    input = el('select', { id, 'data-value': key }, f.one_of.map((v) => el('option', { value: v, text: v.replace(/_/g, ' ') })));
  } else {
    input = el('input', { id, type: 'text', 'data-value': key, value });
  }
  return el('div', {}, label, input);
}

$('#envelope-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#envelope-message');
  const signers = [...document.querySelectorAll('#envelope-slots [data-slot]')].map((s) => ({ slot: s.dataset.slot, party: s.value }));
  const values = { fields: {}, lists: {} };
  for (const input of document.querySelectorAll('#envelope-slots [data-value]')) {
    const v = input.value.trim();
    const parts = input.dataset.value.split('.');
    const listName = parts[0];
    const list = input.closest('[data-list]');
    if (list) {
      const n = Number(parts[1]);
      const key = parts.slice(2).join('.');
      values.lists[listName] = values.lists[listName] || [];
      values.lists[listName][n] = values.lists[listName][n] || {};
      if (v) values.lists[listName][n][key] = v;
    } else if (v) {
      values.fields[input.dataset.value] = v;
    }
  }
  try {
    const env = await busy($('#envelope-button'), 'Preparing the document…', () =>
      api('POST', `/cases/${caseId}/envelopes`, { template: $('#envelope-template').value, values, signers }));
    if (env.state === 'draft') await api('POST', `/envelopes/${env.id}/send`);
    say(out, 'The document is out for signing. Each signer gets an e-mail when it is their turn.', 'good');
    await loadEnvelopes();
  } catch (err) {
    sayError(out, err);
  }
});

// ---- court orders
const ORDER_WORDS = { received: 'Not checked yet', verified: 'Checked', active: 'In force', superseded: 'Replaced', vacated: 'Vacated', expired: 'Expired' };
async function loadOrders() {
  const body = clear($('#orders-body'));
  const list = await optionalGet(`/cases/${caseId}/orders`);
  if (!list) {
    body.append(el('p', { text: 'Court order records are not available on this server yet.' }));
    return;
  }
  const orders = list.items || [];
  if (orders.length === 0) body.append(el('p', { text: 'No court orders are on record.' }));
  const ul = el('ul', { class: 'list' });
  for (const o of orders) {
    const li = el('li', { 'data-order': o.id },
      el('strong', { text: o.title || 'Court order' }), ' ',
      el('span', { class: 'badge ' + (o.status === 'received' ? 'warn' : 'plain'), text: ORDER_WORDS[o.status] || o.status }),
      el('div', { class: 'meta', text: [o.issued_on && `issued ${formatDay(o.issued_on)}`, o.effective_on && `effective ${formatDay(o.effective_on)}`].filter(Boolean).join(' · ') }));
    if (o.status === 'received') {
      const b = el('button', { type: 'button', text: 'I have checked this order against the court’s copy' });
      b.addEventListener('click', async () => {
        try {
          await busy(b, 'Saving…', () => api('POST', `/orders/${o.id}/verify`));
          await loadOrders();
          await loadReadiness();
        } catch (err) {
          sayError(message, err);
        }
      });
      li.append(b);
    }
    if (o.document_id) li.append(el('a', { class: 'button secondary', href: `/view?doc=${encodeURIComponent(o.document_id)}`, text: 'Read' }));
    ul.append(li);
  }
  body.append(ul);
}

// ---- clarification letters
async function loadLetters() {
  const body = clear($('#letters-body'));
  const list = await optionalGet(`/cases/${caseId}/letters`);
  if (!list) {
    body.append(el('p', { text: 'Clarification letters are not available on this server yet.' }));
    return;
  }
  const letters = list.items || [];
  if (letters.length === 0) body.append(el('p', { text: 'No letters yet.' }));
  const ul = el('ul', { class: 'list' });
  for (const l of letters) {
    const author = parties.find((p) => p.id === l.author);
    const li = el('li', { 'data-letter': l.id },
      el('strong', { text: `Letter from ${l.author_name || (author ? author.name : 'a parent')}${l.child_name ? ' to ' + l.child_name : ''}` }), ' ',
      el('span', { class: 'badge plain', text: String(l.state || '').replace(/[-_]/g, ' ') }));
    if (l.document_id) li.append(el('a', { class: 'button secondary', href: `/view?doc=${encodeURIComponent(l.document_id)}`, text: 'Read' }));
    const state = l.state || '';
    if (state === 'submitted' || state === 'revised') {
      const noteId = `note-${l.id}`;
      const note = el('textarea', { id: noteId, maxlength: '2000' });
      const ask = el('button', { type: 'button', class: 'secondary', text: 'Ask for changes' });
      ask.addEventListener('click', () => letterAction(ask, l.id, 'request-revisions', { note: note.value.trim() }));
      const approve = el('button', { type: 'button', text: 'Approve' });
      approve.addEventListener('click', () => letterAction(approve, l.id, 'approve', {}));
      li.append(el('label', { for: noteId, text: 'What should the parent change?' }), note, el('div', { class: 'actions' }, ask, approve));
    }
    if (state === 'approved') {
      const targets = parties.filter((p) => p.role === 'child' || p.role === 'child-therapist');
      const boxes = targets.map((t) => el('label', { class: 'inline' }, el('input', { type: 'checkbox', value: t.id, 'data-target': l.id }), `${t.name} (${roleWord(t.role).toLowerCase()})`));
      const release = el('button', { type: 'button', text: 'Release the letter' });
      release.addEventListener('click', () => {
        const chosen = [...document.querySelectorAll(`[data-target="${l.id}"]`)].filter((c) => c.checked).map((c) => c.value);
        letterAction(release, l.id, 'release', { targets: chosen });
      });
      li.append(el('fieldset', {}, el('legend', { text: 'Release it to' }), boxes), release);
    }
    ul.append(li);
  }
  body.append(ul);
}

async function letterAction(button, id, action, body) {
  try {
    await busy(button, 'Saving…', () => api('POST', `/letters/${id}/${action}`, body));
    await loadLetters();
  } catch (err) {
    sayError(message, err);
  }
}

// ---- documents and their audit trail
async function loadDocuments() {
  const body = clear($('#docs-body'));
  const docs = await apiList(`/cases/${caseId}/documents`);
  if (docs.length === 0) {
    body.append(el('p', { text: 'No documents yet.' }));
    return;
  }
  const ul = el('ul', { class: 'list', id: 'doc-list' });
  for (const d of docs) {
    const trail = el('button', { type: 'button', class: 'secondary', text: 'Audit trail' });
    trail.addEventListener('click', () => showAudit(d));
    ul.append(el('li', { 'data-document': d.id },
      el('strong', { class: 'doc-title', text: d.title || d.filename }),
      el('div', { class: 'meta', text: `${typeWord(d.type)} · version ${d.version} · ${formatDate(d.uploaded_at)}` }),
      el('div', { class: 'actions' }, el('a', { class: 'button', href: `/view?doc=${encodeURIComponent(d.id)}`, text: 'Read' }), trail)));
  }
  body.append(ul);
}

$('#upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#upload-message');
  const file = $('#upload-file').files[0];
  if (!file) {
    say(out, 'Choose a PDF file.', 'bad');
    return;
  }
  const bar = progress($('#upload-button'), 'Uploading');
  $('#upload-button').disabled = true;
  try {
    const q = new URLSearchParams({ type: $('#upload-type').value, title: $('#upload-title').value.trim() || file.name, filename: file.name });
    await uploadFile(`/cases/${caseId}/documents?${q}`, file, (f) => bar.update(f));
    say(out, 'Uploaded.', 'good');
    $('#upload-form').reset();
    await loadDocuments();
  } catch (err) {
    sayError(out, err);
  } finally {
    bar.done();
    $('#upload-button').disabled = false;
  }
});

const ACTION_WORDS = {
  'document.upload': 'uploaded it',
  'document.read': 'opened or downloaded it',
  'document.list': 'saw it listed',
  'document.version': 'added a new version',
};

async function showAudit(doc) {
  const section = $('#audit');
  $('#audit-lede').textContent = `Everything recorded about “${doc.title || doc.filename}”, oldest first. The log is tamper-evident: kinvault audit verify checks it.`;
  const tbody = clear($('#audit-table tbody'));
  const bar = progress($('#audit-lede'), 'Reading the audit log');
  try {
    const first = await api('GET', '/audit/entries?from=0&count=1');
    const size = first.size || 0;
    const names = Object.fromEntries(parties.map((p) => [p.id, p.name]));
    for (let from = 0; from < size; from += 5000) {
      const page = await api('GET', `/audit/entries?from=${from}&count=5000`);
      for (const item of page.items || []) {
        let e;
        try {
          e = JSON.parse(item.entry);
        } catch {
          continue;
        }
        if (e.object !== doc.id) continue;
        tbody.append(el('tr', {},
          el('td', { text: (e.time || '').replace('T', ' ').replace('Z', '') }),
          el('td', { text: names[e.actor] || e.actor }),
          el('td', { text: ACTION_WORDS[e.action] || e.action }),
          el('td', { text: `${e.decision}${e.reason ? ': ' + e.reason : ''}` })));
      }
      bar.update(Math.min(1, (from + 5000) / size));
    }
  } catch (err) {
    sayError(message, err);
  } finally {
    bar.done();
  }
  show(section, true);
  $('#audit-heading').focus();
}

start().catch((err) => sayError(message, err));
