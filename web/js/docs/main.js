// The API documentation page (/docs): fetches /openapi.json from this node
// and renders it: an overview, the endpoints grouped by tag (with a table of
// contents and a filter), the error codes and every schema. Nothing is
// loaded from any other host.
import { $, h } from '../dom.js';
import { METHODS, methodBadge, opId, operationCard } from './operation.js';
import { inline, prose, schemaId, schemaView } from './schema.js';

const doc = $('#doc');
const toc = $('#toc');

/** [{ tag, description, ops: [{ method, path, op }] }] in the document's tag order. */
function groupByTag(spec) {
  const groups = new Map();
  for (const t of spec.tags || []) groups.set(t.name, { tag: t.name, description: t.description, ops: [] });
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] || 'other';
      if (!groups.has(tag)) groups.set(tag, { tag, description: '', ops: [] });
      groups.get(tag).ops.push({ method, path, op });
    }
  }
  return [...groups.values()].filter((g) => g.ops.length);
}

function overview(spec) {
  const schemes = Object.entries(spec.components?.securitySchemes || {});
  return h('section.overview', { id: 'overview' },
    h('h2', { text: spec.info?.title || 'API' }),
    prose(spec.info?.description),
    schemes.length
      ? h('div.auth-schemes', {}, h('h3', { text: 'Authentication' }), schemes.map(([name, s]) =>
        h('p', {}, h('code', { text: name }), `: ${s.type}${s.scheme ? ` ${s.scheme}` : ''}`
          + `${s.bearerFormat ? ` (${s.bearerFormat})` : ''}. `, inline(s.description || ''))))
      : null);
}

/** The table of error codes, from the Error schema's `x-codes`. */
function errorsSection(spec) {
  const error = spec.components?.schemas?.Error;
  if (!error) return null;
  const codes = error['x-codes'] || [];
  return h('section.errors', { id: 'errors' },
    h('h2', { text: 'Errors' }),
    prose(error.description),
    schemaView(spec, { $ref: '#/components/schemas/Error' }, { describe: false }),
    codes.length
      ? h('table.params', {},
        h('thead', {}, h('tr', {}, ['Code', 'Status', 'Meaning'].map((t) => h('th', { text: t })))),
        h('tbody', {}, codes.map((c) => h('tr', {},
          h('td', {}, h('code.errcode', { text: c.code })),
          h('td', { text: String(c.status) }),
          h('td', {}, inline(c.meaning))))))
      : null);
}

function schemasSection(spec) {
  const schemas = Object.entries(spec.components?.schemas || {});
  return h('section.schemas', { id: 'schemas' },
    h('h2', { text: 'Schemas' }),
    schemas.map(([name]) => h('section.schema-def', { id: schemaId(name) },
      h('h3', {}, h('code', { text: name })),
      schemaView(spec, { $ref: `#/components/schemas/${name}` }))));
}

function tocView(groups) {
  return [
    h('a.toc-top', { href: '#overview', text: 'Overview' }),
    groups.map((g) => h('div.toc-group', { dataset: { tag: g.tag } },
      h('h2.section', {}, h('a', { href: `#tag-${g.tag}`, text: g.tag })),
      h('ul.toc-list', {}, g.ops.map(({ method, path, op }) => h('li', { dataset: { op: opId(method, path) } },
        h('a', { href: `#${opId(method, path)}`, title: op.summary || '' }, methodBadge(method), ' ', h('span.path', { text: path }))))))),
    h('h2.section', {}, h('a', { href: '#errors', text: 'errors' })),
    h('h2.section', {}, h('a', { href: '#schemas', text: 'schemas' })),
  ];
}

/** Hides the endpoints (and empty groups) that do not contain the filter text. */
function applyFilter(text) {
  const q = text.trim().toLowerCase();
  for (const card of doc.querySelectorAll('.op')) {
    const hide = q !== '' && !card.dataset.search.includes(q);
    card.hidden = hide;
    const entry = toc.querySelector(`li[data-op="${card.id}"]`);
    if (entry) entry.hidden = hide;
  }
  for (const group of doc.querySelectorAll('.tag-group')) {
    group.hidden = !group.querySelector('.op:not([hidden])');
  }
  for (const group of toc.querySelectorAll('.toc-group')) {
    group.hidden = !group.querySelector('li:not([hidden])');
  }
}

function render(spec) {
  const groups = groupByTag(spec);
  const version = $('#version');
  version.textContent = `OpenAPI ${spec.openapi} · v${spec.info?.version ?? '?'}`;
  version.hidden = false;
  doc.replaceChildren(
    overview(spec),
    ...groups.map((g) => h('section.tag-group', { id: `tag-${g.tag}` },
      h('h2', { text: g.tag }),
      g.description ? h('p.muted', {}, inline(g.description)) : null,
      g.ops.map(({ method, path, op }) => operationCard(spec, method, path, op)))),
    errorsSection(spec) || '',
    schemasSection(spec));
  toc.replaceChildren(...tocView(groups).flat());
  document.title = `${spec.info?.title || 'API'} · docs`;
  const filter = $('#filter');
  filter.addEventListener('input', () => applyFilter(filter.value));
  if (filter.value) applyFilter(filter.value);
  // The anchor in the address bar did not exist before rendering.
  if (location.hash.length > 1) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  document.body.dataset.ready = 'true';
  // Counted by tests and handy for people: how many endpoints are listed.
  doc.dataset.operations = String(groups.reduce((n, g) => n + g.ops.length, 0));
}

async function boot() {
  const status = $('#status');
  try {
    const res = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    render(await res.json());
  } catch (e) {
    status.textContent = `Could not load the API description: ${e.message || e}`;
    status.classList.add('error');
    document.body.dataset.ready = 'error';
  }
}

boot();
