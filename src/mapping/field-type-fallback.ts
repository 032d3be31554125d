import type { Logger } from 'pino';
import type { SearchClient } from '../sinks/search/client.js';

/**
 * Field types that live in engine modules, not in the core: every OpenSearch and every Elasticsearch
 * distribution ships them, but an Elasticsearch built from the Maven Central jars (the CI's ES 8/9) has neither
 * mapper-extras nor x-pack's unsigned-long. Where the engine lacks one, the field gets a core type instead,
 * with a warning once per client and type, and the index is created (docs/sink.md#engines):
 *
 * - `scaled_float` (DECIMAL up to 15 digits) → `double`: ranges, sorts and aggregations as before; `_source`
 *   keeps the exact decimal string, so documents and reconcile are unchanged.
 * - `unsigned_long` (BIGINT UNSIGNED) → `keyword`, as on OpenSearch before 2.8: exact, filterable, sorted as text.
 *
 * Whether a type exists is asked with `POST /_index_template/_simulate` (it parses the mapping, creates nothing).
 */
const FALLBACKS: Readonly<Record<string, { module: string; replace: () => Record<string, unknown> }>> = {
  scaled_float: { module: 'mapper-extras', replace: () => ({ type: 'double' }) },
  unsigned_long: { module: 'unsigned-long', replace: () => ({ type: 'keyword' }) },
};

const known = new WeakMap<SearchClient, Map<string, Promise<boolean>>>();

/** Whether the engine can map a field of `type` (probed once per client; a failed probe is asked again). */
export function hasMapperType(client: SearchClient, type: string): Promise<boolean> {
  let byType = known.get(client);
  if (!byType) {
    byType = new Map();
    known.set(client, byType);
  }
  let p = byType.get(type);
  if (!p) {
    const field = type === 'scaled_float' ? { type, scaling_factor: 100 } : { type };
    p = client
      .request<{ error?: unknown }>('POST', '/_index_template/_simulate', {
        index_patterns: ['syncline-mapper-probe-*'],
        template: { mappings: { properties: { probe: field } } },
      })
      .then((res) => {
        if (res.status === 200) return true;
        const text = JSON.stringify(res.body ?? '');
        if (res.status === 400 && text.includes(`[${type}]`) && /does not exist|no handler/i.test(text))
          return false;
        // the probe itself is not understood (an old engine, a proxy): assume the type, as before
        return true;
      });
    byType.set(type, p);
    p.catch(() => byType.delete(type));
  }
  return p;
}

function typesIn(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const v of node) typesIn(v, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'type' && typeof v === 'string') out.add(v);
      else typesIn(v, out);
    }
  }
  return out;
}

function replaceTypes(node: unknown, missing: ReadonlySet<string>, fields: string[], path: string): unknown {
  if (Array.isArray(node)) return node.map((v) => replaceTypes(v, missing, fields, path));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (typeof o.type === 'string' && missing.has(o.type)) {
    fields.push(path || '(template)');
    return FALLBACKS[o.type]!.replace();
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const child = k === 'properties' || k === 'fields' || k === 'mapping' ? path : path ? `${path}.${k}` : k;
    out[k] = replaceTypes(v, missing, fields, child);
  }
  return out;
}

const warned = new WeakMap<SearchClient, Set<string>>();

/**
 * `mappings` (an index body's mappings, or a properties object) with every field type the engine lacks
 * replaced by its core fallback; the same object when nothing is missing.
 */
export async function withSupportedFieldTypes<T>(
  client: SearchClient,
  mappings: T,
  log?: Pick<Logger, 'warn'>,
): Promise<T> {
  const candidates = [...typesIn(mappings, new Set())].filter((t) => Object.hasOwn(FALLBACKS, t));
  const missing = new Set<string>();
  for (const t of candidates) if (!(await hasMapperType(client, t))) missing.add(t);
  if (missing.size === 0) return mappings;
  const fields: string[] = [];
  const out = replaceTypes(mappings, missing, fields, '') as T;
  let once = warned.get(client);
  if (!once) {
    once = new Set();
    warned.set(client, once);
  }
  for (const t of missing) {
    if (once.has(t)) continue;
    once.add(t);
    const f = FALLBACKS[t]!;
    log?.warn(
      { fieldType: t, fallback: f.replace().type, fields },
      `the search engine has no ${t} field type (module ${f.module} missing): ${fields.join(', ')} mapped as ${f.replace().type} instead (docs/sink.md#engines)`,
    );
  }
  return out;
}
