import { SynclineError } from '../core/errors.js';
import { errorReason } from '../mapping/index-definitions.js';
import type { SearchClient } from '../sinks/search/client.js';

/** Read-side calls on an index that the operations share: mget, id scans, refresh, counts. */

function fail(what: string, status: number, body: unknown): never {
  throw new SynclineError('OPS_ENGINE_FAILED', `${what}: HTTP ${status} ${errorReason(body)}`, {
    details: { status },
  });
}

async function call<T>(
  client: SearchClient,
  what: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; body: T }> {
  try {
    return await client.request<T>(method, path, body, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new SynclineError(
      'SINK_UNREACHABLE',
      `${what}: search engine at ${client.base.origin} unreachable: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

export { call as engineCall };

/** `_source` of each id that exists (real-time: mget reads the latest write, refresh or not). */
export async function mgetSources(
  client: SearchClient,
  index: string,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return out;
  const res = await call<{
    docs?: Array<{ _id: string; found?: boolean; _source?: Record<string, unknown> }>;
  }>(client, `mget on ${index}`, 'POST', `/${encodeURIComponent(index)}/_mget`, { ids }, signal);
  if (res.status !== 200) fail(`mget on ${index}`, res.status, res.body);
  for (const d of res.body.docs ?? []) if (d.found && d._source) out.set(d._id, d._source);
  return out;
}

export async function refreshIndex(client: SearchClient, index: string, signal?: AbortSignal): Promise<void> {
  const res = await call(
    client,
    `refresh of ${index}`,
    'POST',
    `/${encodeURIComponent(index)}/_refresh`,
    undefined,
    signal,
  );
  if (res.status !== 200) fail(`refresh of ${index}`, res.status, res.body);
}

export async function countDocs(client: SearchClient, index: string, signal?: AbortSignal): Promise<number> {
  const res = await call<{ count?: number }>(
    client,
    `count of ${index}`,
    'GET',
    `/${encodeURIComponent(index)}/_count`,
    undefined,
    signal,
  );
  if (res.status !== 200) fail(`count of ${index}`, res.status, res.body);
  return Number(res.body.count ?? 0);
}

/**
 * Every document id of an index, in batches, through a scroll sorted by `_doc` (the cheapest order,
 * supported by every engine version). Only ids travel: `_source` is off. The scroll is cleared at the end.
 */
export async function* scanIds(
  client: SearchClient,
  index: string,
  batchSize: number,
  signal?: AbortSignal,
): AsyncGenerator<string[]> {
  type Page = { _scroll_id?: string; hits?: { hits?: Array<{ _id: string }> } };
  let res = await call<Page>(
    client,
    `id scan of ${index}`,
    'POST',
    `/${encodeURIComponent(index)}/_search?scroll=2m`,
    { size: batchSize, sort: ['_doc'], _source: false, query: { match_all: {} } },
    signal,
  );
  let scrollId: string | undefined;
  try {
    for (;;) {
      if (res.status !== 200) fail(`id scan of ${index}`, res.status, res.body);
      scrollId = res.body._scroll_id ?? scrollId;
      const hits = res.body.hits?.hits ?? [];
      if (hits.length === 0) return;
      yield hits.map((h) => h._id);
      if (!scrollId) return;
      res = await call<Page>(
        client,
        `id scan of ${index}`,
        'POST',
        '/_search/scroll',
        { scroll: '2m', scroll_id: scrollId },
        signal,
      );
    }
  } finally {
    if (scrollId)
      await client.request('DELETE', '/_search/scroll', { scroll_id: [scrollId] }).catch(() => {});
  }
}
