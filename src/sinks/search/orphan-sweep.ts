import type { Logger } from 'pino';
import type { ChangeEvent } from '../../core/change-event.js';
import type { IndexOp, Sink } from '../../core/interfaces.js';
import type { SearchClient } from './client.js';
import { mayBeBelow, scanIndex } from './index-scan.js';

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
  await o.search.request('POST', `/${encodeURIComponent(o.index)}/_refresh`);
  let removed = 0;
  const scan = scanIndex(
    o.search,
    o.index,
    o.signal ? { pageSize: 2000, signal: o.signal } : { pageSize: 2000 },
  );
  for await (const page of scan) {
    o.signal?.throwIfAborted();
    const ops: IndexOp[] = page
      .filter((d) => mayBeBelow(d, o.belowVersion))
      .map((d) => ({
        action: 'delete',
        index: o.index,
        id: d.id,
        version: o.belowVersion,
        ...(d.routing !== undefined && { routing: d.routing }),
        event: orphanEvent(o, d.id),
      }));
    if (ops.length > 0) {
      const r = await o.sink.write(ops, o.signal);
      removed += r.ok;
    }
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
