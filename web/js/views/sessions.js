// The user's live sessions (devices); any of them can be ended here.
import { api, logout } from '../api.js';
import { busy, formatTime, h } from '../dom.js';

/** "Chrome on Linux" from a User-Agent, or the raw text when unknown. */
function device(ua) {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrom(e|ium)\//.test(ua) ? 'Chromium/Chrome' : /Safari\//.test(ua) ? 'Safari'
    : /python|curl|websockets/i.test(ua) ? 'Script' : null;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  return browser ? `${browser}${os ? ` on ${os}` : ''}` : ua.slice(0, 60);
}

export function mountSessions(pane, go) {
  const status = h('p.error', { role: 'alert' });
  const list = h('ul.sessions', { id: 'sessions' });
  pane.replaceChildren(
    h('header.pane-head', {},
      h('button.back', { type: 'button', onclick: () => go('#/') }, '← Back'),
      h('h2', { tabindex: '-1', id: 'pane-title' }, 'Your sessions')),
    h('div.pane-body', {},
      h('p.muted', {}, 'Every device or browser where you are logged in. Ending one logs it out at once.'),
      status, list));

  async function load() {
    status.textContent = '';
    try {
      const { sessions } = await api.sessions();
      sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.last_seen - a.last_seen);
      list.replaceChildren(...sessions.map((s) => {
        const end = h('button', { type: 'button', class: s.current ? 'danger' : '' }, s.current ? 'Log out' : 'End session');
        end.onclick = () =>
          busy(end, async () => {
            if (s.current) return logout();
            await api.endSession(s.id);
            await load();
          }, (m) => (status.textContent = m));
        return h('li.session', {},
          h('div', {},
            h('strong', {}, device(s.user_agent)), s.current ? h('span.tag', {}, 'this device') : null,
            h('div.muted', {}, `Signed in ${formatTime(s.created_at)} · last active ${formatTime(s.last_seen)}`)),
          end);
      }));
    } catch (e) {
      status.textContent = e.userMessage || String(e);
    }
  }
  load();
  pane.querySelector('#pane-title').focus();
  return () => {};
}
