import type { Logger } from 'pino';
import type { ChangeEvent } from '../../core/change-event.js';
import type { IndexOp, Sink } from '../../core/interfaces.js';
import type { SearchClient } from './client.js';

/**
 * After a full snapshot of a table that started over documents it did not write (its binlog position was
 * purged, or an earlier run ended before its first checkpoint), every live row has been rewritten at a
 * version ≥ the snapshot's start. A document still below that version belongs to a row deleted before
 * the snapshot started, whose delete event will never be read: it is removed here — with that version,
 * so a row re-inserted meanwhile (higher version) is never touched.
 */
export async function sweepOrphans(o: {
  search: SearchClient;
  sink: Sink;
  index: string;
  database: string;
  table: string;
  belowVersion: bigint;
  logger: Logger;
  signal?: AbortSignal;
}): Promise<number> {
  await o.search.request('POST', `/${o.index}/_refresh`);
  let after: unknown[] | undefined;
  let removed = 0;
  for (;;) {
    o.signal?.throwIfAborted();
    const res = await o.search.request<{
      hits?: { hits: Array<{ _id: string; _version: number | string; sort: unknown[] }> };
    }>('POST', `/${o.index}/_search`, {
      size: 2000,
      version: true,
      _source: false,
      sort: [{ _id: 'asc' }],
      query: { match_all: {} },
      ...(after && { search_after: after }),
    });
    const hits = res.body.hits?.hits;
    if (res.status !== 200 || !hits)
      throw new Error(`orphan sweep of ${o.index}: search answered ${res.status}`);
    const ops: IndexOp[] = hits
      .filter((h) => BigInt(h._version) < o.belowVersion)
      .map((h) => ({
        action: 'delete',
        index: o.index,
        id: h._id,
        version: o.belowVersion,
        event: orphanEvent(o, h._id),
      }));
    if (ops.length > 0) {
      const r = await o.sink.write(ops, o.signal);
      removed += r.ok;
    }
    if (hits.length < 2000) break;
    after = hits[hits.length - 1]!.sort;
  }
  o.logger.info(
    { index: o.index, table: `${o.database}.${o.table}`, removed },
    `orphan sweep of ${o.index}: ${removed} document(s) of rows deleted before the snapshot started`,
  );
  return removed;
}

function orphanEvent(o: { database: string; table: string; belowVersion: bigint }, id: string): ChangeEvent {
  return {
    op: 'd',
    before: null,
    after: null,
    key: { _id: id },
    source: {
      connector: 'mysql-binlog',
      database: o.database,
      table: o.table,
      position: { version: o.belowVersion, checkpoint: {}, label: 'orphan sweep after re-snapshot' },
      snapshot: true,
      tsMs: Date.now(),
    },
  };
}
