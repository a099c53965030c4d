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
      return 'That is too large to send.';
    case 'network':
      return 'Cannot reach the server. Check your connection; retrying by itself.';
    case 'timeout':
      return 'The server did not answer in time.';
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
  messages: (conv, { before, after, limit } = {}) => {
    const q = new URLSearchParams();
    if (before) q.set('before', before);
    if (after !== undefined) q.set('after', after);
    if (limit) q.set('limit', limit);
    return call('GET', `/conversations/${encodeURIComponent(conv)}/messages?${q}`);
  },
};
