import { SynclineError } from '../core/errors.js';
import { sleep as delay } from '../core/timers.js';
import { estimateRows } from '../sources/mysql-binlog/snapshot/chunk-reader.js';
import type { SnapshotState } from '../sources/mysql-binlog/snapshot/snapshot-state.js';
import { WatermarkSignals } from '../sources/mysql-binlog/snapshot/watermark-signals.js';
import { splitTable } from '../sources/mysql-binlog/table-patterns.js';
import { barrier, pipelinesCapturing, positionReached } from './barrier.js';
import type { OpsContext } from './context.js';
import { noProgress, type ProgressListener } from './progress.js';

export interface ResnapshotOptions {
  /** database.table */
  readonly table: string;
  /** Key range: after `from` (exclusive) up to `until` (inclusive), in key-column order. */
  readonly from?: unknown[];
  readonly until?: unknown[];
  /** Wait until every pipeline capturing the table has finished the re-snapshot. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ResnapshotReport {
  readonly table: string;
  readonly pipelines: string[];
  readonly requested: true;
  /** With wait: pipelines that finished it; without: empty. */
  readonly completed: string[];
  readonly rows?: number;
}

/**
 * Asks the running binlog pipelines to snapshot a table (or a key range of it) again, while they keep
 * streaming: a `resnapshot` row in the signal table, which every pipeline sees in its binlog and which
 * the pipelines capturing the table act on (the same lock-free chunked read as the initial snapshot).
 * Nothing runs in this process; a pipeline that is stopped acts on it when it starts again.
 */
export async function requestResnapshot(
  ctx: OpsContext,
  o: ResnapshotOptions,
  onProgress: ProgressListener = noProgress,
): Promise<ResnapshotReport> {
  if (!/^[^.\s]+\.[^.\s]+$/.test(o.table)) {
    throw new SynclineError('OPS_TARGET_UNKNOWN', `"${o.table}" is not database.table`);
  }
  const { database, table } = splitTable(o.table);
  const pipelines = pipelinesCapturing(ctx.config, database, table);
  if (pipelines.length === 0) {
    throw new SynclineError('OPS_TARGET_UNKNOWN', `no binlog pipeline captures ${o.table}`);
  }
  const signals = new WatermarkSignals(ctx.db, ctx.config.internalDatabase);
  await signals.write({
    kind: 'resnapshot',
    chunkId: `cli-${Date.now()}`,
    table: o.table,
    ...(o.from && { fromKey: o.from }),
    ...(o.until && { untilKey: o.until }),
  });
  if (!o.wait) return { table: o.table, pipelines, requested: true, completed: [] };

  // After a barrier behind the request has passed a pipeline, its checkpoint shows the table queued
  // (committed within about a second); done when it has left the queue.
  const b = await barrier(ctx.db, ctx.config.internalDatabase);
  const total = await estimateRows(ctx.db, [o.table]);
  const deadline = Date.now() + (o.timeoutMs ?? 24 * 3600_000);
  const completed: string[] = [];
  let rows = 0;
  for (const name of pipelines) {
    let seen = false;
    for (;;) {
      const p = await ctx.pipelinePosition(name);
      const state = p?.checkpoint.snapshot as SnapshotState | undefined;
      const queued = state?.queue.includes(o.table) ?? false;
      if (queued) {
        seen = true;
        if (state?.queue[0] === o.table) {
          rows = state.rowsDone;
          onProgress({
            operation: 'snapshot',
            subject: o.table,
            phase: name,
            done: rows,
            total: Math.max(total, rows),
            unit: 'rows',
          });
        }
      }
      if (positionReached(p, b.gtid) && !queued) {
        // passed the request and the table is not (or no longer) queued
        completed.push(name);
        break;
      }
      if (Date.now() > deadline) {
        throw new SynclineError(
          'OPS_ENGINE_FAILED',
          `pipeline ${name} did not finish the re-snapshot of ${o.table} in time${seen ? '' : ' (is it running?)'}`,
        );
      }
      await delay(500, o.signal);
    }
  }
  onProgress({
    operation: 'snapshot',
    subject: o.table,
    phase: 'done',
    done: rows,
    total: Math.max(total, rows),
    unit: 'rows',
  });
  return { table: o.table, pipelines, requested: true, completed, rows };
}
