// HTTP calls of docs/protocol.md, with the tokens: the refresh token (and the
// current access token) live in localStorage so that a reload or another tab
// keeps the session. Before each call the access token is refreshed if it
// expires soon (and once more after a 401). Refreshing on demand rather than
// by timer matters: the refresh token rotates, and a refresh whose answer is
// lost (the page reloads or closes while it is in flight) leaves only the
// used token, whose next use ends the session. Refreshes of all tabs are
// serialised (Web Locks when available) for the same reason.

const KEY = 'chat.auth';
const MARGIN_MS = 60_000; // refresh when less than this (or a quarter of a short life) is left

/** An error answer (or no answer) with a message fit for people. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.userMessage = friendly(code, message, retryAfter);
  }
}

/** Human text for an error code (docs/protocol.md's codes; `network` is ours). */
export function friendly(code, message, retryAfter) {
  switch (code) {
    case 'rate_limited':
      return `You are sending too fast. Wait ${retryAfter ? `${retryAfter} s` : 'a moment'} and try again.`;
    case 'forbidden':
      return 'You are not allowed to do that here (you may no longer be a member).';
    case 'unavailable':
      return 'This part of the chat is temporarily unavailable (a server is down). Try again shortly.';
    case 'unauthorized':
      return 'Your session has ended. Please log in again.';
    case 'not_found':
      return 'Not found: it may have been removed or answered already.';
    case 'conflict':
      return 'That username is already taken.';
    case 'payload_too_large':
      return message ? `Too large: ${message}.` : 'That is too large to send.';
    case 'network':
      return 'Cannot reach the server. Check your connection; retrying by itself.';
    case 'timeout':
      return 'The server did not answer in time.';
    case 'range_not_satisfiable':
      return 'That part of the file does not exist.';
    case 'bad_request':
      return message ? `Not accepted: ${message}` : 'The input was not accepted.';
    default:
      return 'Something went wrong on the server. Please try again.';
  }
}

let auth = load();
let refreshing = null;
const listeners = new Set();

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function save(next) {
  auth = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const fn of listeners) fn(auth);
}

/** fn(auth|null) on every login, refresh and logout (this tab's or another's). */
export function onAuth(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export const session = () => auth;

window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  const prev = auth;
  auth = load();
  if (prev?.sessionId !== auth?.sessionId) for (const fn of listeners) fn(auth);
});

/** True when the access token is expired or about to be. */
function expiring(a) {
  const margin = Math.min(MARGIN_MS, (a.exp - a.issued) / 4);
  return a.exp - Date.now() < margin;
}

function fromTokens(t) {
  const now = Date.now();
  return {
    access: t.access_token,
    refresh: t.refresh_token,
    issued: now,
    exp: now + t.expires_in * 1000,
    sessionId: t.session_id,
    user: t.user,
  };
}

async function raw(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'network error');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    /* not JSON: handled below */
  }
  if (!res.ok) {
    const err = data?.error || {};
    const code = err.code || (res.status >= 500 ? 'unavailable' : 'bad_request');
    throw new ApiError(res.status, code, err.message, Number(res.headers.get('Retry-After')) || null);
  }
  return data;
}

const withLock = (fn) =>
  navigator.locks ? navigator.locks.request('chat.refresh', fn) : fn();

/** Gets a new access token (rotating the refresh token); shared by callers. */
export function refresh() {
  if (!refreshing) {
    refreshing = withLock(async () => {
      const stored = load();
      if (!stored) {
        save(null);
        throw new ApiError(401, 'unauthorized');
      }
      // Another tab may have rotated it already: take its fresh token.
      if (stored.refresh !== auth?.refresh && !expiring(stored)) {
        auth = stored;
        return;
      }
      try {
        const t = await raw('POST', '/auth/refresh', { refresh_token: stored.refresh });
        save(fromTokens(t));
      } catch (e) {
        if (e.status === 401) save(null); // the next call tries again otherwise
        throw e;
      }
    }).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** An authenticated call; refreshes first when the token is (nearly) expired
 *  and once more after a 401. */
export async function call(method, path, body) {
  if (!auth) throw new ApiError(401, 'unauthorized');
  if (expiring(auth)) await refresh();
  try {
    return await raw(method, path, body, auth.access);
  } catch (e) {
    if (e.status !== 401 || !auth) throw e;
    await refresh();
    return raw(method, path, body, auth.access);
  }
}

/** Runs fn(access token) with a fresh token, once more after a 401 (for
 *  calls `call` cannot make: uploads with progress, binary downloads). */
async function withToken(fn) {
  if (!auth) throw new ApiError(401, 'unauthorized');
  if (expiring(auth)) await refresh();
  try {
    return await fn(auth.access);
  } catch (e) {
    if (e.status !== 401 || !auth) throw e;
    await refresh();
    return fn(auth.access);
  }
}

/** An ApiError from a non-2xx answer whose body may hold {error}. */
function errorOf(status, text, retryAfter) {
  let err = {};
  try {
    err = JSON.parse(text)?.error || {};
  } catch {
    /* not JSON */
  }
  const code = err.code || (status >= 500 ? 'unavailable' : status === 413 ? 'payload_too_large' : 'bad_request');
  return new ApiError(status, code, err.message, Number(retryAfter) || null);
}

/** Uploads `file` into conversation `conv` (XMLHttpRequest: fetch has no
 *  upload progress); onProgress(sent, total) as it goes. Resolves to the
 *  attachment; `signal.abort()` cancels. */
export function upload(conv, file, onProgress, signal) {
  return withToken((token) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/conversations/${encodeURIComponent(conv)}/attachments?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    if (file.type) xhr.setRequestHeader('Content-Type', file.type);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch {
          reject(new ApiError(xhr.status, 'internal', 'unreadable answer'));
        }
      } else reject(errorOf(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
    };
    // The server may refuse an oversize body and close before reading it all.
    xhr.onerror = () => {
      const e = new ApiError(0, 'network', 'the upload was cut off');
      e.userMessage = 'The upload was cut off (the connection dropped, or the server refused the file as too large).';
      reject(e);
    };
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'upload cancelled'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  }));
}

/** An attachment's bytes as a Blob (the download needs the bearer token,
 *  which a plain link or <img src> cannot send). */
export function download(conv, att) {
  return withToken(async (token) => {
    let res;
    try {
      res = await fetch(`/conversations/${encodeURIComponent(conv)}/attachments/${encodeURIComponent(att)}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
    } catch {
      throw new ApiError(0, 'network', 'network error');
    }
    if (!res.ok) throw errorOf(res.status, await res.text(), res.headers.get('Retry-After'));
    return res.blob();
  });
}

export async function register(username, password, displayName) {
  const body = { username, password };
  if (displayName) body.display_name = displayName;
  await raw('POST', '/auth/register', body);
  return login(username, password);
}

export async function login(username, password) {
  try {
    save(fromTokens(await raw('POST', '/auth/login', { username, password })));
  } catch (e) {
    if (e.code === 'unauthorized') e.userMessage = 'Wrong username or password.';
    throw e;
  }
  return auth.user;
}

/** Ends this session on the server (best effort) and forgets it here. */
export async function logout() {
  try {
    if (auth) await raw('POST', '/auth/logout', undefined, auth.access);
  } catch {
    /* the session is forgotten locally either way */
  } finally {
    save(null);
  }
}

/** Forgets the session locally (e.g. after the server closed it with 4001). */
export const forget = () => save(null);

export const api = {
  me: () => call('GET', '/users/me'),
  user: (id) => call('GET', `/users/${encodeURIComponent(id)}`),
  userByName: (name) => call('GET', `/users?username=${encodeURIComponent(name)}`),
  sessions: () => call('GET', '/auth/sessions'),
  endSession: (id) => call('DELETE', `/auth/sessions/${encodeURIComponent(id)}`),
  ticket: () => call('POST', '/ws/ticket'),
  conversations: () => call('GET', '/conversations'),
  conversation: (id) => call('GET', `/conversations/${encodeURIComponent(id)}`),
  createGroup: (title, invite) => call('POST', '/conversations', { title, invite }),
  direct: (userId) => call('POST', '/conversations/direct', { user_id: userId }),
  invite: (conv, userId) =>
    call('POST', `/conversations/${encodeURIComponent(conv)}/invitations`, { user_id: userId }),
  invitations: () => call('GET', '/invitations'),
  accept: (id) => call('POST', `/invitations/${encodeURIComponent(id)}/accept`),
  decline: (id) => call('POST', `/invitations/${encodeURIComponent(id)}/decline`),
  blocks: () => call('GET', '/users/me/blocks'),
  block: (userId) => call('PUT', `/users/me/blocks/${encodeURIComponent(userId)}`),
  unblock: (userId) => call('DELETE', `/users/me/blocks/${encodeURIComponent(userId)}`),
  removeMember: (conv, userId) =>
    call('DELETE', `/conversations/${encodeURIComponent(conv)}/members/${encodeURIComponent(userId)}`),
  makeAdmin: (conv, userId, on) =>
    call(on ? 'PUT' : 'DELETE', `/conversations/${encodeURIComponent(conv)}/admins/${encodeURIComponent(userId)}`),
  /** One conversation's search (`before`: the previous page's `next`), or
   *  every conversation's when `conv` is null (`cursor`: its `next`). */
  search: (conv, q, next) => {
    const p = new URLSearchParams({ q, limit: '20' });
    if (next !== null && next !== undefined) p.set(conv ? 'before' : 'cursor', next);
    return call('GET', conv ? `/conversations/${encodeURIComponent(conv)}/search?${p}` : `/search?${p}`);
  },
  messages: (conv, { before, after, limit } = {}) => {
    const q = new URLSearchParams();
    if (before) q.set('before', before);
    if (after !== undefined) q.set('after', after);
    if (limit) q.set('limit', limit);
    return call('GET', `/conversations/${encodeURIComponent(conv)}/messages?${q}`);
  },
};
