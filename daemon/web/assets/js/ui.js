// Small DOM helpers shared by the pages. Everything is built with createElement and textContent (never HTML
// strings), so names and titles from the server can never become markup.
import { currentUser, signOut } from './api.js';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function show(node, visible = true) {
  node.classList.toggle('hidden', !visible);
}

// A live region per page area: success, warning and error messages are announced to screen readers.
export function say(region, message, kind = '') {
  region.className = 'notice' + (kind ? ' ' + kind : '');
  region.textContent = message || '';
  if (message && kind === 'bad') region.setAttribute('role', 'alert');
  else region.removeAttribute('role');
}

export function sayError(region, err) {
  say(region, (err && err.message) || 'Something went wrong. Please try again.', 'bad');
}

// Disables a button while `work` runs and shows a spinner with a sentence beside it.
export async function busy(button, text, work) {
  const holder = el('div', { class: 'busy', role: 'status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', { text }));
  button.disabled = true;
  button.after(holder);
  try {
    return await work();
  } finally {
    button.disabled = false;
    holder.remove();
  }
}

// A progress bar with a label; update(fraction|null) (null: indeterminate); done() removes it.
export function progress(after, label) {
  const id = 'p' + Math.random().toString(36).slice(2);
  const bar = el('progress', { id, max: '100' });
  const wrap = el('div', { class: 'busy', role: 'status' }, el('label', { for: id, text: label }), bar);
  after.after(wrap);
  return {
    update(fraction) {
      if (fraction === null || fraction === undefined) bar.removeAttribute('value');
      else bar.value = Math.round(fraction * 100);
    },
    done() {
      wrap.remove();
    },
  };
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDay(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

const ROLE_WORDS = {
  parent: 'Parent',
  child: 'Child',
  clinician: 'Reunification therapist',
  'child-therapist': "Child's therapist",
  attorney: 'Attorney',
  'minors-counsel': "Child's attorney",
  court: 'Court',
};
export function roleWord(role) {
  return ROLE_WORDS[role] || role || '';
}

const TYPE_WORDS = {
  'reunification-agreement': 'Reunification agreement',
  roi: 'Release of information',
  'court-order': 'Court order',
  'clarification-letter': 'Clarification letter',
  report: 'Report',
  other: 'Document',
};
export function typeWord(type) {
  return TYPE_WORDS[type] || type || 'Document';
}

const SIGNER_WORDS = {
  waiting: ['Waiting for their turn', 'plain'],
  notified: ['Asked to sign', 'warn'],
  viewed: ['Has opened it', 'warn'],
  consented: ['Agreed to sign electronically', 'warn'],
  signed: ['Signed', 'good'],
  declined: ['Declined', 'bad'],
};
export function signerBadge(state) {
  const [text, kind] = SIGNER_WORDS[state] || [state || 'Unknown', 'plain'];
  return el('span', { class: 'badge ' + kind, text });
}

const ENVELOPE_WORDS = {
  draft: ['Not sent yet', 'plain'],
  sent: ['Out for signature', 'warn'],
  completed: ['Signed by everyone', 'good'],
  declined: ['Declined', 'bad'],
  voided: ['Cancelled', 'bad'],
  expired: ['Expired', 'bad'],
};
export function envelopeBadge(state) {
  const [text, kind] = ENVELOPE_WORDS[state] || [state || 'Unknown', 'plain'];
  return el('span', { class: 'badge ' + kind, text });
}

// Reads ?name= from the address.
export function param(name) {
  return new URLSearchParams(location.search).get(name) || '';
}

// Only same-site paths are followed after signing in (no open redirect).
export function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '';
}

// Ensures someone is signed in (else goes to the sign-in page and returns to this one afterwards), fills the
// header's name and wires the sign-out button.
export async function requireUser() {
  const me = await currentUser();
  if (!me) {
    location.replace('/?next=' + encodeURIComponent(location.pathname + location.search + location.hash));
    return new Promise(() => {});
  }
  const who = document.getElementById('who');
  if (who) who.textContent = me.name || me.email;
  const out = document.getElementById('sign-out');
  if (out) {
    show(out, true);
    out.addEventListener('click', async () => {
      await signOut().catch(() => {});
      location.replace('/');
    });
  }
  return me;
}

export function homeFor(me) {
  return me && me.kind === 'clinician' ? '/clinician' : '/portal';
}

// Saves bytes the person asked to download, through a short-lived blob URL (nothing in the HTTP cache).
export function saveBytes(bytes, filename) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const a = el('a', { href: url, download: filename || 'document.pdf', class: 'hidden' });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
    a.remove();
  }, 1000);
}

// Lowercase hex SHA-256 of bytes (WebCrypto).
export async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Why the release engine lets this person see a document, in plain words (rule codes from domain/names.cpp).
const RULE_WORDS = {
  'R1.clinician': 'You are the family’s reunification therapist.',
  'R1.own-record': 'You uploaded or wrote this document.',
  'R1.own-information': 'This document is about you.',
  'R1.envelope-party': 'You are one of the people who signed it.',
  'R1.court-order': 'A court order requires that you receive it.',
  'R3.roi': 'A signed release of information allows you to receive it.',
  'R6.agreement': 'The signed reunification agreement allows you to receive it.',
  'CL.release-target': 'The therapist released this letter to you.',
};
export function basisWords(rule, basis) {
  const words = RULE_WORDS[rule] || (rule ? `Allowed by rule ${rule}.` : 'Allowed.');
  return basis ? `${words} (${basis})` : words;
}
