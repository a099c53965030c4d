// Small DOM helpers: element creation, keyed list updates that keep focus,
// time formatting and the toast area. No framework.

/** h('button.primary', {onclick}, 'Send') → element. Attributes starting with
 *  "on" become listeners; `class`, `text`, `dataset` and boolean props work. */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** fn, run at most once per animation frame however often this is called
 *  (a burst of messages renders once). */
export function perFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

/** Makes `container`'s children match `items` in order, reusing the element of
 *  each key (so focus and scroll survive): create(item) makes one,
 *  update(el, item) refreshes it. */
export function syncList(container, items, key, create, update) {
  const old = new Map();
  for (const el of container.children) if (el.dataset.key) old.set(el.dataset.key, el);
  const wanted = items.map((item) => {
    const k = String(key(item));
    let el = old.get(k);
    if (!el) {
      el = create(item);
      el.dataset.key = k;
    }
    update?.(el, item);
    old.delete(k);
    return el;
  });
  for (const el of old.values()) el.remove();
  wanted.forEach((el, i) => {
    if (container.children[i] !== el) container.insertBefore(el, container.children[i] || null);
  });
}

export function formatTime(ms) {
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === today.toDateString()
    ? time
    : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

/** A short notice in the live region; errors stay longer. */
export function toast(text, kind = 'info') {
  const area = $('#toasts');
  if (!area) return;
  const el = h('div.toast', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  area.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** Runs `fn`, disabling `button` meanwhile; errors go to `show` (or a toast). */
export async function busy(button, fn, show = (m) => toast(m, 'error')) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    show(e.userMessage || String(e.message || e));
  } finally {
    if (button) button.disabled = false;
  }
}
