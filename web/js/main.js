// Boot and navigation: login screen or the chat layout, chosen by the stored
// session; the hash picks the pane (#/c/<id>, #/sessions); the header shows
// the connection state.
import { forget, logout, onAuth, session } from './api.js';
import { $, h, toast } from './dom.js';
import { socket, store } from './store.js';
import { mountConversation } from './views/conversation.js';
import { mountSidebar } from './views/list.js';
import { mountLogin } from './views/login.js';
import { mountSessions } from './views/sessions.js';

const app = $('#app');
let unmountPane = null;
let unmountSidebar = null;
let layout = null;

function route() {
  const m = location.hash.match(/^#\/(c|sessions)(?:\/(.+))?$/);
  if (!m) return { view: 'home' };
  return m[1] === 'c' ? { view: 'conv', id: decodeURIComponent(m[2] || '') } : { view: 'sessions' };
}

export function go(hash) {
  if (location.hash !== hash) location.hash = hash;
  else showPane();
}

function showPane() {
  if (!layout) return;
  unmountPane?.();
  unmountPane = null;
  const pane = $('.pane', layout);
  const r = route();
  const conv = r.view === 'conv' ? store.convs.get(r.id) : null;
  store.active = conv ? conv.id : null;
  layout.dataset.view = r.view === 'home' || (r.view === 'conv' && !conv) ? 'list' : 'pane';
  pane.replaceChildren();
  if (conv) unmountPane = mountConversation(pane, conv, go);
  else if (r.view === 'sessions') unmountPane = mountSessions(pane, go);
  else
    pane.append(
      h('div.empty', {},
        h('p', { text: 'Pick a conversation, or start one by username.' }))
    );
  store.emit('convs'); // the list marks the open conversation
}

async function showChat() {
  $('#usernav').hidden = false;
  $('#me').textContent = session().user.display_name || session().user.username;
  layout = h('div.layout', {}, h('aside.sidebar', { 'aria-label': 'Conversations' }), h('section.pane', { 'aria-label': 'Conversation' }));
  app.replaceChildren(layout);
  unmountSidebar = mountSidebar($('.sidebar', layout), go);
  try {
    await store.start();
  } catch (e) {
    toast(e.userMessage || 'Could not load your conversations.', 'error');
  }
  showPane();
}

function showLogin(message) {
  unmountPane?.();
  unmountSidebar?.();
  unmountPane = unmountSidebar = null;
  layout = null;
  socket.stop();
  store.reset();
  $('#usernav').hidden = true;
  mountLogin(app, message);
}

// -- connection badge
const conn = $('#conn');
let tick = null;
function renderConnection() {
  clearInterval(tick);
  const s = socket.state;
  conn.dataset.state = s;
  conn.hidden = s === 'stopped';
  if (s === 'online') conn.replaceChildren('Connected');
  else if (s === 'connecting') conn.replaceChildren('Connecting…');
  else if (s === 'offline') {
    const text = document.createTextNode('');
    const update = () => {
      const secs = Math.max(0, Math.ceil((socket.retryAt - Date.now()) / 1000));
      text.textContent = `Offline, retrying in ${secs} s `;
    };
    update();
    tick = setInterval(update, 1000);
    conn.replaceChildren(text, h('button.link', { type: 'button', onclick: () => socket.retryNow() }, 'Retry now'));
  }
}
store.addEventListener('connection', renderConnection);
store.addEventListener('problem', (e) => toast(e.detail.userMessage, 'error'));
store.addEventListener('removed', (e) => {
  if (route().id === e.detail) {
    toast('You are no longer a member of that conversation.');
    go('#/');
  }
});
store.addEventListener('convs', () => {
  // A conversation that appeared after the page asked for it (e.g. reload).
  const r = route();
  if (layout && r.view === 'conv' && !unmountPane && store.convs.has(r.id)) showPane();
});
let endedNote = null;
socket.addEventListener('ended', () => {
  endedNote = 'This session has ended (logged out or ended from another device). Please log in again.';
  forget();
});

window.addEventListener('hashchange', showPane);
$('#logout').addEventListener('click', () => logout());
$('#nav-sessions').addEventListener('click', () => go('#/sessions'));

let current = session();
onAuth((a) => {
  const was = current;
  current = a;
  const changed = a?.sessionId !== was?.sessionId; // not on a mere refresh
  if (changed && was) showLogin(endedNote || 'You are logged out.');
  if (changed && a) showChat();
  endedNote = null;
});
if (current) showChat();
else showLogin();
renderConnection();
