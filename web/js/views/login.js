// Log in or create an account (one form, two modes).
import { login, register } from '../api.js';
import { h } from '../dom.js';

export function mountLogin(root, notice) {
  let mode = 'login';
  const error = h('p.error', { id: 'login-error', role: 'alert' });
  const user = h('input', {
    id: 'login-username', name: 'username', autocomplete: 'username', required: true,
    minlength: 3, maxlength: 32, pattern: '[a-z0-9_.\\-]+', autocapitalize: 'none', spellcheck: 'false',
    'aria-describedby': 'username-hint',
  });
  const pass = h('input', {
    id: 'login-password', name: 'password', type: 'password', required: true, minlength: 8,
    autocomplete: 'current-password',
  });
  const display = h('input', { id: 'login-display', name: 'display_name', maxlength: 64, autocomplete: 'name' });
  const displayRow = h('div.field', { hidden: true },
    h('label', { for: 'login-display' }, 'Display name (optional)'), display);
  const submit = h('button.primary', { type: 'submit', id: 'login-submit' }, 'Log in');
  const tabs = ['login', 'register'].map((m) =>
    h('button.tab', { type: 'button', id: `mode-${m}`, onclick: () => setMode(m) },
      m === 'login' ? 'Log in' : 'Create account'));

  function setMode(m) {
    mode = m;
    tabs.forEach((t) => t.setAttribute('aria-pressed', String(t.id === `mode-${m}`)));
    displayRow.hidden = m !== 'register';
    pass.autocomplete = m === 'register' ? 'new-password' : 'current-password';
    submit.textContent = m === 'register' ? 'Create account' : 'Log in';
    error.textContent = '';
  }

  const form = h('form.card.login', {
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      submit.disabled = true;
      try {
        const name = user.value.trim();
        if (mode === 'register') await register(name, pass.value, display.value.trim());
        else await login(name, pass.value);
      } catch (err) {
        error.textContent = err.userMessage || String(err);
        submit.disabled = false;
      }
    },
  },
  h('h2', { text: 'Welcome' }),
  notice ? h('p.notice', { role: 'status' }, notice) : null,
  h('div.tabs', { role: 'group', 'aria-label': 'Choose' }, tabs),
  h('div.field', {}, h('label', { for: 'login-username' }, 'Username'), user,
    h('small', { id: 'username-hint' }, '3–32 characters: a–z, 0–9, _ . -')),
  h('div.field', {}, h('label', { for: 'login-password' }, 'Password'), pass),
  displayRow,
  error,
  submit);
  setMode('login');
  root.replaceChildren(form);
  user.focus();
}
