// Links in e-mails carry ids in the fragment (/documents.html#DOC, /envelope.html#ENV) so they stay out of
// server logs; this sends the person to the page that shows that object.
import { api } from './api.js';
import { $, sayError, requireUser } from './ui.js';

async function start() {
  const me = await requireUser();
  const id = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (location.pathname.startsWith('/documents')) {
    location.replace(`/view?doc=${encodeURIComponent(id)}`);
    return;
  }
  if (me.kind !== 'clinician') {
    location.replace(`/sign?envelope=${encodeURIComponent(id)}`);
    return;
  }
  const env = await api('GET', `/envelopes/${encodeURIComponent(id)}`);
  location.replace(`/clinician?case=${encodeURIComponent(env.case_id)}`);
}

window.addEventListener('hashchange', () => location.reload());

start().catch((err) => sayError($('#message'), err));
