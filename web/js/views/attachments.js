// Attachments: the composer's tray (pick or drop files; each is uploaded at
// once with a progress bar, its id goes with the next message) and the
// files shown in messages (images inline, others as a download link).
//
// Downloads need the bearer token, which <img src> and plain links cannot
// send, so the bytes are fetched and shown from memory. Images become data:
// URLs because the page's Content-Security-Policy allows `img-src 'self'
// data:` but not blob:; other files are saved through a short-lived blob:
// URL (a download is a navigation, not an image load).
import { download, upload } from '../api.js';
import { h, toast } from '../dom.js';

const MAX_FILES = 10; // a message names at most 10 attachments
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The composer's attach button, hidden file input and tray of uploads.
 *  `showError(text)` reports a failed upload; `changed()` after every change. */
export function attachTray(conv, showError, changed) {
  const input = h('input', { type: 'file', id: 'attach-input', multiple: true, hidden: true });
  const button = h('button', { type: 'button', id: 'attach', 'aria-label': 'Attach files', title: 'Attach files' }, '📎');
  const tray = h('ul.attach-tray', { id: 'attach-tray', hidden: true, 'aria-label': 'Files to send' });
  let items = []; // {file, att, sent, failed, abort, el}

  button.onclick = () => input.click();
  input.onchange = () => {
    add([...input.files]);
    input.value = '';
  };

  function render() {
    tray.hidden = !items.length;
    changed?.();
  }

  function add(files) {
    for (const file of files) {
      if (items.length >= MAX_FILES) {
        showError(`A message holds at most ${MAX_FILES} files.`);
        break;
      }
      const item = { file, att: null, abort: new AbortController() };
      const bar = h('progress', { max: file.size || 1, value: 0, 'aria-label': `Uploading ${file.name}` });
      const remove = h('button.link', { type: 'button', class: 'remove', 'aria-label': `Remove ${file.name}` }, '✕');
      item.el = h('li.upload', { dataset: { state: 'uploading' } },
        h('span.name', {}, file.name), h('span.size.muted', {}, formatSize(file.size)), bar, remove);
      remove.onclick = () => drop(item);
      items.push(item);
      tray.append(item.el);
      upload(conv.id, file, (sent, total) => {
        bar.max = total || 1;
        bar.value = sent;
      }, item.abort.signal).then((att) => {
        item.att = att;
        bar.value = bar.max;
        item.el.dataset.state = 'done';
        bar.setAttribute('aria-label', `${file.name} uploaded`);
        render();
      }, (e) => {
        if (e.code === 'aborted') return;
        drop(item);
        showError(`Could not upload ${file.name}: ${e.userMessage}`);
      });
    }
    render();
  }

  function drop(item) {
    item.abort.abort();
    item.el.remove();
    items = items.filter((x) => x !== item);
    render();
  }

  return {
    button, input, tray, add,
    /** True while a file is still uploading. */
    uploading: () => items.some((x) => !x.att),
    /** The uploaded attachments, in order; empties the tray. */
    take() {
      const atts = items.map((x) => x.att);
      items = [];
      tray.replaceChildren();
      render();
      return atts;
    },
    count: () => items.length,
    /** Cancels the uploads still running (the conversation is closed). */
    close() {
      for (const x of items) if (!x.att) x.abort.abort();
    },
  };
}

/** Lets files be dropped anywhere on `target` into the tray; returns the
 *  function that stops it (the pane outlives the conversation shown in it). */
export function dropFiles(target, tray) {
  const over = (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    target.classList.add('dropping');
  };
  const leave = (e) => {
    if (e.target === target) target.classList.remove('dropping');
  };
  const drop = (e) => {
    target.classList.remove('dropping');
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    tray.add([...e.dataTransfer.files]);
  };
  target.addEventListener('dragover', over);
  target.addEventListener('dragleave', leave);
  target.addEventListener('drop', drop);
  return () => {
    target.removeEventListener('dragover', over);
    target.removeEventListener('dragleave', leave);
    target.removeEventListener('drop', drop);
    target.classList.remove('dropping');
  };
}

/** Shows the files of one conversation's messages; `cache` holds each
 *  image's data: URL (a promise) while the conversation is open. */
export function attachmentViews(convId) {
  const images = new Map();

  function image(att) {
    if (!images.has(att.id)) {
      images.set(att.id, download(convId, att.id).then((blob) => new Promise((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(r.result);
        r.onerror = () => reject(r.error);
        r.readAsDataURL(blob);
      })).catch((e) => {
        images.delete(att.id); // tried again at the next render
        throw e;
      }));
    }
    return images.get(att.id);
  }

  async function save(att, link) {
    link.setAttribute('aria-busy', 'true');
    try {
      const url = URL.createObjectURL(await download(convId, att.id));
      const a = h('a', { href: url, download: att.name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      toast(`Could not download ${att.name}: ${e.userMessage || e.message}`, 'error');
    } finally {
      link.removeAttribute('aria-busy');
    }
  }

  /** Fills `box` with the attachments `atts` (re-rendered only when they change). */
  function render(box, atts) {
    const sig = atts.map((a) => a.id).join(',');
    if (box.dataset.sig === sig) return;
    box.dataset.sig = sig;
    box.hidden = !atts.length;
    box.replaceChildren(...atts.map((att) => {
      if (INLINE.has(att.content_type)) {
        const img = h('img', { alt: att.name, title: `${att.name} (${formatSize(att.size)})`, dataset: { att: att.id } });
        const fig = h('figure.att-image', { dataset: { att: att.id } }, img);
        image(att).then((src) => {
          img.src = src;
          fig.dataset.loaded = 'true';
        }, (e) => {
          fig.replaceChildren(h('span.muted', {}, `${att.name}: ${e.userMessage || 'not available'}`));
        });
        return fig;
      }
      const link = h('a.att-file', { href: '#', dataset: { att: att.id } },
        h('span.name', {}, att.name), ' ', h('span.size.muted', {}, `(${formatSize(att.size)})`));
      link.onclick = (e) => {
        e.preventDefault();
        save(att, link);
      };
      return link;
    }));
  }

  return { render, clear: () => images.clear() };
}
