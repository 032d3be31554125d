import { SynclineError } from '../../core/errors.js';
import type { SearchClient } from './client.js';

/** One document of a scan: its id, its version as the engine reports it, and its routing when it has one. */
export interface ScannedDoc {
  readonly id: string;
  /**
   * The document version as a JSON number: above 2^53 it is rounded. Callers only use it to skip
   * documents that are clearly newer, and leave the exact comparison to the engine (versioned deletes).
   */
  readonly version: number;
  readonly routing?: string;
}

interface ScrollAnswer {
  _scroll_id?: string;
  hits?: {
    total?: number | { value: number };
    hits?: Array<{ _id: string; _version?: number; _routing?: string }>;
  };
}

/** The engine answered a scan request with a non-2xx status (caller classifies it with classifyStatus). */
export function scanFailed(index: string, status: number, body: unknown): SynclineError {
  return new SynclineError('SINK_UNREACHABLE', `scan of ${index}: the engine answered ${status}`, {
    details: { status, body },
  });
}

/**
 * Pages through every document of an index (ids, versions and routing; no source) with a scroll in `_doc`
 * order. Scroll rather than search_after on `_id`: sorting on `_id` is refused by Elasticsearch 8+
 * (`indices.id_field_data.enabled` is off), and scroll is core on every supported engine, including an
 * Elasticsearch built without its modules. The caller refreshes first when it must see recent writes.
 * A missing index yields nothing. `onTotal` learns how many documents the scan will visit.
 */
export async function* scanIndex(
  client: SearchClient,
  index: string,
  o: { pageSize?: number; signal?: AbortSignal; onTotal?: (total: number) => void } = {},
): AsyncGenerator<ScannedDoc[]> {
  const keepAlive = '5m';
  const signal = o.signal;
  let res = await client.request<ScrollAnswer>(
    'POST',
    `/${encodeURIComponent(index)}/_search?scroll=${keepAlive}`,
    {
      size: o.pageSize ?? 1000,
      version: true,
      _source: false,
      track_total_hits: true,
      sort: ['_doc'],
      query: { match_all: {} },
    },
    signal ? { signal } : {},
  );
  if (res.status === 404) return;
  let scrollId = res.body?._scroll_id;
  try {
    if (res.status !== 200) throw scanFailed(index, res.status, res.body);
    const total = res.body.hits?.total;
    o.onTotal?.(typeof total === 'number' ? total : (total?.value ?? 0));
    for (;;) {
      const hits = res.body.hits?.hits ?? [];
      if (hits.length === 0) return;
      yield hits.map((h) => ({
        id: h._id,
        version: h._version ?? 0,
        ...(h._routing !== undefined && { routing: h._routing }),
      }));
      if (!scrollId) throw scanFailed(index, res.status, 'no _scroll_id in the answer');
      res = await client.request<ScrollAnswer>(
        'POST',
        '/_search/scroll',
        { scroll: keepAlive, scroll_id: scrollId },
        signal ? { signal } : {},
      );
      if (res.status !== 200) throw scanFailed(index, res.status, res.body);
      scrollId = res.body._scroll_id ?? scrollId;
    }
  } finally {
    // The engine holds a search context per open scroll until it expires: free it now.
    if (scrollId && !signal?.aborted)
      await client.request('DELETE', '/_search/scroll', { scroll_id: [scrollId] }).catch(() => {});
  }
}

/**
 * Whether a scanned version may be below `version`. Rounding to a double is monotonic, so a version
 * truly below rounds to at most the bound's rounding: nothing below is skipped, and the few equal after
 * rounding are settled by the engine's exact comparison.
 */
export function mayBeBelow(doc: ScannedDoc, version: bigint): boolean {
  return doc.version <= Number(version);
}
