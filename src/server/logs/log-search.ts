import { decodeCursor, encodeCursor } from '../../catalog/search/cursor.js';
import { engineSearch } from '../../catalog/search/engine-call.js';
import { SynclineError } from '../../core/errors.js';
import type { SearchClient } from '../../sinks/search/client.js';

export interface LogSearchParams {
  q?: string;
  level?: string[];
  service?: string[];
  from?: string;
  to?: string;
  page?: number;
  size?: number;
  cursor?: string;
}

const SORT = [{ ts: 'desc' }, { id: 'desc' }];

/** GET /api/logs/search over every daily index (<prefix>*), newest first. */
export async function searchLogs(
  client: SearchClient,
  p: LogSearchParams,
  o: { indexPrefix: string; defaultSize: number; timeoutMs: number },
) {
  const size = p.size ?? o.defaultSize;
  const page = p.page ?? 1;
  if (p.cursor !== undefined && page !== 1) {
    throw bad('querystring.page', 'page and cursor cannot be combined; follow next_cursor from page 1');
  }
  if (page * size > 10_000) {
    throw bad(
      'querystring.page',
      'page × size may not exceed 10000; use the cursor (next_cursor) for deep paging',
    );
  }
  const from = p.from === undefined ? undefined : Date.parse(p.from);
  const to = p.to === undefined ? undefined : Date.parse(p.to);
  if (Number.isNaN(from) || Number.isNaN(to))
    throw bad(Number.isNaN(from) ? 'querystring.from' : 'querystring.to', 'not a valid time');
  if (from !== undefined && to !== undefined && from > to) throw bad('querystring.from', 'from is after to');
  const filter: unknown[] = [];
  if (p.level?.length) filter.push({ terms: { level: p.level } });
  if (p.service?.length) filter.push({ terms: { service: p.service } });
  if (from !== undefined || to !== undefined) {
    filter.push({
      range: {
        ts: {
          ...(from !== undefined && { gte: new Date(from).toISOString() }),
          ...(to !== undefined && { lt: new Date(to).toISOString() }),
        },
      },
    });
  }
  const must = p.q?.trim() ? [{ match: { message: { query: p.q, operator: 'and' } } }] : [{ match_all: {} }];
  const body: Record<string, unknown> = {
    track_total_hits: true,
    size,
    sort: SORT,
    query: { bool: { must, filter } },
  };
  if (p.cursor !== undefined) body.search_after = decodeCursor(p.cursor, 'ts_desc', ['epoch', 'keyword']);
  else if (page > 1) body.from = (page - 1) * size;
  const raw = await engineSearch<{
    hits: { total: { value: number }; hits: Array<{ _source: Record<string, unknown>; sort?: unknown[] }> };
  }>(client, `${o.indexPrefix}*`, body, {
    timeoutMs: o.timeoutMs,
    query: 'ignore_unavailable=true&allow_no_indices=true',
  });
  const hits = raw.hits.hits;
  const last = hits[hits.length - 1];
  return {
    total: raw.hits.total.value,
    page,
    size,
    items: hits.map((h) => h._source),
    next_cursor: hits.length === size && last?.sort ? encodeCursor('ts_desc', last.sort) : null,
  };
}

function bad(field: string, message: string): SynclineError {
  return new SynclineError('API_BAD_QUERY', `${field}: ${message}`, { details: { field } });
}
