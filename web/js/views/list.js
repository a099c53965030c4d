// The sidebar: pending invitations, starting a conversation (direct or
// group) and the conversation list with unread counts.
import { busy, h, perFrame, syncList } from '../dom.js';
import { store } from '../store.js';
import { mountInvitations } from './invitations.js';

export function mountSidebar(root, go) {
  const invitations = h('section.invitations', { 'aria-labelledby': 'inv-title' });
  const list = h('ul.convs', { id: 'conv-list' });
  const start = newConversation(go);
  let opened = false;
  root.replaceChildren(invitations, start, h('h2.section', { id: 'convs-title' }, 'Conversations'), list);
  const unmountInvitations = mountInvitations(invitations, go);

  const empty = h('p.muted.empty-list', {}, 'No conversations yet.');
  function render() {
    const convs = [...store.convs.values()].sort((a, b) => b.lastSeq - a.lastSeq || (b.created_at || 0) - (a.created_at || 0) || a.id.localeCompare(b.id));
    syncList(list, convs, (c) => c.id, (c) => {
      const link = h('a.conv', { href: `#/c/${encodeURIComponent(c.id)}` },
        h('span.dot', { 'aria-hidden': 'true' }),
        h('span.name'),
        h('span.badge'));
      return h('li', {}, link);
    }, (li, c) => {
      const link = li.firstChild;
      const unread = store.active === c.id ? 0 : store.unread(c);
      const mentioned = store.active === c.id ? 0 : store.mentions(c);
      const title = store.title(c);
      link.querySelector('.name').textContent = (c.kind === 'group' ? '# ' : '') + title;
      const badge = link.querySelector('.badge');
      badge.textContent = unread ? (mentioned ? `@${mentioned} · ${unread}` : String(unread)) : '';
      badge.hidden = !unread;
      badge.classList.toggle('mention', mentioned > 0);
      link.dataset.mentions = String(mentioned);
      const dot = link.querySelector('.dot');
      const online = c.kind === 'direct' && c.peer ? store.presence.get(c.peer) : undefined;
      dot.dataset.online = online === undefined ? 'unknown' : String(online);
      link.dataset.unread = String(unread);
      link.setAttribute('aria-label', `${title}${unread ? `, ${unread} unread` : ''}${c.unavailable ? ', unavailable' : ''}`);
      if (store.active === c.id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
      link.classList.toggle('unavailable', c.unavailable);
    });
    // The tab's title counts what is unread everywhere, like other chat apps.
    const total = convs.reduce((n, c) => n + (store.active === c.id ? 0 : store.unread(c)), 0);
    document.title = total ? `(${total}) Chat` : 'Chat';
    if (!store.convs.size) list.before(empty);
    else empty.remove();
    if (!store.convs.size && store.listed && !opened) opened = start.open = true; // first steps
  }
  const soon = perFrame(render);
  store.addEventListener('convs', soon);
  store.addEventListener('users', soon);
  render();
  return () => {
    unmountInvitations();
    store.removeEventListener('convs', soon);
    store.removeEventListener('users', soon);
  };
}

function newConversation(go) {
  const dmName = h('input', { id: 'dm-username', required: true, autocapitalize: 'none', spellcheck: 'false', placeholder: 'username' });
  const dmError = h('p.error', { role: 'alert' });
  const dmButton = h('button', { type: 'submit', id: 'dm-start' }, 'Start');
  const dm = h('form.inline', {
    onsubmit: (e) => {
      e.preventDefault();
      dmError.textContent = '';
      busy(dmButton, async () => {
        const conv = await store.openDirect(dmName.value);
        dmName.value = '';
        go(`#/c/${encodeURIComponent(conv.id)}`);
      }, (m) => (dmError.textContent = m));
    },
  }, h('label', { for: 'dm-username' }, 'Direct message'), h('div.row', {}, dmName, dmButton), dmError);

  const title = h('input', { id: 'group-title', required: true, maxlength: 128, placeholder: 'title' });
  const invite = h('input', { id: 'group-invite', autocapitalize: 'none', spellcheck: 'false', placeholder: 'alice, bob', 'aria-describedby': 'group-invite-hint' });
  const groupError = h('p.error', { role: 'alert' });
  const groupButton = h('button', { type: 'submit', id: 'group-create' }, 'Create group');
  const group = h('form.inline', {
    onsubmit: (e) => {
      e.preventDefault();
      groupError.textContent = '';
      const names = invite.value.split(/[\s,]+/).filter(Boolean);
      busy(groupButton, async () => {
        const conv = await store.createGroup(title.value.trim(), names);
        title.value = invite.value = '';
        go(`#/c/${encodeURIComponent(conv.id)}`);
      }, (m) => (groupError.textContent = m));
    },
  },
  h('label', { for: 'group-title' }, 'New group'), title,
  h('label', { for: 'group-invite' }, 'Invite (usernames)'), invite,
  h('small', { id: 'group-invite-hint' }, 'Separated by commas or spaces; they get an invitation.'),
  groupError, groupButton);

  return h('details.new', { id: 'new-conv' }, h('summary', {}, 'New conversation'), dm, group);
}
