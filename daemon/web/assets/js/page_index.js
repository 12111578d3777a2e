// Sign in: e-mail and password, then a TOTP code when the account has one (the server says so).
import { api, setCsrf, currentUser } from './api.js';
import { $, say, sayError, busy, show, param, safeNext, homeFor } from './ui.js';

const form = $('#login');
const message = $('#login-message');

async function start() {
  const me = await currentUser().catch(() => null);
  if (me) {
    location.replace(safeNext(param('next')) || homeFor(me));
    return;
  }
  $('#email').focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  say(message, '');
  const email = $('#email').value.trim();
  const password = $('#password').value;
  if (!email || !password) {
    say(message, 'Enter your e-mail address and password.', 'bad');
    return;
  }
  const body = { email, password, cookie: true };
  const totp = $('#totp').value.trim();
  if (totp) body.totp = totp;
  try {
    const session = await busy($('#login-button'), 'Signing in…', () => api('POST', '/sessions', body));
    setCsrf(session.csrf_token);
    location.replace(safeNext(param('next')) || homeFor(session.user));
  } catch (err) {
    if (err.code === 'totp_required') {
      show($('#totp-box'), true);
      say(message, totp ? 'That code did not work. Enter the code your authenticator app shows now.'
                        : 'Enter the six-digit code from your authenticator app.', totp ? 'bad' : 'warn');
      $('#totp').focus();
      return;
    }
    sayError(message, err);
  }
});

start();
