// What every browser test needs: a real kinvaultd in a fresh vault (port 0), the SMTP capture server it sends
// mail to, an HTTPS client that trusts only the practice root, Debian's chromium through playwright-core
// (trusting the practice root through its own NSS database, so TLS is checked as a person's browser would),
// screenshots into artifacts/, and axe-core on every page.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const E2E_DIR = path.resolve(here, '..');
export const SOURCE_DIR = process.env.KINVAULT_SOURCE_DIR || path.resolve(E2E_DIR, '../..');
export const BIN_DIR = process.env.KINVAULT_BIN_DIR || path.join(SOURCE_DIR, 'build-web/bin');
export const ARTIFACTS = process.env.KINVAULT_E2E_ARTIFACTS || path.join(E2E_DIR, 'artifacts');
export const CLINICIAN = { email: 'clinician@example.org', password: 'clinician-password-1', name: 'Dana Clinician' };

const cleanups = [];
export async function cleanupAll() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch {
      // best effort: the next cleanup still runs
    }
  }
}

export function tempDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.KINVAULT_E2E_KEEP) cleanups.unshift(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function waitForLine(child, pattern, what, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in time:\n${out}`)), timeoutMs);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining so the child never blocks on a full pipe
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${out}`));
    });
  });
}

// ---------------------------------------------------------------- SMTP capture
export async function startSmtp(extraArgs = []) {
  const dir = tempDir('kv-mail-');
  const child = spawn('/usr/bin/python3', [path.join(E2E_DIR, 'smtp_capture.py'), '--dir', dir, ...extraArgs],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGTERM'));
  const m = await waitForLine(child, /listening on (\d+)/, 'the SMTP capture server');
  child.removeAllListeners('exit');
  return {
    port: Number(m[1]),
    dir,
    messages() {
      return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => parseMail(fs.readFileSync(path.join(dir, f), 'utf8')));
    },
    async waitFor(predicate, what, timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = this.messages().find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no e-mail ${what} arrived; got: ${this.messages().map((m) => `${m.to}: ${m.subject}`).join('; ')}`);
        await sleep(250);
      }
    },
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// RFC 5322 headers + a quoted-printable (RFC 2045 section 6.7) or plain text body.
export function parseMail(raw) {
  const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  let body = raw.slice(split).replace(/^\s+/, '');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] || '')) {
    const bytes = [];
    const text = body.replace(/=\r?\n/g, '');
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(text[i], 'utf8'));
      }
    }
    body = Buffer.from(bytes).toString('utf8');
  }
  return { headers, to: headers['x-capture-rcpt'] || headers.to || '', subject: decodeWords(headers.subject || ''), body, raw };
}

// RFC 2047 encoded words ("=?UTF-8?q?...?=" / "?b?").
function decodeWords(s) {
  return s.replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=\s*/g, (_, cs, enc, text) => {
    if (enc.toLowerCase() === 'b') return Buffer.from(text, 'base64').toString('utf8');
    return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  });
}

export function linkIn(mail, pathPrefix) {
  const m = new RegExp(`https://[^\\s<>"]+${pathPrefix.replace(/[/?]/g, '\\$&')}[^\\s<>"]*`).exec(mail.body);
  if (!m) throw new Error(`no ${pathPrefix} link in the e-mail:\n${mail.body}`);
  return m[0];
}

// ---------------------------------------------------------------- kinvaultd
export async function startDaemon({ smtpPort, env = {} } = {}) {
  const dir = tempDir('kv-e2e-');
  const data = path.join(dir, 'data');
  const key = path.join(dir, 'unseal.key');
  execFileSync(path.join(BIN_DIR, 'kinvaultd'), ['init', '--data', data, '--admin-email', CLINICIAN.email, '--admin-name',
    CLINICIAN.name, '--practice-name', 'Harbor Family Practice', '--key-file', key],
  { env: { ...process.env, KINVAULT_PASSWORD: CLINICIAN.password }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logPath = path.join(dir, 'kinvaultd.log');
  const log = fs.openSync(logPath, 'w');
  const daemonEnv = {
    ...process.env,
    KINVAULT_WEB_ROOT: path.join(SOURCE_DIR, 'daemon/web'),
    KINVAULT_PDF_WORKER: path.join(BIN_DIR, 'kinvault-pdf-worker'),
    KINVAULT_TEMPLATES_DIR: path.join(SOURCE_DIR, 'templates'),
    ...env,
  };
  if (smtpPort) {
    Object.assign(daemonEnv, {
      KINVAULT_MAIL_HOST: '127.0.0.1',
      KINVAULT_MAIL_PORT: String(smtpPort),
      KINVAULT_MAIL_FROM: 'Harbor Family Practice <no-reply@harbor.example>',
      KINVAULT_MAIL_POLL_SECONDS: '1',
    });
  }
  const child = spawn(path.join(BIN_DIR, 'kinvaultd'), ['--data', data, '--port', '0', '--key-file', key],
    { env: daemonEnv, stdio: ['ignore', 'pipe', log] });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  const m = await waitForLine(child, /public URL:\s+(https:\/\/\S+)/, 'kinvaultd');
  child.removeAllListeners('exit');
  const url = m[1];
  return { url, ca: path.join(data, 'practice-root-ca.pem'), data, dir, log: () => fs.readFileSync(logPath, 'utf8'), child };
}

// ---------------------------------------------------------------- HTTPS client (bearer sessions)
export class Client {
  constructor(daemon, token = '') {
    this.url = new URL(daemon.url);
    this.ca = fs.readFileSync(daemon.ca);
    this.token = token;
  }

  request(method, pathname, body, headers = {}) {
    return new Promise((resolve, reject) => {
      const h = { ...headers };
      let payload = null;
      if (body !== undefined && body !== null) {
        if (Buffer.isBuffer(body)) {
          payload = body;
          h['Content-Type'] = h['Content-Type'] || 'application/pdf';
        } else {
          payload = Buffer.from(JSON.stringify(body));
          h['Content-Type'] = 'application/json';
        }
        h['Content-Length'] = payload.length;
      }
      if (this.token) h.Authorization = `Bearer ${this.token}`;
      const req = https.request({ host: 'localhost', port: this.url.port, path: pathname, method, headers: h, ca: this.ca }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          let json = null;
          if ((res.headers['content-type'] || '').startsWith('application/json')) {
            try {
              json = JSON.parse(buf.toString('utf8'));
            } catch {
              json = null;
            }
          }
          resolve({ status: res.statusCode, headers: res.headers, body: buf, json });
        });
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async json(method, pathname, body, expected = [200, 201, 204]) {
    const r = await this.request(method, pathname, body);
    if (!expected.includes(r.status)) {
      throw new Error(`${method} ${pathname} answered ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
    }
    return r.json;
  }

  async login(email, password, totp) {
    const body = { email, password };
    if (totp) body.totp = totp;
    const s = await this.json('POST', '/api/v1/sessions', body, [201]);
    this.token = s.token;
    return s;
  }
}

// True when kinvaultd answers this API route (a route that has not landed yet answers 404 "No such resource").
export async function hasRoute(client, method, pathname) {
  const r = await client.request(method, pathname, method === 'GET' ? undefined : {});
  return !(r.status === 404 && r.json && r.json.error && /no such resource/i.test(r.json.error.message || '')) && r.status !== 405;
}

// ---------------------------------------------------------------- TOTP (RFC 6238, SHA-1, 30 s, 6 digits)
export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secretBase32, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const code = ((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).toString().padStart(6, '0');
  return code;
}

// ---------------------------------------------------------------- PDFs
// A small valid PDF (PDF 32000-1 section 7.5: header, objects, xref with exact offsets, trailer) whose pages
// carry `marker` as text.
export function makePdf(marker, pages = 1) {
  const objects = [];
  const kids = [];
  const font = 3;
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  let next = 4;
  for (let p = 1; p <= pages; p++) {
    const content = `BT /F1 18 Tf 72 720 Td (${marker} page ${p}) Tj ET`;
    const contentId = next++;
    const pageId = next++;
    objects[contentId] = `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`;
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${contentId} 0 R >>`;
    kids.push(`${pageId} 0 R`);
  }
  objects[2] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = Buffer.byteLength(out, 'latin1');
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let i = 1; i < objects.length; i++) out += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------- browser
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A fresh chromium profile whose NSS database trusts the practice root CA (chromium on Linux reads
// $HOME/.pki/nssdb), so the pages are loaded over verified TLS like a person's browser would.
export async function launchBrowser(daemon, { viewport = { width: 1280, height: 900 }, isMobile = false } = {}) {
  const home = tempDir('kv-chrome-home-');
  const nss = path.join(home, '.pki/nssdb');
  fs.mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'Kinvault practice root', '-t', 'C,,', '-i', daemon.ca]);
  const profile = tempDir('kv-chrome-profile-');
  const downloads = tempDir('kv-downloads-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KINVAULT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: home },
    viewport,
    isMobile,
    hasTouch: isMobile,
    acceptDownloads: true,
    downloadsPath: downloads,
  });
  cleanups.push(() => context.close());
  const problems = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  context.on('weberror', (e) => problems.push(String(e.error())));
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

// Screenshots are named story-NN-step.png (node --test runs each story file in its own process).
const STORY = path.basename(process.argv[1] || 'e2e').replace(/\.test\.mjs$/, '');
let shotCounter = 0;
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${STORY}-${String(++shotCounter).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const AXE_SOURCE = fs.readFileSync(path.join(E2E_DIR, 'node_modules/axe-core/axe.min.js'), 'utf8');

// axe-core evaluated through the DevTools protocol (page CSP forbids injected script tags, rightly); returns
// the serious and critical violations.
export async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Screenshot + axe for a page the person is looking at; throws on serious/critical violations.
export async function checkPage(page, name) {
  await screenshot(page, name);
  const bad = await axeViolations(page);
  if (bad.length) throw new Error(`axe-core on ${name}: ${JSON.stringify(bad, null, 2)}`);
}

export function pdfsig(file) {
  try {
    return execFileSync('pdfsig', [file], { encoding: 'utf8' });
  } catch (e) {
    return (e.stdout || '') + (e.stderr || '');
  }
}
