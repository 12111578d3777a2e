// The one way the pages talk to kinvaultd: same-origin fetches, the session in its HttpOnly cookie, the CSRF
// token in a header on every state change, errors turned into sentences a person can act on.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setCsrf(token) {
  csrfToken = token || null;
}

function friendly(status) {
  if (status === 401) return 'Please sign in again.';
  if (status === 404) return 'This is not available to you, or it does not exist.';
  if (status === 413) return 'The file is too large.';
  if (status === 429) return 'Too many attempts. Please wait a few minutes and try again.';
  if (status >= 500) return 'Something went wrong on our side. Please try again in a moment.';
  return 'That did not work. Please check what you entered and try again.';
}

async function errorFrom(res) {
  let code = 'error';
  let message = friendly(res.status);
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      if (body.error.message) {
        // Server messages are written for people; make them read as sentences.
        const m = String(body.error.message);
        message = m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
      }
    }
  } catch {
    // Not JSON: keep the plain sentence for the status.
  }
  return new ApiError(res.status, code, message);
}

function headersFor(method, extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    h['X-CSRF-Token'] = csrfToken;
  }
  return h;
}

// JSON request to /api/v1 + path. Resolves to the parsed body (null for 204), rejects with ApiError.
export async function api(method, path, body) {
  const init = { method, headers: headersFor(method), credentials: 'same-origin', cache: 'no-store' };
  // An empty object is not sent: some actions take no body, and a body the server does not read must not be
  // left behind on a kept-alive connection.
  if (body !== undefined && !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch {
    throw new ApiError(0, 'network', 'The connection to the server failed. Check your internet connection and try again.');
  }
  if (!res.ok) {
    throw await errorFrom(res);
  }
  if (res.status === 204) {
    return null;
  }
  return res.json();
}

// Lists come back as {"items": [...]}.
export async function apiList(path) {
  const body = await api('GET', path);
  return (body && body.items) || [];
}

// The signed-in person (and the CSRF token of their session), or null when nobody is signed in.
export async function currentUser() {
  try {
    const me = await api('GET', '/me');
    setCsrf(me.csrf_token);
    return me;
  } catch (e) {
    if (e.status === 401) {
      return null;
    }
    throw e;
  }
}

// Fetches a document's bytes into memory (never into the browser's cache: the server says no-store and we
// ask for no-store too). onProgress(fraction|null) reports the download.
export async function fetchBytes(path, onProgress) {
  let res;
  try {
    res = await fetch('/api/v1' + path, { headers: headersFor('GET', { Accept: 'application/pdf' }), credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'The connection to the server failed. Check your internet connection and try again.');
  }
  if (!res.ok) {
    throw await errorFrom(res);
  }
  const total = Number(res.headers.get('Content-Length')) || 0;
  const reader = res.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    if (onProgress) onProgress(total ? received / total : null);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return {
    bytes,
    sha256: res.headers.get('X-Kinvault-SHA256') || '',
    filename: filenameFrom(res.headers.get('Content-Disposition')),
    obligations: res.headers.get('X-Kinvault-Obligations') || '',
  };
}

function filenameFrom(disposition) {
  if (!disposition) return 'document.pdf';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through to the ASCII name
    }
  }
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : 'document.pdf';
}

// Uploads a file as the raw request body with progress (fetch has no upload progress, XHR does).
export function uploadFile(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1' + path);
    xhr.setRequestHeader('Content-Type', file.type || 'application/pdf');
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.upload.onprogress = (e) => {
      if (onProgress) onProgress(e.lengthComputable ? e.loaded / e.total : null);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was interrupted. Check your connection and try again.'));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const m = body && body.error && body.error.message ? String(body.error.message) : friendly(xhr.status);
      reject(new ApiError(xhr.status, (body && body.error && body.error.code) || 'error',
        m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.')));
    };
    xhr.send(file);
  });
}

export async function signOut() {
  try {
    await api('DELETE', '/sessions/current');
  } finally {
    setCsrf(null);
  }
}
