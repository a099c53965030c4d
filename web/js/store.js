// The client's state and the actions that change it: conversations with their
// messages, pending sends, members, typing, read markers, presence, users and
// invitations. Views listen to its events: `convs` (the list), `conv`
// (detail: id), `invitations`, `users`, `connection`, `removed` (detail: conv).
import { api, ApiError, session } from './api.js';
import { Socket } from './socket.js';

const PAGE = 50;
const TYPING_SHOWN_MS = 6000;
const TYPING_SEND_EVERY = 3000;
const AUTO_RETRIES = 3; // resends of an `unavailable` send before it shows as not sent

export const socket = new Socket();

function newMsgId() {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return 'w' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

class Store extends EventTarget {
  constructor() {
    super();
    this.reset();
    socket.addEventListener('frame', (e) => this.onFrame(e.detail));
    socket.addEventListener('state', (e) => {
      if (e.detail.state !== 'online' && this.presence.size) {
        this.presence.clear(); // unknown while we cannot hear about changes
        this.emit('users');
      }
      this.emit('connection', e.detail);
    });
  }

  reset() {
    this.me = null;
    this.convs = new Map();
    this.users = new Map(); // id → user, or a promise while loading
    this.invitations = new Map();
    this.presence = new Map(); // user id → true/false (unknown when absent)
    this.blocked = null; // ids the user blocks, loaded with the first direct conversation shown
    this.active = null;
    this.listed = false;
    this.reads = {};
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // -- start and reload

  async start() {
    this.me = session().user;
    this.users.set(this.me.id, this.me);
    this.readsKey = `chat.read.${this.me.id}`;
    try {
      this.reads = JSON.parse(localStorage.getItem(this.readsKey)) || {};
    } catch {
      this.reads = {};
    }
    try {
      await Promise.all([this.loadConversations(), this.loadInvitations()]);
    } finally {
      socket.start(); // its hello retries what failed here
    }
  }

  async loadConversations() {
    const { conversations } = await api.conversations();
    const seen = new Set();
    for (const c of conversations) {
      this.upsert(c);
      seen.add(c.id);
    }
    for (const id of [...this.convs.keys()]) if (!seen.has(id)) this.drop(id);
    this.listed = true;
    this.emit('convs');
  }

  async loadInvitations() {
    const { invitations } = await api.invitations();
    this.invitations = new Map(invitations.map((i) => [i.id, i]));
    this.emit('invitations');
  }

  upsert(c) {
    let conv = this.convs.get(c.id);
    if (!conv) {
      conv = {
        id: c.id, msgs: [], pending: [], loaded: false, hasMore: false, members: null,
        peer: null, typing: new Map(), readers: new Map(), lastSeq: 0, unavailable: false,
        myRead: this.reads[c.id] || 0, lastTypingSent: 0,
      };
      this.convs.set(c.id, conv);
    }
    Object.assign(conv, { kind: c.kind, title: c.title, owner: c.owner, created_at: c.created_at });
    if (c.last_seq !== null && c.last_seq !== undefined) conv.lastSeq = Math.max(conv.lastSeq, c.last_seq);
    this.takeCounts(conv, c);
    if (c.members) this.setMembers(conv, c.members);
    else if (c.kind === 'direct' && !conv.peer) this.loadMembers(conv).catch(() => {});
    return conv;
  }

  drop(id) {
    if (!this.convs.delete(id)) return;
    this.emit('removed', id);
    this.emit('convs');
  }

  setMembers(conv, members) {
    conv.members = members;
    for (const m of members) this.user(m.user_id);
    if (conv.kind === 'direct') conv.peer = members.find((m) => m.user_id !== this.me.id)?.user_id || null;
  }

  loadMembers(conv) {
    conv.membersLoading ||= api
      .conversation(conv.id)
      .then((c) => {
        conv.owner = c.owner;
        this.setMembers(conv, c.members);
        this.emit('conv', conv.id);
        this.emit('convs');
      })
      .finally(() => (conv.membersLoading = null));
    return conv.membersLoading;
  }

  // -- users

  /** The cached user (or null), loading it in the background. */
  user(id) {
    const u = this.users.get(id);
    if (u && !(u instanceof Promise)) return u;
    if (!u) {
      const p = api.user(id).then(
        (user) => {
          this.users.set(id, user);
          this.emit('users');
        },
        (e) => {
          if (e.code === 'not_found') this.users.set(id, { id, username: 'unknown', display_name: 'Deleted user' });
          else this.users.delete(id); // asked again on the next render
        }
      );
      this.users.set(id, p);
    }
    return null;
  }

  name(id) {
    const u = this.user(id);
    return u ? u.display_name || u.username : '…';
  }

  title(conv) {
    if (conv.kind === 'group') return conv.title;
    return conv.peer ? this.name(conv.peer) : 'Direct conversation';
  }

  /** The server's unread and mention counts (list, hello) as of its last
   *  seq and the read marker it knew; live messages are counted on top. */
  takeCounts(conv, c) {
    if (typeof c.unread !== 'number' || c.last_seq === null || c.last_seq === undefined) return;
    conv.counts = { unread: c.unread, mentions: c.mentions || 0, asOf: c.last_seq, read: conv.myRead };
  }

  /** A live or synced message the server's counts did not include. */
  countNew(conv, m) {
    const k = conv.counts;
    if (!k || m.seq <= k.asOf) return;
    k.asOf = m.seq;
    if (!this.isMessage(m) || m.deleted || m.from === this.me.id) return;
    k.unread += 1;
    if ((m.mentions || []).includes(this.me.id)) k.mentions += 1;
  }

  /** Messages from others after the read marker, and those mentioning me:
   *  counted from loaded messages once the marker moved, else the server's. */
  counted(conv) {
    if (conv.myRead >= conv.lastSeq) return { unread: 0, mentions: 0 };
    const k = conv.counts;
    if (k && k.read === conv.myRead) return { unread: k.unread, mentions: k.mentions };
    if (!conv.loaded) return { unread: Math.max(0, conv.lastSeq - conv.myRead), mentions: 0 };
    let unread = 0;
    let mentions = 0;
    for (const m of conv.msgs) {
      if (m.seq <= conv.myRead || !this.isMessage(m) || m.deleted || m.from === this.me.id) continue;
      unread += 1;
      if ((m.mentions || []).includes(this.me.id)) mentions += 1;
    }
    return { unread, mentions };
  }

  unread(conv) {
    return this.counted(conv).unread;
  }

  mentions(conv) {
    return this.counted(conv).mentions;
  }

  async userByName(name) {
    name = name.trim().replace(/^@/, '');
    try {
      return await api.userByName(name);
    } catch (e) {
      if (e.code === 'not_found' || e.code === 'bad_request') e.userMessage = `There is no user named “${name}”.`;
      throw e;
    }
  }

  // -- frames

  onFrame(f) {
    const conv = f.conv ? this.convs.get(f.conv) : null;
    switch (f.type) {
      case 'hello':
        return this.onHello(f);
      case 'message':
        if (!conv) return this.loadConversations().catch(() => {});
        conv.typing.delete(f.from);
        this.addMessages(conv, [f]);
        return;
      case 'change':
        if (!conv) return;
        this.addMessages(conv, [f]);
        {
          // the changed message as it now is replaces what we hold of it
          const i = conv.msgs.findIndex((x) => x.seq === f.message.seq);
          if (i >= 0) conv.msgs[i] = { ...f.message, asOf: f.seq };
        }
        return this.emit('conv', conv.id);
      case 'typing':
        if (!conv || f.user === this.me.id) return;
        conv.typing.set(f.user, Date.now() + TYPING_SHOWN_MS);
        this.seenAlive(f.user);
        setTimeout(() => this.emit('conv', conv.id), TYPING_SHOWN_MS + 50);
        return this.emit('conv', conv.id);
      case 'read':
        if (!conv) return;
        if (f.user === this.me.id) this.setMyRead(conv, f.seq, false);
        else {
          conv.readers.set(f.user, Math.max(conv.readers.get(f.user) || 0, f.seq));
          this.seenAlive(f.user);
        }
        return this.emit('conv', conv.id);
      case 'presence':
        this.presence.set(f.user, !!f.online);
        return this.emit('users');
      case 'invitation':
        this.invitations.set(f.invitation.id, f.invitation);
        this.user(f.invitation.from);
        return this.emit('invitations', { fresh: f.invitation });
      case 'member_joined':
        if (f.user === this.me.id || !conv) return this.loadConversations().catch(() => {});
        if (conv.members && !conv.members.some((m) => m.user_id === f.user))
          conv.members.push({ user_id: f.user, role: 'member', joined_at: Date.now() });
        this.user(f.user);
        return this.emit('conv', conv.id);
      case 'member_role':
        if (!conv) return;
        if (conv.members) {
          const m = conv.members.find((x) => x.user_id === f.user);
          if (m) m.role = f.role;
        }
        if (f.role === 'owner') conv.owner = f.user;
        return this.emit('conv', conv.id);
      case 'member_left':
        if (!conv) return;
        if (f.user === this.me.id) return this.drop(conv.id);
        if (conv.members) conv.members = conv.members.filter((m) => m.user_id !== f.user);
        // The group passes to an admin or the oldest member: no frame says whom.
        if (f.user === conv.owner && conv.kind === 'group') this.loadMembers(conv).catch(() => {});
        conv.readers.delete(f.user);
        return this.emit('conv', conv.id);
      case 'error':
        return this.emit('problem', new ApiError(0, f.code, f.message));
    }
  }

  seenAlive(user) {
    if (!this.presence.has(user)) {
      this.presence.set(user, true);
      this.emit('users');
    }
  }

  /** After every (re)connect: update counts, then sync each loaded
   *  conversation from its last seq, then send what is queued. */
  async onHello(f) {
    this.me = f.user;
    this.users.set(f.user.id, f.user);
    let unknown = false;
    for (const { id, last_seq } of f.conversations) {
      const conv = this.convs.get(id);
      if (!conv) unknown = true;
      else if (last_seq === null) conv.unavailable = true;
      else {
        conv.unavailable = false;
        conv.lastSeq = Math.max(conv.lastSeq, last_seq);
      }
    }
    for (const c of f.conversations) {
      const conv = this.convs.get(c.id);
      if (conv) this.takeCounts(conv, c);
    }
    const live = new Set(f.conversations.map((c) => c.id));
    if (unknown || [...this.convs.keys()].some((id) => !live.has(id)))
      this.loadConversations().catch(() => {});
    this.loadInvitations().catch(() => {});
    this.emit('convs');
    for (const conv of this.convs.values()) {
      if (conv.loaded && !conv.unavailable) {
        try {
          await this.sync(conv, true);
        } catch {
          continue; // the next reconnect tries again
        }
      }
      if (conv.myRead && this.active === conv.id) socket.post({ type: 'read', conv: conv.id, seq: conv.myRead });
      for (const p of [...conv.pending]) if (p.state === 'queued') await this.flush(conv, p);
    }
  }

  // -- messages

  /** Highest seq up to which the loaded messages have no hole. */
  contiguousTop(conv) {
    const m = conv.msgs;
    if (!m.length) return 0;
    let i = 0;
    while (i + 1 < m.length && m[i + 1].seq === m[i].seq + 1) i++;
    return m[i].seq;
  }

  /** An ordinary message (not a change event: edit, delete, react, …). */
  isMessage(m) {
    return !m.kind || m.kind === 'message';
  }

  /** A change event (from sync, history or a `change` frame) applied to the
   *  loaded message it names. A message's `asOf` is the highest seq its state
   *  is known to include (the batch it came in): older events are in it. */
  applyEvent(conv, e) {
    const target = conv.msgs.find((x) => x.seq === e.target);
    if (!target || !this.isMessage(target) || e.seq <= (target.asOf || 0)) return;
    target.asOf = e.seq;
    if (target.deleted) return;
    const reactions = (target.reactions || []).map((r) => ({ ...r, users: [...r.users] }));
    const r = reactions.find((x) => x.emoji === e.text);
    if (e.kind === 'edit') Object.assign(target, { text: e.text, edited_at: e.ts });
    else if (e.kind === 'delete') Object.assign(target, { text: '', deleted: true, reactions: [] });
    else if (e.kind === 'react') {
      if (r) {
        r.count += 1;
        if (r.users.length < 20) r.users.push(e.from);
      } else reactions.push({ emoji: e.text, count: 1, users: [e.from] });
      target.reactions = reactions;
    } else if (e.kind === 'unreact' && r) {
      r.count -= 1;
      r.users = r.users.filter((u) => u !== e.from);
      target.reactions = reactions.filter((x) => x.count > 0);
    }
  }

  addMessages(conv, list) {
    let added = false;
    const asOf = Math.max(0, ...list.map((m) => m.seq));
    for (const m of list) {
      this.countNew(conv, m);
      conv.lastSeq = Math.max(conv.lastSeq, m.seq);
      if (m.from === this.me.id && m.client_msg_id)
        conv.pending = conv.pending.filter((p) => p.cid !== m.client_msg_id);
      const msgs = conv.msgs;
      let i = msgs.length;
      while (i > 0 && msgs[i - 1].seq > m.seq) i--;
      if (i > 0 && msgs[i - 1].seq === m.seq) continue;
      if (!this.isMessage(m)) this.applyEvent(conv, m);
      else m.asOf = asOf;
      msgs.splice(i, 0, m);
      added = true;
      if (m.from === this.me.id && this.active === conv.id) this.setMyRead(conv, m.seq, false);
    }
    if (added && conv.loaded && this.contiguousTop(conv) < conv.lastSeq) this.syncSoon(conv);
    this.emit('conv', conv.id);
    this.emit('convs');
  }

  syncSoon(conv) {
    clearTimeout(conv.gapTimer);
    conv.gapTimer = setTimeout(() => this.sync(conv).catch(() => {}), 400);
  }

  /** Fetches every message after the last contiguous one (socket `sync`). */
  async sync(conv, always = false) {
    if (conv.syncing) return conv.syncing;
    conv.syncing = (async () => {
      for (;;) {
        const after = this.contiguousTop(conv);
        if (!always && after >= conv.lastSeq) return;
        always = false;
        const f = await socket.request({ type: 'sync', conv: conv.id, after, limit: 500 });
        this.addMessages(conv, f.messages);
        if (!f.has_more && this.contiguousTop(conv) >= conv.lastSeq) return;
        if (!f.messages.length) return;
      }
    })().finally(() => (conv.syncing = null));
    return conv.syncing;
  }

  /** The newest page (first opening). */
  async loadHistory(conv) {
    if (conv.loaded) return;
    if (!conv.loading) {
      conv.loading = api
        .messages(conv.id, { limit: PAGE })
        .then(({ messages, has_more }) => {
          conv.hasMore = has_more;
          conv.loaded = true;
          conv.unavailable = false;
          this.addMessages(conv, messages);
          if (this.contiguousTop(conv) < conv.lastSeq) this.syncSoon(conv);
        })
        .finally(() => (conv.loading = null));
    }
    return conv.loading;
  }

  /** One page older than the oldest loaded message (scrolling up). */
  async loadOlder(conv) {
    if (!conv.loaded || !conv.hasMore || conv.loadingOlder || !conv.msgs.length) return false;
    conv.loadingOlder = true;
    try {
      const { messages, has_more } = await api.messages(conv.id, { before: conv.msgs[0].seq, limit: PAGE });
      conv.hasMore = has_more;
      conv.prepended = true;
      this.addMessages(conv, messages);
      return true;
    } finally {
      conv.loadingOlder = false;
    }
  }

  /** The messages around `seq` (a search result, a quoted message not
   *  loaded yet); the gap to the newer ones is filled by `sync`. */
  async loadAround(conv, seq) {
    if (conv.msgs.some((m) => m.seq === seq)) return;
    const { messages, expired_before } = await api.messages(conv.id, { after: Math.max(0, seq - 26), limit: PAGE });
    conv.prepended = true;
    this.addMessages(conv, messages);
    if (conv.msgs.length) conv.hasMore = conv.msgs[0].seq > Math.max(1, expired_before || 0);
    this.emit('conv', conv.id);
  }

  /** The user's role in `conv` ('owner' | 'admin' | 'member'), from the members. */
  role(conv, userId = this.me.id) {
    if (conv.kind === 'group' && conv.owner === userId) return 'owner';
    return conv.members?.find((m) => m.user_id === userId)?.role || 'member';
  }

  async setAdmin(conv, userId, on) {
    await api.makeAdmin(conv.id, userId, on);
    const m = conv.members?.find((x) => x.user_id === userId);
    if (m) m.role = on ? 'admin' : 'member'; // the member_role frame says the same
    this.emit('conv', conv.id);
  }

  send(conv, text, replyTo = 0, attachments = []) {
    const p = { cid: newMsgId(), text, replyTo, attachments, state: 'queued', error: null, ts: Date.now() };
    conv.pending.push(p);
    const earlierQueued = conv.pending.some((q) => q !== p && q.state === 'queued');
    if (earlierQueued || socket.state !== 'online') return this.emit('conv', conv.id);
    return this.flush(conv, p);
  }

  /** Edits, deletes or reacts to message `seq` (`frame`: {type, seq, text?,
   *  emoji?}); the `change` frame that follows updates the view. */
  change(conv, frame) {
    return socket.request({ ...frame, conv: conv.id });
  }

  /** Adds the user's `emoji` to the message, or removes it when present. */
  toggleReaction(conv, m, emoji) {
    const mine = (m.reactions || []).some((r) => r.emoji === emoji && r.users.includes(this.me.id));
    return this.change(conv, { type: mine ? 'unreact' : 'react', seq: m.seq, emoji });
  }

  /** Sends (or resends, with the same client_msg_id) a pending message. */
  async flush(conv, p) {
    if (socket.state !== 'online') {
      p.state = 'queued';
      return this.emit('conv', conv.id);
    }
    p.state = 'sending';
    p.error = null;
    this.emit('conv', conv.id);
    try {
      const frame = { type: 'send', conv: conv.id, text: p.text, client_msg_id: p.cid };
      if (p.replyTo) frame.reply_to = p.replyTo;
      if (p.attachments?.length) frame.attachments = p.attachments.map((a) => a.id);
      const f = await socket.request(frame);
      this.addMessages(conv, [
        { conv: conv.id, seq: f.seq, msg_id: f.msg_id, from: this.me.id, text: p.text, ts: f.ts, client_msg_id: p.cid,
          reply_to: p.replyTo || null,
          attachments: (p.attachments || []).map(({ id, name, content_type, size }) => ({ id, name, content_type, size })) },
      ]);
    } catch (e) {
      if (!conv.pending.includes(p)) return;
      if (e.code === 'network') p.state = 'queued'; // resent after the reconnect
      else if (e.code === 'unavailable' && (p.autoRetries || 0) < AUTO_RETRIES) {
        // A failover (a few seconds) or a busy server: resend by itself with
        // the same client_msg_id (stored once whatever happened to the first).
        p.autoRetries = (p.autoRetries || 0) + 1;
        p.state = 'sending';
        setTimeout(() => {
          if (conv.pending.includes(p) && p.state === 'sending') this.flush(conv, p);
        }, 1000 * p.autoRetries);
        return;
      } else {
        p.state = 'failed';
        p.error = e.code === 'timeout' ? 'No answer from the server.' : e.userMessage;
      }
      this.emit('conv', conv.id);
    }
  }

  discard(conv, p) {
    conv.pending = conv.pending.filter((q) => q !== p);
    this.emit('conv', conv.id);
  }

  typing(conv) {
    const now = Date.now();
    if (now - conv.lastTypingSent < TYPING_SEND_EVERY) return;
    if (socket.post({ type: 'typing', conv: conv.id })) conv.lastTypingSent = now;
  }

  typers(conv) {
    const now = Date.now();
    return [...conv.typing].filter(([, until]) => until > now).map(([id]) => id);
  }

  /** Marks everything loaded in the open conversation as read. */
  markRead(conv) {
    const top = conv.msgs.length ? conv.msgs[conv.msgs.length - 1].seq : 0;
    if (top > conv.myRead) this.setMyRead(conv, top, true);
  }

  setMyRead(conv, seq, tell) {
    if (seq <= conv.myRead) return;
    conv.myRead = seq;
    this.reads[conv.id] = seq;
    localStorage.setItem(this.readsKey, JSON.stringify(this.reads));
    if (tell) socket.post({ type: 'read', conv: conv.id, seq });
    this.emit('convs');
  }

  // -- conversations, members, invitations

  async openDirect(username) {
    const u = await this.userByName(username);
    if (u.id === this.me.id) throw Object.assign(new Error('self'), { userMessage: 'That is you: pick someone else.' });
    const conv = this.upsert(await api.direct(u.id));
    this.users.set(u.id, u);
    this.emit('convs');
    return conv;
  }

  async createGroup(title, usernames) {
    const users = await Promise.all(usernames.map((n) => this.userByName(n)));
    const conv = this.upsert(await api.createGroup(title, users.map((u) => u.id)));
    this.emit('convs');
    return conv;
  }

  async invite(conv, username) {
    const u = await this.userByName(username);
    await api.invite(conv.id, u.id);
    return u;
  }

  loadBlocks() {
    this.blocksLoading ||= api
      .blocks()
      .then((r) => {
        this.blocked = new Set(r.blocks.map((b) => b.user_id));
        this.emit('blocks');
      })
      .finally(() => (this.blocksLoading = null));
    return this.blocksLoading;
  }

  // While blocked, the server refuses reopening the direct conversation and
  // invitations, and hides typing and presence both ways.
  async setBlocked(userId, on) {
    await (on ? api.block(userId) : api.unblock(userId));
    if (!this.blocked) this.blocked = new Set();
    if (on) {
      this.blocked.add(userId);
      this.presence.delete(userId);
    } else this.blocked.delete(userId);
    this.emit('blocks');
  }

  async removeMember(conv, userId) {
    await api.removeMember(conv.id, userId);
    if (userId === this.me.id) this.drop(conv.id);
    else if (conv.members) {
      conv.members = conv.members.filter((m) => m.user_id !== userId);
      this.emit('conv', conv.id);
    }
  }

  async answer(inv, accept) {
    let conv = null;
    try {
      if (accept) conv = this.upsert(await api.accept(inv.id));
      else await api.decline(inv.id);
    } catch (e) {
      if (e.code !== 'not_found') throw e; // kept: the user may try again
      e.userMessage = 'That invitation was already answered or withdrawn.';
      this.invitations.delete(inv.id);
      this.emit('invitations');
      throw e;
    }
    this.invitations.delete(inv.id);
    this.emit('invitations');
    this.emit('convs');
    return conv;
  }
}

export const store = new Store();
