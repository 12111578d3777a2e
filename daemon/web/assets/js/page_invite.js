// The invitation link from the e-mail: /invite#TOKEN. The token sits in the fragment so it never reaches a
// server log or a Referer; it is removed from the address bar as soon as it is read.
import { api, setCsrf } from './api.js';
import { $, say, sayError, busy, show, roleWord, formatDate } from './ui.js';
import { drawQr } from './qr.js';

const message = $('#message');
const token = decodeURIComponent(location.hash.replace(/^#/, ''));
history.replaceState(null, '', location.pathname);
let existing = false;

async function start() {
  if (!token) {
    say(message, 'This link is incomplete. Open the link from your invitation e-mail again, or ask your therapist for a new one.', 'bad');
    return;
  }
  try {
    const inv = await api('POST', '/invitations/peek', { token });
    existing = !!inv.account_exists;
    $('#title').textContent = `Welcome, ${inv.name}`;
    $('#welcome-text').textContent =
      `You have been invited to a family case as ${roleWord(inv.role).toLowerCase()} (${inv.email}). ` +
      `This invitation is valid until ${formatDate(inv.expires_at)}.`;
    show($('#new-account'), !existing);
    show($('#existing-account'), existing);
    show($('#welcome'), true);
    (existing ? $('#existing-password') : $('#password')).focus();
  } catch (err) {
    if (err.status === 404 || err.status === 410) {
      say(message, 'This invitation link has expired or was already used. Please ask your therapist to send a new one.', 'bad');
    } else {
      sayError(message, err);
    }
  }
}

$('#accept').addEventListener('submit', async (e) => {
  e.preventDefault();
  say(message, '');
  let password;
  if (existing) {
    password = $('#existing-password').value;
    if (!password) {
      say(message, 'Enter the password of your existing account.', 'bad');
      return;
    }
  } else {
    password = $('#password').value;
    if ([...password].length < 12) {
      say(message, 'Please choose a password of at least 12 characters.', 'bad');
      $('#password').focus();
      return;
    }
    if (password !== $('#password2').value) {
      say(message, 'The two passwords are not the same. Please type them again.', 'bad');
      $('#password2').focus();
      return;
    }
  }
  try {
    const session = await busy($('#accept-button'), 'Setting up your account…', () =>
      api('POST', '/invitations/accept', { token, password, cookie: true }));
    setCsrf(session.csrf_token);
    show($('#welcome'), false);
    say(message, 'Your account is ready.', 'good');
    show($('#totp-step'), true);
    $('#totp-heading').focus();
  } catch (err) {
    sayError(message, err);
  }
});

function finish() {
  show($('#totp-step'), false);
  show($('#done'), true);
  $('#continue').focus();
}

$('#totp-heading').setAttribute('tabindex', '-1');
$('#totp-skip').addEventListener('click', finish);

$('#totp-start').addEventListener('click', async () => {
  const out = $('#totp-message');
  try {
    const r = await busy($('#totp-start'), 'Preparing…', () => api('POST', '/me/totp'));
    drawQr($('#qr'), r.otpauth_uri);
    const secret = new URL(r.otpauth_uri.replace(/^otpauth:/, 'https:')).searchParams.get('secret') || '';
    $('#totp-secret').textContent = secret.replace(/(.{4})/g, '$1 ').trim();
    show($('#totp-setup'), true);
    $('#totp-code').focus();
  } catch (err) {
    sayError(out, err);
  }
});

$('#totp-confirm').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#totp-message');
  const code = $('#totp-code').value.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) {
    say(out, 'Enter the six digits your app shows.', 'bad');
    return;
  }
  try {
    await busy($('#totp-confirm-button'), 'Checking…', () => api('POST', '/me/totp/confirm', { code }));
    say(out, 'Done: from now on you will also enter a code from the app when you sign in.', 'good');
    finish();
  } catch (err) {
    sayError(out, err);
  }
});

start();
