// One conversation: history (older pages on scroll-up), live messages, own
// messages pending until `sent` (retry keeps the client_msg_id), typing,
// read markers, members with presence, invite, leave and kick; edit, delete,
// reply to and react (👍) to messages, with edits, deletions, replies and
// reactions shown as they now are; block or unblock the other user of a
// direct conversation; files (upload with progress, images inline, others as
// links: attachments.js); search (search.js); admins named by the owner.
import { busy, formatTime, h, perFrame, syncList, toast } from '../dom.js';
import { socket, store } from '../store.js';
import { attachmentViews, attachTray, dropFiles } from './attachments.js';
import { mountSearch } from './search.js';

const MAX_BYTES = 4096;

export function mountConversation(pane, conv, go) {
  const title = h('h2', { id: 'pane-title', tabindex: '-1' });
  const sub = h('p.sub.muted', { id: 'conv-sub' });
  const membersButton = h('button', { type: 'button', id: 'members-toggle', 'aria-controls': 'members', 'aria-expanded': 'false' }, 'Members');
  const log = h('div.messages', { id: 'messages', role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite', tabindex: '0' });
  const older = h('button.link.older', { type: 'button', id: 'load-older' }, 'Load older messages');
  const notice = h('p.notice.muted');
  const list = h('ol.msgs');
  log.append(older, notice, list);
  const members = h('aside.members', { id: 'members', hidden: true, 'aria-label': 'Members' });
  const typing = h('p.typing', { id: 'typing', 'aria-live': 'polite' });
  const text = h('textarea', { id: 'composer-text', rows: 1, placeholder: 'Write a message…', 'aria-describedby': 'composer-hint' });
  const sendButton = h('button.primary', { type: 'submit', id: 'send' }, 'Send');
  const composerError = h('p.error', { role: 'alert', id: 'composer-error' });
  const tray = attachTray(conv, (m) => (composerError.textContent = m));
  const files = attachmentViews(conv.id);
  const search = mountSearch(conv, (seq) => jumpTo(seq), go);
  const searchButton = h('button', { type: 'button', id: 'search-toggle', 'aria-controls': 'search', 'aria-expanded': String(search.isOpen()) }, 'Search');
  searchButton.onclick = () => searchButton.setAttribute('aria-expanded', String(search.toggle()));
  const composer = h('form.composer', { id: 'composer' },
    tray.button, tray.input,
    h('label.sr-only', { for: 'composer-text' }, 'Message'), text, sendButton,
    h('small.sr-only', { id: 'composer-hint' }, 'Enter sends, Shift+Enter adds a line'));

  pane.replaceChildren(
    h('header.pane-head', {},
      h('button.back', { type: 'button', onclick: () => go('#/') }, '← Back'),
      h('div.titles', {}, title, sub), searchButton, membersButton),
    h('div.conv-body', {}, log, search.panel, members),
    typing, composerError, tray.tray, composer);
  const stopDrops = dropFiles(pane, tray);

  // -- messages
  let firstRender = true;
  function renderMessages() {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    const before = log.scrollHeight;
    const items = [];
    const seenAt = new Map(); // seq → readers whose marker is there
    for (const [user, seq] of conv.readers) {
      if (!seenAt.has(seq)) seenAt.set(seq, []);
      seenAt.get(seq).push(user);
    }
    let prev = null;
    for (const m of conv.msgs) {
      if (!store.isMessage(m)) continue; // a change event: already applied to its message
      const cont = prev && prev.from === m.from && m.ts - prev.ts < 5 * 60_000;
      items.push({ key: m.seq, kind: 'msg', m, cont });
      if (seenAt.has(m.seq)) items.push({ key: `seen-${m.seq}`, kind: 'seen', users: seenAt.get(m.seq) });
      prev = m;
    }
    for (const p of conv.pending) items.push({ key: p.cid, kind: 'pending', p });
    syncList(list, items, (i) => i.key, createItem, updateItem);

    older.hidden = !(conv.loaded && conv.hasMore);
    notice.textContent = !conv.loaded ? 'Loading…'
      : conv.unavailable ? 'This conversation is temporarily unavailable (its server is down).'
      : !conv.msgs.length && !conv.pending.length ? 'No messages yet. Say hello!' : '';
    notice.hidden = !notice.textContent;

    if (firstRender || atBottom) log.scrollTop = log.scrollHeight;
    else if (conv.prepended) log.scrollTop += log.scrollHeight - before;
    conv.prepended = false;
    if (conv.loaded && conv.msgs.length) firstRender = false;
    maybeRead();
  }

  function createItem(item) {
    if (item.kind === 'seen') return h('li.seen');
    const retry = h('button.link', { type: 'button', class: 'retry' }, 'Retry');
    const discard = h('button.link', { type: 'button', class: 'discard' }, 'Discard');
    return h('li.msg', {},
      h('div.meta', {}, h('span.who'), h('time')),
      h('div.quote'),
      h('div.text'),
      h('div.atts'),
      h('div.reacts'),
      h('div.actions', {},
        h('button.link', { type: 'button', class: 'act-reply' }, 'Reply'),
        h('button.link', { type: 'button', class: 'act-react', 'aria-label': 'React with a thumbs up' }, '👍'),
        h('button.link', { type: 'button', class: 'act-edit' }, 'Edit'),
        h('button.link', { type: 'button', class: 'act-delete' }, 'Delete')),
      h('div.state', {}, h('span.what'), retry, discard));
  }

  /** "👍 2  🎉 1", or "" when the message has no reactions. */
  function reactionsText(m) {
    return (m.reactions || []).map((r) => `${r.emoji} ${r.count}`).join('  ');
  }

  /** The message this one answers, shortened; "" when it answers none. */
  function quoteText(m) {
    if (!m.reply_to) return '';
    const to = conv.msgs.find((x) => x.seq === m.reply_to);
    if (!to) return `↩ message #${m.reply_to}`;
    const text = to.deleted ? 'Message deleted' : to.text.length > 80 ? `${to.text.slice(0, 80)}…` : to.text;
    return `↩ ${store.name(to.from)}: ${text}`;
  }

  function updateItem(el, item) {
    if (item.kind === 'seen') {
      el.textContent = conv.kind === 'direct' ? '✓ Seen' : `✓ Seen by ${item.users.map((u) => store.name(u)).join(', ')}`;
      return;
    }
    const m = item.kind === 'msg' ? item.m : { from: store.me.id, text: item.p.text, ts: item.p.ts, attachments: item.p.attachments };
    const mine = m.from === store.me.id;
    files.render(el.querySelector('.atts'), m.deleted ? [] : m.attachments || []);
    const sig = `${myRole()}|${!!item.cont}|${store.name(m.from)}|${item.p ? `${item.p.state}|${item.p.error}` : ''}|${m.text}|${m.edited_at || ''}|${!!m.deleted}|${JSON.stringify(m.reactions || [])}|${quoteText(m)}|${conv.owner}|${m.seq}|${(m.mentions || []).join(',')}`;
    if (el.sig === sig) return; // unchanged since the last render
    el.sig = sig;
    el.classList.toggle('mine', mine);
    el.classList.toggle('mentions-me', !mine && (m.mentions || []).includes(store.me.id));
    el.classList.toggle('cont', !!item.cont);
    el.classList.toggle('pending', item.kind === 'pending');
    el.dataset.seq = item.kind === 'msg' ? m.seq : '';
    el.querySelector('.who').textContent = mine ? 'You' : store.name(m.from);
    const time = el.querySelector('time');
    time.textContent = formatTime(m.ts);
    time.dateTime = new Date(m.ts).toISOString();
    const body = el.querySelector('.text');
    const shown = m.deleted ? 'Message deleted' : m.text;
    if (body.textContent !== shown) body.textContent = shown;
    body.hidden = !shown;
    el.classList.toggle('deleted', !!m.deleted);
    el.classList.toggle('edited', !!m.edited_at && !m.deleted);
    const reacts = el.querySelector('.reacts');
    reacts.textContent = reactionsText(m);
    reacts.hidden = !reacts.textContent;
    const quote = el.querySelector('.quote');
    quote.textContent = quoteText(m);
    quote.hidden = !quote.textContent;
    quote.onclick = m.reply_to ? () => jumpTo(m.reply_to) : null;
    quote.classList.toggle('jumps', !!m.reply_to);
    const actions = el.querySelector('.actions');
    actions.hidden = item.kind !== 'msg' || !!m.deleted;
    el.querySelector('.act-edit').hidden = !mine;
    el.querySelector('.act-delete').hidden = !(mine || (conv.kind === 'group' && myRole() !== 'member'));
    el.querySelector('.act-reply').onclick = () => startReply(m);
    el.querySelector('.act-edit').onclick = () => startEdit(m);
    el.querySelector('.act-react').onclick = () => act(store.toggleReaction(conv, m, '👍'));
    el.querySelector('.act-delete').onclick = () => {
      if (confirm('Delete this message for everyone?')) act(store.change(conv, { type: 'delete', seq: m.seq }));
    };
    const state = el.querySelector('.state');
    if (item.kind !== 'pending') {
      state.hidden = true;
      return;
    }
    const p = item.p;
    state.hidden = false;
    el.dataset.state = p.state;
    state.querySelector('.what').textContent =
      p.state === 'sending' ? 'Sending…' : p.state === 'queued' ? 'Waiting for the connection…' : `Not sent: ${p.error}`;
    const retry = state.querySelector('.retry');
    const discard = state.querySelector('.discard');
    retry.hidden = discard.hidden = p.state !== 'failed';
    retry.onclick = () => store.flush(conv, p);
    discard.onclick = () => store.discard(conv, p);
  }

  function myRole() {
    return store.role(conv);
  }

  /** Scrolls to message `seq` (loading the history around it first when it
   *  is not loaded) and highlights it briefly. */
  async function jumpTo(seq) {
    try {
      await store.loadHistory(conv);
      await store.loadAround(conv, seq);
    } catch (e) {
      if (alive) toast(e.userMessage, 'error');
      return;
    }
    if (!alive) return; // the view closed meanwhile
    renderMessages(); // at once: the element must exist to scroll to it
    const el = list.querySelector(`li.msg[data-seq="${seq}"]`);
    if (!el) {
      toast('That message is no longer there.', 'error');
      return;
    }
    firstRender = false;
    el.scrollIntoView({ block: 'center' });
    el.classList.remove('flash');
    void el.offsetWidth; // restart the highlight
    el.classList.add('flash');
    el.tabIndex = -1;
    el.focus({ preventScroll: true });
  }

  function maybeRead() {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    if (atBottom && document.visibilityState === 'visible' && conv.loaded) store.markRead(conv);
  }

  async function loadOlder() {
    try {
      await store.loadOlder(conv);
    } catch (e) {
      toast(e.userMessage, 'error');
    }
  }
  older.onclick = loadOlder;
  log.addEventListener('scroll', () => {
    if (log.scrollTop < 80) loadOlder();
    maybeRead();
  });

  // -- header, typing, members
  function renderHead() {
    title.textContent = (conv.kind === 'group' ? '# ' : '') + store.title(conv);
    const n = conv.members ? conv.members.length : null;
    if (conv.kind === 'direct') {
      const on = conv.peer ? store.presence.get(conv.peer) : undefined;
      sub.textContent = on === undefined ? 'Direct conversation' : on ? 'Online' : 'Offline';
    } else sub.textContent = n === null ? 'Group' : `Group · ${n} member${n === 1 ? '' : 's'}`;
    const who = store.typers(conv).map((u) => store.name(u));
    typing.textContent = !who.length ? '' : who.length === 1 ? `${who[0]} is typing…` : `${who.join(', ')} are typing…`;
    renderMembers();
  }

  const memberList = h('ul.member-list', { id: 'member-list' });
  const inviteInput = h('input', { id: 'invite-username', autocapitalize: 'none', spellcheck: 'false', placeholder: 'username', required: true });
  const inviteError = h('p.error', { role: 'alert' });
  const inviteButton = h('button', { type: 'submit' }, 'Invite');
  const inviteForm = h('form.inline', {
    onsubmit: (e) => {
      e.preventDefault();
      inviteError.textContent = '';
      busy(inviteButton, async () => {
        const u = await store.invite(conv, inviteInput.value);
        inviteInput.value = '';
        toast(`Invitation sent to ${u.display_name || u.username}.`);
      }, (m) => (inviteError.textContent = m));
    },
  }, h('label', { for: 'invite-username' }, 'Invite someone'), h('div.row', {}, inviteInput, inviteButton), inviteError);
  const leaveButton = h('button.danger', { type: 'button', id: 'leave' }, 'Leave conversation');
  leaveButton.onclick = () => {
    if (!confirm(`Leave ${store.title(conv)}?`)) return;
    busy(leaveButton, () => store.removeMember(conv, store.me.id));
  };
  const blockButton = h('button.danger', { type: 'button', id: 'block' }, 'Block');
  blockButton.onclick = () => {
    const on = !store.blocked?.has(conv.peer);
    if (on && !confirm(`Block ${store.name(conv.peer)}? Neither of you will see the other's typing or presence, and no new conversation or invitation is possible between you.`)) return;
    busy(blockButton, async () => {
      await store.setBlocked(conv.peer, on);
      toast(on ? `${store.name(conv.peer)} is blocked.` : `${store.name(conv.peer)} is unblocked.`);
    });
  };
  const membersTitle = h('h3', { tabindex: '-1' }, 'Members');
  members.append(membersTitle, memberList, inviteForm, leaveButton, blockButton);

  function renderMembers() {
    const ms = conv.members || [];
    const iOwn = conv.owner === store.me.id;
    const mine = myRole();
    syncList(memberList, ms, (m) => m.user_id, () => {
      const kick = h('button.link', { type: 'button', class: 'kick' }, 'Remove');
      const admin = h('button.link', { type: 'button', class: 'admin' });
      return h('li', {}, h('span.dot', { 'aria-hidden': 'true' }), h('span.name'), h('span.role.muted'), admin, kick);
    }, (li, m) => {
      const role = m.user_id === conv.owner && conv.kind === 'group' ? 'owner' : m.role;
      li.dataset.role = role;
      const on = m.user_id === store.me.id ? socket.state === 'online' : store.presence.get(m.user_id);
      li.querySelector('.dot').dataset.online = on === undefined ? 'unknown' : String(on);
      li.querySelector('.name').textContent = m.user_id === store.me.id ? `${store.name(m.user_id)} (you)` : store.name(m.user_id);
      li.querySelector('.role').textContent =
        [role === 'member' ? '' : role, on === undefined ? '' : on ? 'online' : 'offline'].filter(Boolean).join(' · ');
      // The owner names and removes admins; an admin removes plain members.
      const admin = li.querySelector('.admin');
      admin.hidden = !(iOwn && conv.kind === 'group' && role !== 'owner');
      admin.textContent = role === 'admin' ? 'Remove admin' : 'Make admin';
      admin.setAttribute('aria-label', `${admin.textContent}: ${store.name(m.user_id)}`);
      admin.onclick = () => busy(admin, () => store.setAdmin(conv, m.user_id, role !== 'admin'));
      const kick = li.querySelector('.kick');
      kick.hidden = !(conv.kind === 'group' && m.user_id !== store.me.id
        && (iOwn || (mine === 'admin' && role === 'member')));
      kick.setAttribute('aria-label', `Remove ${store.name(m.user_id)}`);
      kick.onclick = () => {
        if (confirm(`Remove ${store.name(m.user_id)} from this conversation?`))
          busy(kick, () => store.removeMember(conv, m.user_id));
      };
    });
    inviteForm.hidden = conv.kind !== 'group';
    leaveButton.hidden = conv.kind !== 'group';
    blockButton.hidden = conv.kind !== 'direct' || !conv.peer || !store.blocked;
    if (!blockButton.hidden) blockButton.textContent = store.blocked.has(conv.peer) ? 'Unblock' : 'Block';
  }

  membersButton.onclick = () => {
    members.hidden = !members.hidden;
    membersButton.setAttribute('aria-expanded', String(!members.hidden));
    if (!members.hidden) {
      store.loadMembers(conv).catch(() => {});
      if (conv.kind === 'direct') store.loadBlocks().catch(() => {});
      membersTitle.focus();
    }
  };

  // -- changing messages: the composer edits or replies to one at a time
  let mode = null; // null | { kind: 'edit' | 'reply', m }
  function setMode(next) {
    mode = next;
    composer.dataset.mode = mode ? mode.kind : '';
    modeNote.hidden = !mode;
    modeNote.querySelector('.what').textContent = !mode ? ''
      : mode.kind === 'edit' ? 'Editing your message' : `Replying to ${store.name(mode.m.from)}`;
    sendButton.textContent = mode && mode.kind === 'edit' ? 'Save' : 'Send';
  }
  function startEdit(m) {
    setMode({ kind: 'edit', m });
    text.value = m.text;
    autosize();
    text.focus();
  }
  function startReply(m) {
    setMode({ kind: 'reply', m });
    text.focus();
  }
  function act(request) {
    request.catch((e) => toast(e.message || 'That did not work', 'error'));
  }
  const modeNote = h('p.mode', { id: 'composer-mode', hidden: true }, h('span.what'), ' ',
    h('button.link', { type: 'button', onclick: () => { setMode(null); text.value = ''; autosize(); } }, 'Cancel'));
  composer.before(modeNote);

  // -- composer
  function submit() {
    const value = text.value.trim();
    composerError.textContent = '';
    const withFiles = !(mode && mode.kind === 'edit') && tray.count() > 0;
    if (withFiles && tray.uploading()) {
      composerError.textContent = 'Wait until the files are uploaded.';
      return;
    }
    if (!value && !withFiles) return;
    if (new TextEncoder().encode(value).length > MAX_BYTES) {
      composerError.textContent = `Too long: a message holds at most ${MAX_BYTES} bytes.`;
      return;
    }
    if (mode && mode.kind === 'edit') {
      const m = mode.m;
      setMode(null);
      text.value = '';
      autosize();
      if (value !== m.text) act(store.change(conv, { type: 'edit', seq: m.seq, text: value }));
      return;
    }
    store.send(conv, value, mode ? mode.m.seq : 0, withFiles ? tray.take() : []);
    setMode(null);
    text.value = '';
    autosize();
    log.scrollTop = log.scrollHeight;
  }
  function autosize() {
    text.style.height = 'auto';
    text.style.height = `${Math.min(text.scrollHeight + 2, 160)}px`;
    text.style.overflowY = text.scrollHeight + 2 > 160 ? 'auto' : 'hidden';
  }
  composer.onsubmit = (e) => {
    e.preventDefault();
    submit();
  };
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      if (mode) {
        setMode(null);
        text.value = '';
        autosize();
      } else go('#/');
    }
  });
  text.addEventListener('input', () => {
    autosize();
    if (text.value) store.typing(conv);
  });

  // -- wiring
  let alive = true;
  const render = perFrame(() => {
    if (!alive) return; // a frame queued before the view closed
    renderMessages();
    renderHead();
  });
  const onConv = (e) => {
    if (e.detail === conv.id) render();
  };
  const onUsers = render;
  const onVisible = () => maybeRead();
  store.addEventListener('conv', onConv);
  store.addEventListener('users', onUsers);
  store.addEventListener('connection', onUsers);
  store.addEventListener('blocks', onUsers);
  document.addEventListener('visibilitychange', onVisible);

  renderHead();
  renderMessages();
  requestAnimationFrame(autosize);
  store.loadHistory(conv).then(() => {
    // A search result in this conversation was picked in another one.
    const j = store.pendingJump;
    if (j && j.conv === conv.id) {
      store.pendingJump = null;
      jumpTo(j.seq);
    }
  }, (e) => {
    notice.hidden = false;
    notice.textContent = e.userMessage;
  });
  store.loadMembers(conv).catch(() => {});
  // On a phone the on-screen keyboard would hide the history: focus the title there.
  (matchMedia('(max-width: 720px)').matches ? title : text).focus();

  return () => {
    alive = false;
    files.clear();
    tray.close();
    stopDrops();
    store.removeEventListener('conv', onConv);
    store.removeEventListener('users', onUsers);
    store.removeEventListener('connection', onUsers);
    store.removeEventListener('blocks', onUsers);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
