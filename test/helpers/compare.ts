import type { Pool } from 'mysql2/promise';
import type { SearchClient } from '../../src/sinks/search/client.js';
import { expectedDocuments, type OracleMapping } from './oracle.js';

export interface Diff {
  missing: string[];
  extra: string[];
  stale: Array<{ id: string; expected: unknown; actual: unknown }>;
  rows: number;
  docs: number;
}

/**
 * Every document of an index, after a refresh: a scroll in `_doc` order (sorting on `_id` is refused by
 * Elasticsearch 8+, where `indices.id_field_data.enabled` is off).
 */
export async function readIndex(
  client: SearchClient,
  index: string,
): Promise<Map<string, Record<string, unknown>>> {
  await client.request('POST', `/${index}/_refresh`);
  const out = new Map<string, Record<string, unknown>>();
  type Page = {
    _scroll_id?: string;
    hits: { hits: Array<{ _id: string; _source: Record<string, unknown> }> };
  };
  let res = await client.request<Page>('POST', `/${index}/_search?scroll=1m`, {
    size: 5000,
    sort: ['_doc'],
    query: { match_all: {} },
  });
  let scrollId: string | undefined;
  try {
    for (;;) {
      if (res.status !== 200)
        throw new Error(`search on ${index} answered ${res.status}: ${JSON.stringify(res.body)}`);
      scrollId = res.body._scroll_id ?? scrollId;
      const hits = res.body.hits.hits;
      for (const h of hits) out.set(h._id, h._source);
      if (hits.length === 0 || !scrollId) return out;
      res = await client.request<Page>('POST', '/_search/scroll', { scroll: '1m', scroll_id: scrollId });
    }
  } finally {
    if (scrollId)
      await client.request('DELETE', '/_search/scroll', { scroll_id: [scrollId] }).catch(() => {});
  }
}

/**
 * What the index should hold, keyed by document id: rendered by the test oracle (oracle.ts) from its own
 * SQL and the documented rules, never by the mapping code under test.
 */
export async function readTable(
  pool: Pool,
  mapping: OracleMapping,
): Promise<Map<string, Record<string, unknown>>> {
  return expectedDocuments(pool, mapping);
}

/** Row-by-row comparison: nothing missing, nothing extra, nothing stale. */
export async function diffTableAndIndex(
  pool: Pool,
  mapping: OracleMapping,
  client: SearchClient,
  index: string,
): Promise<Diff> {
  const [table, docs] = await Promise.all([readTable(pool, mapping), readIndex(client, index)]);
  const diff: Diff = { missing: [], extra: [], stale: [], rows: table.size, docs: docs.size };
  for (const [id, expected] of table) {
    const actual = docs.get(id);
    if (!actual) diff.missing.push(id);
    else if (JSON.stringify(sortKeys(expected)) !== JSON.stringify(sortKeys(actual)))
      diff.stale.push({ id, expected, actual });
  }
  for (const id of docs.keys()) if (!table.has(id)) diff.extra.push(id);
  return diff;
}

function sortKeys(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
}

export function summarize(d: Diff): string {
  const first = d.stale[0];
  return `rows=${d.rows} docs=${d.docs} missing=${d.missing.length} extra=${d.extra.length} stale=${d.stale.length}${
    first
      ? ` first stale ${first.id}: ${fieldDiff(first.expected as Record<string, unknown>, first.actual as Record<string, unknown>)}`
      : ''
  }${d.missing.length ? ` first missing: ${d.missing.slice(0, 3).join(', ')}` : ''}${
    d.extra.length ? ` first extra: ${d.extra.slice(0, 5).join(', ')}` : ''
  }`;
}

/** Only the fields that differ, values cut short (documents can hold megabytes). */
function fieldDiff(expected: Record<string, unknown>, actual: Record<string, unknown>): string {
  const short = (v: unknown) => {
    const t = JSON.stringify(v) ?? 'undefined';
    return t.length > 80 ? `${t.slice(0, 80)}…(${t.length})` : t;
  };
  return [...new Set([...Object.keys(expected), ...Object.keys(actual)])]
    .filter((k) => JSON.stringify(expected[k]) !== JSON.stringify(actual[k]))
    .map((k) => `${k}: expected ${short(expected[k])}, got ${short(actual[k])}`)
    .join('; ');
}
