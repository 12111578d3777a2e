// The signing act for one envelope (ESIGN 15 U.S.C. 7001(c): consent to electronic records before the
// first signature, withdrawable): disclosure -> every page of the exact bytes -> the signer's fields -> a typed
// (optionally drawn) signature with a statement of intent -> re-authentication -> the server signs -> the
// signer downloads their copy. The SHA-256 of the bytes shown is sent back, so the server can prove the
// signer saw exactly what was signed.
import { api, fetchBytes } from './api.js';
import { $, el, clear, say, sayError, busy, show, progress, requireUser, param, sha256Hex, saveBytes, formatDate } from './ui.js';
import { renderPdf } from './pdfview.js';
import { signaturePad } from './sigpad.js';

const message = $('#message');
// The e-mails link to /sign.html#ENVELOPE (the id stays out of server logs); /sign?envelope=ID works too.
const envId = param('envelope') || decodeURIComponent(location.hash.replace(/^#/, ''));
let envelope = null;
let signer = null;
let disclosureVersion = '';
let viewedSha = '';
let pad = null;

function step(name) {
  for (const li of document.querySelectorAll('.steps li')) {
    if (li.dataset.step === name) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  show($('#step-consent'), name === 'consent');
  show($('#step-read'), name === 'read' || name === 'sign');
  show($('#step-sign'), name === 'sign');
  show($('#step-done'), name === 'done');
}

async function loadEnvelope() {
  envelope = await api('GET', `/envelopes/${encodeURIComponent(envId)}`);
  signer = (envelope.signers || []).find((s) => s.slot === envelope.my_slot) || null;
  $('#title').textContent = envelope.title ? `Review and sign: ${envelope.title}` : 'Review and sign';
}

async function start() {
  await requireUser();
  try {
    await loadEnvelope();
  } catch (err) {
    if (err.status === 404) {
      say(message, 'This signing request is not available to you, or it no longer exists.', 'bad');
      return;
    }
    throw err;
  }
  if (!signer) {
    say(message, 'This document does not need your signature.', 'warn');
    return;
  }
  if (signer.state === 'signed') {
    finished('You have already signed this document.');
    return;
  }
  if (signer.state === 'declined') {
    say(message, 'You declined to sign this document. If you have changed your mind, please contact your therapist.', 'warn');
    return;
  }
  if (['voided', 'expired', 'declined'].includes(envelope.state)) {
    const why = { voided: 'was cancelled by the therapist', expired: 'has expired', declined: 'was declined by another signer' }[envelope.state];
    say(message, `This signing request ${why}. Nothing more needs to be signed.`, 'warn');
    return;
  }
  if (signer.state === 'waiting') {
    say(message, 'It is not your turn to sign yet. You will get an e-mail when it is.', 'warn');
    return;
  }
  if (signer.state === 'consented' || signer.consented_at) {
    await showDocument();
  } else {
    await showDisclosure();
  }
}

async function showDisclosure() {
  const d = await api('GET', '/esign/disclosure');
  disclosureVersion = d.version;
  $('#disclosure').textContent = d.text;
  step('consent');
  $('#consent-heading').focus();
}

$('#consent-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!$('#consent-check').checked) {
    say(message, 'Please tick the box to agree, or choose “I do not want to sign”.', 'bad');
    $('#consent-check').focus();
    return;
  }
  try {
    await busy($('#consent-button'), 'Saving…', () =>
      api('POST', `/envelopes/${encodeURIComponent(envId)}/consent`, { disclosure_version: disclosureVersion, accept: true }));
    say(message, '');
    await showDocument();
  } catch (err) {
    sayError(message, err);
  }
});

async function showDocument() {
  step('read');
  $('#read-heading').focus();
  const bar = progress($('#read-heading'), 'Loading the document');
  let got;
  try {
    got = await fetchBytes(`/envelopes/${encodeURIComponent(envId)}/document`, (f) => bar.update(f));
    // The hash of the bytes actually shown, computed here rather than trusted from a header.
    viewedSha = await sha256Hex(got.bytes);
    if (got.sha256 && got.sha256.toLowerCase() !== viewedSha) {
      throw new Error('The document changed while it was loading. Please reload the page.');
    }
    $('#doc-hash').textContent = `Document fingerprint (SHA-256): ${viewedSha}`;
    await renderPdf($('#pages'), got.bytes, {
      label: envelope.title || 'Document',
      onPage: (n, total) => bar.update(n / total),
    });
  } finally {
    bar.done();
  }
  buildFields();
  pad = signaturePad($('#sigpad'));
  step('sign');
}

function buildFields() {
  const box = clear($('#fields'));
  const fields = (envelope.fields || []).filter((f) => !['signature', 'initials'].includes(f.kind));
  for (const f of fields) {
    const id = 'field-' + f.name.replace(/[^A-Za-z0-9_-]/g, '_');
    // "parent_b.date" -> "Date": the signer's own fields need no slot prefix. Pages count from 0 in the API.
    const plain = (f.name.split('.').pop() || f.name).replace(/[_-]+/g, ' ');
    const label = f.label || plain.charAt(0).toUpperCase() + plain.slice(1);
    const where = Number.isInteger(f.page) ? ` (page ${f.page + 1})` : '';
    if (f.kind === 'checkbox') {
      box.append(el('label', { class: 'inline' }, el('input', { type: 'checkbox', id, 'data-field': f.name }), label + where));
    } else {
      const input = el('input', { type: f.kind === 'date' ? 'date' : 'text', id, 'data-field': f.name, maxlength: '200' });
      if (f.kind === 'date') input.value = new Date().toISOString().slice(0, 10);
      if (f.value) input.value = f.value;
      box.append(el('label', { for: id, text: label + where }), input);
    }
  }
  show($('#fields-box'), fields.length > 0);
  const initials = (envelope.fields || []).filter((f) => f.kind === 'initials');
  $('#typed').addEventListener('input', () => {
    $('#typed-preview').textContent = $('#typed').value;
  });
  envelope.initialsFields = initials;
}

$('#draw-check').addEventListener('change', () => {
  show($('#draw-box'), $('#draw-check').checked);
  if ($('#draw-check').checked && pad) pad.fit();
});
$('#sig-clear').addEventListener('click', () => pad && pad.clear());

function initialsOf(name) {
  return name.split(/\s+/).filter(Boolean).map((w) => w[0].toUpperCase()).join('');
}

$('#sign-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#sign-message');
  say(out, '');
  const typed = $('#typed').value.trim();
  if (!typed) {
    say(out, 'Type your full name to sign.', 'bad');
    $('#typed').focus();
    return;
  }
  if (!$('#intent').checked) {
    say(out, 'Please tick the box that says you intend to sign.', 'bad');
    $('#intent').focus();
    return;
  }
  const password = $('#reauth-password').value;
  if (!password) {
    say(out, 'Enter your password to confirm it is you.', 'bad');
    $('#reauth-password').focus();
    return;
  }
  const fields = {};
  for (const input of document.querySelectorAll('[data-field]')) {
    fields[input.dataset.field] = input.type === 'checkbox' ? (input.checked ? 'yes' : '') : input.value;
  }
  for (const f of envelope.initialsFields || []) fields[f.name] = initialsOf(typed);
  const body = { viewed_sha256: viewedSha, intent: true, typed_signature: typed, fields, password };
  if ($('#draw-check').checked && pad && !pad.isEmpty()) body.drawn_signature_png = pad.png();
  const totp = $('#reauth-totp').value.trim();
  if (totp) body.totp = totp;
  try {
    await busy($('#sign-button'), 'Applying your signature. This can take a few seconds; please keep this page open.', () =>
      api('POST', `/envelopes/${encodeURIComponent(envId)}/sign`, body));
    $('#reauth-password').value = '';
    await loadEnvelope().catch(() => {});
    finished(envelope && envelope.state === 'completed'
      ? 'Everyone has now signed. Your copy below is the final signed document.'
      : 'Your signature is on the document. The others will be asked to sign; you will get an e-mail when everyone has.');
  } catch (err) {
    if (err.code === 'totp_required') {
      show($('#reauth-totp-box'), true);
      say(out, totp ? 'That code did not work. Enter the code your app shows now.' : 'Enter the code from your authenticator app as well.', 'bad');
      $('#reauth-totp').focus();
      return;
    }
    sayError(out, err);
  }
});

function finished(text) {
  step('done');
  $('#done-text').textContent = text + (signer && signer.signed_at ? ` (signed ${formatDate(signer.signed_at)})` : '');
  $('#done-heading').focus();
}

$('#download-signed').addEventListener('click', async () => {
  const button = $('#download-signed');
  try {
    // Once executed, the signed document is a version of its document; before that, the envelope's current
    // bytes carry every signature so far, this signer's included.
    const path = envelope && envelope.state === 'completed' && envelope.document_id
      ? `/documents/${encodeURIComponent(envelope.document_id)}/content`
      : `/envelopes/${encodeURIComponent(envId)}/document`;
    const got = await busy(button, 'Downloading…', () => fetchBytes(path));
    saveBytes(got.bytes, got.filename && got.filename !== 'document.pdf' ? got.filename : `signed-${envId}.pdf`);
  } catch (err) {
    sayError(message, err);
  }
});

$('#withdraw-consent').addEventListener('click', async () => {
  try {
    await api('POST', `/envelopes/${encodeURIComponent(envId)}/consent/withdraw`);
    say(message, 'From now on you will not be asked to sign electronically. Your therapist will arrange paper copies with you. What you already signed stays signed.', 'good');
  } catch (err) {
    sayError(message, err);
  }
});

function openDecline() {
  const dialog = $('#decline-dialog');
  dialog.returnValue = '';
  dialog.showModal();
  $('#decline-reason').focus();
}
$('#decline-open-1').addEventListener('click', openDecline);
$('#decline-open-2').addEventListener('click', openDecline);
$('#decline-dialog').addEventListener('close', async () => {
  const dialog = $('#decline-dialog');
  if (dialog.returnValue !== 'confirm') return;
  const reason = $('#decline-reason').value.trim();
  if (!reason) {
    say(message, 'Please say briefly why, so the therapist can follow up with you.', 'bad');
    openDecline();
    return;
  }
  try {
    await api('POST', `/envelopes/${encodeURIComponent(envId)}/decline`, { reason });
    step('none');
    say(message, 'You declined to sign. Nothing was signed. The therapist has been told and will contact you.', 'good');
  } catch (err) {
    sayError(message, err);
  }
});

// Another e-mail link opened in this tab changes only the fragment: start over for that envelope.
window.addEventListener('hashchange', () => location.reload());

start().catch((err) => sayError(message, err));
