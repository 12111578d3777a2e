// A party's home (parent, attorney, child's therapist, child): what waits for their signature, every document
// the release engine gives them with the reason, the releases they signed (and revoking one), court order
// upload, and the clarification letter of a parent. Nothing is decided here: the server lists only what the
// engine permits, and every action is checked again on the server.
import { api, apiList, uploadFile, fetchBytes } from './api.js';
import {
  $, el, clear, say, sayError, busy, show, progress, requireUser, param, roleWord, typeWord, formatDate,
  formatDay, signerBadge, basisWords, saveBytes,
} from './ui.js';

const message = $('#message');
let me = null;
let caseId = '';
let myCase = null;
let parties = [];
let myParty = null;

// An API that has not been deployed yet answers 404 for its route; such sections stay hidden.
async function optionalList(path) {
  try {
    return await apiList(path);
  } catch (err) {
    if (err.status === 404 || err.status === 405) return null;
    throw err;
  }
}

async function start() {
  me = await requireUser();
  if (me.kind === 'clinician') {
    location.replace('/clinician');
    return;
  }
  const cases = await apiList('/cases');
  if (cases.length === 0) {
    say(message, 'You are not part of any family case yet. Your therapist will send you an invitation.', 'warn');
    show($('#docs'), false);
    return;
  }
  const wanted = param('case');
  myCase = cases.find((c) => c.id === wanted) || cases[0];
  if (cases.length > 1) {
    const select = clear($('#case-select'));
    for (const c of cases) select.append(el('option', { value: c.id, selected: c.id === myCase.id, text: c.name }));
    select.addEventListener('change', () => {
      location.search = '?case=' + encodeURIComponent(select.value);
    });
    show($('#case-picker'), true);
  }
  caseId = myCase.id;
  parties = await apiList(`/cases/${caseId}/parties`).catch(() => []);
  myParty = parties.find((p) => p.email && p.email.toLowerCase() === (me.email || '').toLowerCase()) || null;
  const roles = myCase.my_roles || [];
  document.querySelector('h1').textContent = `Your documents: ${myCase.name}`;
  await Promise.all([loadToSign(), loadDocuments(), loadRois(), loadLetters(roles)]);
  show($('#order-upload'), roles.includes('parent') || roles.includes('attorney'));
}

async function loadToSign() {
  const list = await optionalList(`/cases/${caseId}/envelopes`);
  if (!list) return;
  const ul = clear($('#to-sign-list'));
  const mine = list.filter((e) => e.my_slot !== undefined && e.my_slot !== null && e.my_slot !== '');
  for (const env of mine) {
    const signer = (env.signers || []).find((s) => s.slot === env.my_slot) || {};
    const pending = env.state === 'sent' && !['signed', 'declined', 'waiting'].includes(signer.state);
    const item = el('li', {},
      el('strong', { text: env.title || typeWord(env.type) || 'Document to sign' }), ' ',
      signerBadge(signer.state),
      el('div', { class: 'meta', text: env.state === 'completed' ? 'Everyone has signed.' : `Sent ${formatDate(env.sent_at || env.created_at)}` }));
    if (pending) {
      item.append(el('a', { class: 'button', href: `/sign?envelope=${encodeURIComponent(env.id)}`, text: 'Review and sign' }));
    } else {
      item.append(el('a', { class: 'button secondary', href: `/sign?envelope=${encodeURIComponent(env.id)}`, text: 'Open' }));
    }
    ul.append(item);
  }
  show($('#to-sign'), mine.length > 0);
}

async function loadDocuments() {
  const body = clear($('#docs-body'));
  const docs = await apiList(`/cases/${caseId}/documents`);
  if (docs.length === 0) {
    body.append(el('p', { text: 'There are no documents for you yet.' }));
    return;
  }
  const ul = el('ul', { class: 'list', id: 'doc-list' });
  for (const d of docs) {
    const download = el('button', { type: 'button', class: 'secondary', text: 'Download' });
    download.addEventListener('click', async () => {
      try {
        const got = await busy(download, 'Downloading…', () => fetchBytes(`/documents/${d.id}/content`));
        saveBytes(got.bytes, got.filename || d.filename);
      } catch (err) {
        sayError(message, err);
      }
    });
    ul.append(el('li', { 'data-document': d.id },
      el('strong', { class: 'doc-title', text: d.title || d.filename || typeWord(d.type) }),
      el('div', { class: 'meta', text: `${typeWord(d.type)} · ${formatDate(d.uploaded_at)} · ${d.pages || '?'} page(s)` }),
      el('div', { class: 'basis', text: 'Why you can see it: ' + basisWords(d.access_rule, d.access_basis) }),
      el('div', { class: 'actions' },
        el('a', { class: 'button', href: `/view?doc=${encodeURIComponent(d.id)}`, text: 'Read', 'aria-label': `Read ${d.title || d.filename}` }),
        download)));
  }
  body.append(ul);
}

function recipientName(r) {
  if (typeof r === 'string') {
    const p = parties.find((x) => x.id === r);
    return p ? `${p.name} (${roleWord(p.role).toLowerCase()})` : r;
  }
  if (r.name) return r.name;
  if (r.party_id) return recipientName(r.party_id);
  return r.function || r.description || 'the named recipient';
}

const ROI_STATE = {
  draft: 'Not signed yet',
  'pending-signatures': 'Waiting for signatures',
  pending_signatures: 'Waiting for signatures',
  pending: 'Waiting for signatures',
  active: 'In force',
  expired: 'Expired',
  revoked: 'Revoked',
  superseded: 'Replaced by a newer release',
  suspended: 'On hold (custody changed)',
};

async function loadRois() {
  const rois = await optionalList(`/cases/${caseId}/rois`);
  if (!rois) return;
  const signedByMe = rois.filter((r) => !myParty || !r.signers || r.signers.some((s) => s.party_id === myParty.id));
  const ul = clear($('#rois-list'));
  for (const roi of signedByMe) {
    const recipients = (roi.recipients || []).map(recipientName);
    const item = el('li', { 'data-roi': roi.id },
      el('strong', { text: `About ${roi.subject_name || recipientName(roi.subject || '') || 'your child'}: to ${recipients.join(', ') || 'the named people'}` }),
      ' ', el('span', { class: 'badge ' + (roi.state === 'active' ? 'good' : 'plain'), text: ROI_STATE[roi.state] || roi.state }),
      el('div', { class: 'meta', text: roi.expires_on ? `Ends ${formatDay(roi.expires_on)}` : '' }));
    if (roi.state === 'active') {
      const button = el('button', { type: 'button', class: 'secondary', text: 'Revoke…' });
      button.addEventListener('click', () => revoke(roi, recipients));
      item.append(button);
    }
    ul.append(item);
  }
  show($('#rois'), signedByMe.length > 0);
}

// Explains what revoking does before anything happens (domain.md rule 7: effective at once, not backwards).
function revoke(roi, recipientNames) {
  const dialog = $('#revoke-dialog');
  const effect = clear($('#revoke-effect'));
  effect.append(
    el('p', { text: `If you revoke this release, the therapist stops sharing information with ${recipientNames.join(', ') || 'the people it names'} from this moment on.` }),
    el('p', { text: 'Anything already shared before now cannot be called back.' }),
    el('p', { text: 'Your reunification therapist sees the change right away. If they need this release to keep working with your child’s therapist, they will talk with you about it.' }));
  const scope = clear($('#revoke-scope'));
  const recipients = roi.recipients || [];
  if (recipients.length > 1) {
    const select = el('select', { id: 'revoke-recipient' }, el('option', { value: '', text: 'Everyone it names' }));
    recipients.forEach((r, i) => {
      const id = typeof r === 'string' ? r : r.party_id || r.id || '';
      if (id) select.append(el('option', { value: id, text: `Only ${recipientNames[i]}` }));
    });
    scope.append(el('label', { for: 'revoke-recipient', text: 'Revoke it for' }), select);
  }
  dialog.returnValue = '';
  dialog.showModal();
  $('#revoke-cancel').focus();
  dialog.addEventListener('close', async function onClose() {
    dialog.removeEventListener('close', onClose);
    if (dialog.returnValue !== 'confirm') return;
    const body = {};
    const only = $('#revoke-recipient');
    if (only && only.value) body.recipient = only.value;
    try {
      await api('POST', `/rois/${roi.id}/revoke`, body);
      say(message, 'The release is revoked. Nothing more will be shared under it.', 'good');
      await loadRois();
      await loadDocuments();
    } catch (err) {
      sayError(message, err);
    }
  });
}

const LETTER_STATE = {
  draft: 'Draft',
  submitted: 'With the therapist for review',
  'revisions-requested': 'The therapist asked for changes',
  revisions_requested: 'The therapist asked for changes',
  revised: 'Revised, with the therapist',
  approved: 'Approved',
  released: 'Released',
  archived: 'Released',
  withdrawn: 'Withdrawn',
};

async function loadLetters(roles) {
  if (!roles.includes('parent')) return;
  const letters = await optionalList(`/cases/${caseId}/letters`);
  if (!letters) return;
  const children = parties.filter((p) => p.role === 'child');
  const select = clear($('#letter-child'));
  for (const c of children) select.append(el('option', { value: c.id, text: c.name }));
  // A letter is always to a child of the case; until the therapist has added one there is nothing to choose.
  show($('#letter-form'), children.length > 0);
  if (children.length === 0) say($('#letter-message'), 'Your therapist adds your child to the case before you can send a letter.', 'warn');
  const ul = clear($('#letters-list'));
  for (const l of letters) {
    const state = l.state || 'draft';
    const item = el('li', { 'data-letter': l.id },
      el('strong', { text: l.title || 'Your letter' }), ' ',
      el('span', { class: 'badge ' + (state.startsWith('revisions') ? 'warn' : 'plain'), text: LETTER_STATE[state] || state }));
    const notes = l.revision_notes || (l.revision_note ? [l.revision_note] : []);
    for (const n of notes) {
      item.append(el('div', { class: 'notice warn' }, el('strong', { text: 'What the therapist asked: ' }), typeof n === 'string' ? n : n.text || ''));
    }
    if (l.document_id) item.append(el('a', { class: 'button secondary', href: `/view?doc=${encodeURIComponent(l.document_id)}`, text: 'Read' }));
    ul.append(item);
  }
  show($('#letters'), true);
}

$('#letter-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#letter-message');
  const file = $('#letter-file').files[0];
  const child = $('#letter-child').value;
  if (!file) {
    say(out, 'Choose the PDF file of your letter.', 'bad');
    return;
  }
  const bar = progress($('#letter-button'), 'Uploading your letter');
  $('#letter-button').disabled = true;
  try {
    const q = new URLSearchParams({ type: 'clarification-letter', title: 'Clarification letter', filename: file.name });
    const doc = await uploadFile(`/cases/${caseId}/documents?${q}`, file, (f) => bar.update(f));
    const letter = await api('POST', `/cases/${caseId}/letters`, { document_id: doc.id, child });
    await api('POST', `/letters/${letter.id}/submit`);
    say(out, 'Your letter is with the therapist for review. You will see here if they ask for changes.', 'good');
    $('#letter-form').reset();
    await loadLetters(myCase.my_roles || []);
  } catch (err) {
    sayError(out, err);
  } finally {
    bar.done();
    $('#letter-button').disabled = false;
  }
});

$('#order-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#order-message');
  const file = $('#order-file').files[0];
  if (!file) {
    say(out, 'Choose the PDF file of the court order.', 'bad');
    return;
  }
  const title = $('#order-title').value.trim() || 'Court order';
  const bar = progress($('#order-button'), 'Uploading the court order');
  $('#order-button').disabled = true;
  try {
    const q = new URLSearchParams({ type: 'court-order', title, filename: file.name });
    await uploadFile(`/cases/${caseId}/documents?${q}`, file, (f) => bar.update(f));
    say(out, 'Thank you. The therapist will check the order; you will see it under your documents.', 'good');
    $('#order-form').reset();
    await loadDocuments();
  } catch (err) {
    sayError(out, err);
  } finally {
    bar.done();
    $('#order-button').disabled = false;
  }
});

start().catch((err) => sayError(message, err));
