// Pending invitations, arriving live; accept opens the conversation.
import { busy, h, perFrame, syncList, toast } from '../dom.js';
import { store } from '../store.js';

export function mountInvitations(root, go) {
  const heading = h('h2.section', { id: 'inv-title' });
  const list = h('ul.invites', { id: 'invitations' });
  root.replaceChildren(heading, list);

  function render() {
    const invs = [...store.invitations.values()].sort((a, b) => a.created_at - b.created_at);
    root.hidden = !invs.length;
    heading.textContent = `Invitations (${invs.length})`;
    syncList(list, invs, (i) => i.id, (inv) => {
      const text = h('span.what');
      const accept = h('button.primary', { type: 'button', class: 'accept' }, 'Accept');
      const decline = h('button', { type: 'button', class: 'decline' }, 'Decline');
      accept.onclick = () =>
        busy(accept, async () => {
          const conv = await store.answer(inv, true);
          toast(`You joined ${conv.title || 'the conversation'}.`);
          go(`#/c/${encodeURIComponent(conv.id)}`);
        });
      decline.onclick = () => busy(decline, () => store.answer(inv, false));
      return h('li.invite', {}, text, h('span.actions', {}, accept, decline));
    }, (li, inv) => {
      li.querySelector('.what').textContent = `${store.name(inv.from)} invites you to “${inv.conv_title || 'a group'}”`;
    });
  }
  const soon = perFrame(render);
  const onInvitations = (e) => {
    const fresh = e.detail?.fresh;
    if (fresh) toast(`${store.name(fresh.from)} invited you to “${fresh.conv_title || 'a group'}”.`);
    soon();
  };
  store.addEventListener('invitations', onInvitations);
  store.addEventListener('users', soon);
  render();
  return () => {
    store.removeEventListener('invitations', onInvitations);
    store.removeEventListener('users', soon);
  };
}
