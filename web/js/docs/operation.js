// One endpoint of the OpenAPI document as a card: method + path, whether a
// token is needed, parameters, request body, responses with their error
// codes, and (for the WebSocket) the frames and close codes.
import { h } from '../dom.js';
import { deref, inline, prose, schemaView } from './schema.js';

export const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

export const opId = (method, path) =>
  `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'root'}`;

/** The security requirements that apply (the operation's own, else the document's). */
export function authOf(spec, op) {
  const reqs = op.security ?? spec.security ?? [];
  const schemes = spec.components?.securitySchemes || {};
  const names = [...new Set(reqs.flatMap((r) => Object.keys(r)))];
  return names.map((n) => {
    const s = schemes[n] || {};
    if (s.type === 'http' && s.scheme === 'bearer') return `Bearer ${s.bearerFormat || 'token'}`;
    if (s.type === 'apiKey') return `${s.name} (${s.in})`;
    return n;
  });
}

/** Appends children, skipping null/false and flattening arrays. */
function add(parent, ...children) {
  parent.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return parent;
}

export function methodBadge(method) {
  return h('span.method', { dataset: { method }, text: method.toUpperCase() });
}

function authBadge(auth) {
  return auth.length
    ? h('span.auth', { dataset: { auth: 'token' }, text: `Needs ${auth.join(' or ')}` })
    : h('span.auth', { dataset: { auth: 'none' }, text: 'No token' });
}

function parametersTable(spec, params) {
  const rows = params.map((p) => deref(spec, p).node).map((p) => {
    const schema = p.schema || {};
    return h('tr', {},
      h('td', {}, h('code', { text: p.name })),
      h('td', { text: p.in }),
      h('td', {}, schemaView(spec, schema, { describe: false })),
      h('td', { text: p.required ? 'required' : 'optional' }),
      h('td', {}, inline(p.description || '')));
  });
  return h('table.params', {},
    h('thead', {}, h('tr', {}, ['Name', 'In', 'Type', 'Required', 'Description'].map((t) => h('th', { text: t })))),
    h('tbody', {}, rows));
}

function contentBlock(spec, content, errorBody) {
  return Object.entries(content || {}).map(([type, media]) => {
    const isError = errorBody(media.schema);
    return h('div.media', {},
      h('div.media-type', { text: type }),
      media.schema ? schemaView(spec, media.schema, { brief: isError }) : null);
  });
}

/** The error code a response documents, from its example body. */
function errorCodeOf(spec, media) {
  const ex = media?.example;
  if (ex && ex.error && typeof ex.error.code === 'string') return ex.error.code;
  return null;
}

function statusClass(status) {
  if (status === 'default') return 'other';
  return `s${String(status)[0]}xx`;
}

function statusOrder(a, b) {
  if (a === 'default') return 1;
  if (b === 'default') return -1;
  return String(a).localeCompare(String(b));
}

function responsesList(spec, responses) {
  const errorBody = (schema) => schema && deref(spec, schema).name === 'Error';
  const list = h('div.responses');
  for (const status of Object.keys(responses || {}).sort(statusOrder)) {
    const r = deref(spec, responses[status]).node;
    const json = r.content?.['application/json'];
    const code = errorCodeOf(spec, json);
    const isError = json && errorBody(json.schema);
    // "`not_found`: the id names nothing" → badge + "the id names nothing".
    let text = r.description || '';
    if (code && text.startsWith(`\`${code}\`:`)) text = text.slice(code.length + 3).trim();
    const headers = Object.keys(r.headers || {});
    list.append(h('div.response', { dataset: { status } },
      h('div.response-head', {},
        h('span.status', { class: statusClass(status), text: status === 'default' ? 'other' : status }),
        code ? h('a.errcode', { href: '#errors', title: 'error body: see Errors', text: code }) : null,
        isError && !code ? h('a.errcode', { href: '#errors', text: 'Error' }) : null,
        h('span.desc', {}, inline(text))),
      headers.length
        ? h('div.headers.muted', {}, 'Headers: ', headers.flatMap((n, i) => [i ? ', ' : '', h('code', { text: n })]))
        : null,
      isError ? null : contentBlock(spec, r.content, errorBody)));
  }
  return list;
}

function websocketBlock(spec, ws) {
  const frames = (title, list, extra) => h('div.frames', {},
    h('h4', { text: title }),
    h('ul.frame-list', {}, list.map((f) => h('li', {},
      h('div.frame-head', {}, h('code.frame', { text: f.type }), h('span.muted', {}, extra(f))),
      schemaView(spec, f.schema)))));
  return h('div.websocket', {},
    h('h4', { text: 'WebSocket frames' }),
    prose(ws.description),
    ws.maxFrameBytes ? h('p.muted', { text: `Largest frame: ${ws.maxFrameBytes} bytes.` }) : null,
    frames('Client → server', ws.clientFrames || [], (f) => `answer: ${f.answer}`),
    frames('Server → client', ws.serverFrames || [], (f) => f.when),
    ws.closeCodes?.length
      ? h('div.frames', {}, h('h4', { text: 'Close codes' }),
        h('table.params', {}, h('tbody', {}, ws.closeCodes.map((c) =>
          h('tr', {}, h('td', {}, h('code', { text: String(c.code) })), h('td', {}, inline(c.meaning)))))))
      : null);
}

/** The card of one operation; `data-search` feeds the filter. */
export function operationCard(spec, method, path, op) {
  const auth = authOf(spec, op);
  const card = h('section.op', {
    id: opId(method, path),
    dataset: { search: `${method} ${path} ${op.summary || ''} ${(op.tags || []).join(' ')}`.toLowerCase() },
  });
  add(card,
    h('h3.op-head', {}, methodBadge(method), ' ', h('code.path', { text: path }), ' ', authBadge(auth)),
    op.summary ? h('p.summary', { text: op.summary }) : null,
    prose(op.description));
  const params = [...(spec.paths[path].parameters || []), ...(op.parameters || [])];
  if (params.length) add(card, h('h4', { text: 'Parameters' }), parametersTable(spec, params));
  if (op.requestBody) {
    const body = deref(spec, op.requestBody).node;
    add(card,
      h('h4', {}, 'Request body', body.required ? h('span.req', { text: 'required' }) : null),
      prose(body.description),
      contentBlock(spec, body.content, () => false));
  }
  add(card, h('h4', { text: 'Responses' }), responsesList(spec, op.responses));
  if (op['x-websocket']) add(card, websocketBlock(spec, op['x-websocket']));
  return card;
}
