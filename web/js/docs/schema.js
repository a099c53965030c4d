// Rendering pieces of an OpenAPI 3.0 document for people: `$ref` lookup,
// prose with `code` spans, and JSON schemas as nested property lists.
import { h } from '../dom.js';

/** The object a local `$ref` ("#/components/schemas/User") points at. */
export function lookup(spec, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
  let node = spec;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node?.[part];
  }
  return node;
}

/** Follows `$ref`s: { node, name } where name is the last component name seen. */
export function deref(spec, node) {
  let name = null;
  for (let hops = 0; node && node.$ref && hops < 20; hops++) {
    name = node.$ref.split('/').pop();
    node = lookup(spec, node.$ref);
  }
  return { node: node || {}, name };
}

/** Inline text: `code` spans become <code>. */
export function inline(text) {
  return String(text ?? '')
    .split(/(`[^`]+`)/)
    .filter(Boolean)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 2
      ? h('code', { text: part.slice(1, -1) })
      : document.createTextNode(part)));
}

/** Paragraphs separated by blank lines. */
export function prose(text, cls = 'prose') {
  if (!text) return null;
  return h(`div.${cls}`, {}, String(text).split(/\n\s*\n/).map((p) => h('p', {}, inline(p))));
}

export const schemaId = (name) => `schema-${name}`;

function refLink(name) {
  return h('a.ref', { href: `#${schemaId(name)}`, title: `schema ${name}` }, name);
}

/** A schema seen through `$ref` and single-member `allOf` wrappers, with the
 *  wrapper's own description/nullable/default taking precedence. */
function unwrap(spec, schema) {
  let { node, name } = deref(spec, schema);
  const extra = {};
  for (const k of ['description', 'nullable', 'default', 'example']) {
    if (schema && schema[k] !== undefined) extra[k] = schema[k];
  }
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && !node.properties && !node.type) {
    for (const k of ['description', 'nullable', 'default', 'example']) {
      if (node[k] !== undefined && extra[k] === undefined) extra[k] = node[k];
    }
    const inner = deref(spec, node.allOf[0]);
    node = inner.node;
    name = inner.name || name;
  }
  return { node: { ...node, ...extra }, name };
}

const isObject = (s) => s.type === 'object' || (!!s.properties && !s.type);

/** "string", "integer (int64)", "array of User", "one of string | number"… */
function typeLabel(spec, s) {
  if (s.oneOf || s.anyOf) {
    const alts = (s.oneOf || s.anyOf).map((a) => {
      const u = unwrap(spec, a);
      return u.name || typeLabel(spec, u.node);
    });
    return `one of ${alts.join(' | ')}`;
  }
  if (s.type === 'array') {
    const item = s.items ? unwrap(spec, s.items) : { node: {}, name: null };
    return `array of ${item.name || typeLabel(spec, item.node)}`;
  }
  let t = s.type || (s.properties ? 'object' : 'any');
  if (s.format && s.format !== 'password') t += ` (${s.format})`;
  return t;
}

/** Limits and hints: "length 3–32", "1 … 500", "pattern …", "default 100". */
function constraints(s) {
  const out = [];
  const range = (lo, hi, unit) => {
    if (lo !== undefined && hi !== undefined) return `${unit}${lo}–${hi}`;
    if (lo !== undefined) return `${unit}≥ ${lo}`;
    return `${unit}≤ ${hi}`;
  };
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(range(s.minLength, s.maxLength, 'length '));
  if (s.minimum !== undefined || s.maximum !== undefined) out.push(range(s.minimum, s.maximum, ''));
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(range(s.minItems, s.maxItems, 'items '));
  if (s.pattern) out.push(`pattern ${s.pattern}`);
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  if (s.nullable) out.push('or null');
  return out;
}

/** The object whose properties should be listed under `s` (itself, or the
 *  items of an array of objects), or null. */
function nestedObject(spec, s) {
  if (isObject(s) && s.properties) return { node: s, name: null };
  if (s.type === 'array' && s.items) {
    const item = unwrap(spec, s.items);
    if (isObject(item.node) && item.node.properties) return item;
  }
  return null;
}

/** One line about a schema: type (linked when named), limits, description. */
function summaryLine(spec, s, name, showDescription = true) {
  const parts = [h('span.type', {}, name ? refLink(name) : typeLabel(spec, s))];
  if (name && !isObject(s)) parts.push(h('span.type', { text: typeLabel(spec, s) }));
  for (const c of constraints(s)) parts.push(h('span.constraint', { text: c }));
  const line = h('div.schema-line', {}, parts);
  if (showDescription && s.description) line.append(h('div.desc', {}, inline(s.description)));
  return line;
}

/** The properties of object `s` as a nested list; `seen` stops cycles. */
function propertyList(spec, s, depth, seen) {
  const required = new Set(s.required || []);
  const ul = h('ul.props');
  for (const [prop, raw] of Object.entries(s.properties || {})) {
    const { node, name } = unwrap(spec, raw);
    const head = h('div.prop-head', {},
      h('code.prop', { text: prop }),
      h('span.type', {}, name ? refLink(name) : typeLabel(spec, node)),
      name && !isObject(node) ? h('span.type', { text: typeLabel(spec, node) }) : null,
      required.has(prop) ? h('span.req', { text: 'required' }) : h('span.opt', { text: 'optional' }),
      constraints(node).map((c) => h('span.constraint', { text: c })));
    const li = h('li', {}, head);
    if (node.description) li.append(h('div.desc', {}, inline(node.description)));
    const nested = nestedObject(spec, node);
    if (nested) {
      const key = nested.name || name;
      if (key && (seen.has(key) || depth >= 4)) {
        li.append(h('div.desc.muted', {}, 'See ', refLink(key), '.'));
      } else {
        const next = new Set(seen);
        if (key) next.add(key);
        li.append(propertyList(spec, nested.node, depth + 1, next));
      }
    }
    ul.append(li);
  }
  return ul;
}

/** A schema, readable: a summary line, then its properties (recursively,
 *  through `$ref`s and arrays). `brief` names a referenced schema without
 *  expanding it (used for the error body, shown once in its own section). */
export function schemaView(spec, schema, { brief = false, describe = true } = {}) {
  const { node, name } = unwrap(spec, schema || {});
  const box = h('div.schema');
  box.append(summaryLine(spec, node, name, describe && !brief));
  if (brief && name) return box;
  const nested = nestedObject(spec, node);
  if (nested) box.append(propertyList(spec, nested.node, 0, new Set([nested.name || name].filter(Boolean))));
  else if (node.oneOf || node.anyOf) {
    const ul = h('ul.props');
    for (const alt of node.oneOf || node.anyOf) ul.append(h('li', {}, schemaView(spec, alt)));
    box.append(ul);
  }
  return box;
}
