// The search panel of a conversation: this conversation's messages, or all
// of the user's conversations; newest first, "More" for the next page,
// `partial` shown as a hint, the server's error for a bad query. Clicking a
// result opens its conversation at the message. The query and results are
// kept here across conversations, so a result in another conversation can
// be opened without losing the list.
import { api } from '../api.js';
import { formatTime, h } from '../dom.js';
import { store } from '../store.js';

const state = { open: false, q: '', all: false, conv: null, results: [], next: null, partial: false, error: '', done: false };

export function mountSearch(conv, jump, go) {
  const input = h('input', { id: 'search-q', type: 'search', placeholder: 'words, pre*, from:name', autocapitalize: 'none', spellcheck: 'false' });
  const allBox = h('input', { id: 'search-all', type: 'checkbox' });
  const button = h('button', { type: 'submit', id: 'search-go' }, 'Search');
  const error = h('p.error', { role: 'alert', id: 'search-error' });
  const hint = h('p.muted.search-hint', { id: 'search-hint' });
  const list = h('ol.search-results', { id: 'search-results', 'aria-label': 'Search results' });
  const more = h('button.link', { type: 'button', id: 'search-more', hidden: true }, 'More results');
  const form = h('form', {
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      run(false);
    },
  },
  h('label', { for: 'search-q' }, 'Search messages'), h('div.row', {}, input, button),
  h('label.check', {}, allBox, ' All my conversations'));
  const panel = h('aside.search', { id: 'search', hidden: !state.open, 'aria-label': 'Search' }, form, error, hint, list, more);

  // Results of one conversation are not shown in another (the query stays).
  if (state.conv && state.conv !== conv.id) Object.assign(state, { results: [], next: null, partial: false, done: false, error: '' });
  input.value = state.q;
  allBox.checked = state.all;
  allBox.onchange = () => {
    if (input.value.trim()) run(false);
  };
  more.onclick = () => run(true);

  let seq = 0; // answers to an older query are ignored
  async function run(next) {
    const q = input.value.trim();
    error.textContent = '';
    if (!q) return;
    if (!next) Object.assign(state, { q, all: allBox.checked, conv: allBox.checked ? null : conv.id, results: [], next: null, partial: false, done: false });
    const mine = ++seq;
    button.disabled = more.disabled = true;
    try {
      const r = await api.search(state.conv, state.q, next ? state.next : null);
      if (mine !== seq) return;
      state.results.push(...r.messages);
      state.next = r.next;
      state.partial = r.partial;
      state.done = true;
      state.error = '';
    } catch (e) {
      if (mine !== seq) return;
      state.error = e.userMessage;
    } finally {
      if (mine === seq) button.disabled = more.disabled = false;
    }
    render();
  }

  function render() {
    error.textContent = state.error;
    hint.textContent = !state.done ? ''
      : !state.results.length ? (state.next !== null ? 'Nothing found yet: “More results” searches further.' : 'No messages found.')
      : state.partial ? 'Not every message could be searched at once: “More results” may find more.' : '';
    hint.hidden = !hint.textContent;
    more.hidden = state.next === null || state.next === undefined || !state.done;
    list.replaceChildren(...state.results.map((m) => {
      const c = store.convs.get(m.conv);
      const where = state.conv ? '' : `${c ? (c.kind === 'group' ? '# ' : '') + store.title(c) : 'a conversation'} · `;
      const item = h('button.result', { type: 'button', dataset: { conv: m.conv, seq: m.seq } },
        h('span.meta', {}, h('span.who', {}, m.from === store.me.id ? 'You' : store.name(m.from)),
          h('span', {}, where), h('time', { datetime: new Date(m.ts).toISOString() }, formatTime(m.ts))),
        h('span.text', {}, m.text || (m.attachments?.length ? m.attachments.map((a) => a.name).join(', ') : '')));
      item.onclick = () => {
        if (m.conv === conv.id) jump(m.seq);
        else {
          store.pendingJump = { conv: m.conv, seq: m.seq };
          go(`#/c/${encodeURIComponent(m.conv)}`);
        }
      };
      return h('li', {}, item);
    }));
  }
  render();

  return {
    panel,
    toggle() {
      state.open = panel.hidden;
      panel.hidden = !state.open;
      if (state.open) input.focus();
      return state.open;
    },
    isOpen: () => state.open,
    rerender: render,
  };
}
