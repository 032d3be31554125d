import type { BenchContext } from './context.js';
import { SENTINEL_ID } from './dataset.js';
import { OpenLoopWriter } from './open-loop-writer.js';
import { appliedOps, getSource, pollUntil, setWriteBlock } from './search-helpers.js';
import type { SyncProcess } from './sync-process.js';

export interface BacklogResult {
  readonly blockSeconds: number;
  readonly rate: number;
  readonly backlogEvents: number;
  /** Highest RSS of the worker sampled while the sink was blocked. */
  readonly peakRssMb: number;
  readonly rssBeforeMb: number;
  /** Unblock → first document applied (the sink's retry backoff). */
  readonly firstProgressMs: number;
  /** Backlog / (caught up − first progress). */
  readonly catchUpRate: number;
  /** Unblock → caught up. */
  readonly catchUpSeconds: number;
}

/**
 * Memory under backlog: with a constant 50% load running, the index refuses writes (index.blocks.write)
 * for `blockSeconds`; the worker's RSS is sampled all along. Then the writer stops, the block is lifted,
 * and the time to apply everything that piled up gives the catch-up rate.
 */
export async function measureBacklog(
  ctx: BenchContext,
  worker: SyncProcess,
  o: { rate: number; blockSeconds: number; liveIds: number[]; nextId: () => number },
): Promise<BacklogResult> {
  const writer = new OpenLoopWriter(ctx, { rate: o.rate, liveIds: o.liveIds, nextId: o.nextId });
  writer.start();
  await new Promise((r) => setTimeout(r, Math.min(2000, o.blockSeconds * 500)));
  const rssBeforeMb = worker.rssMb();
  const rowsBefore = writer.rowsWritten;
  await setWriteBlock(ctx, ctx.index, true);
  const t0 = performance.now();
  let stats: Awaited<ReturnType<OpenLoopWriter['stop']>>;
  let t1: number;
  try {
    await new Promise((r) => setTimeout(r, o.blockSeconds * 1000));
    worker.assertAlive();
    stats = await writer.stop();
    t1 = performance.now();
    await ctx.pool.query('UPDATE products SET bench_seq = ?, updated_at = NOW(6) WHERE id = ?', [
      -1 - Date.now(),
      SENTINEL_ID,
    ]);
  } finally {
    await writer.stop();
    await setWriteBlock(ctx, ctx.index, false);
  }
  const unblockedAt = Date.now();
  const peakRssMb = Math.max(worker.maxRssBetween(t0, t1), worker.rssMb());
  const [[{ marker }]] = (await ctx.pool.query('SELECT bench_seq AS marker FROM products WHERE id = ?', [
    SENTINEL_ID,
  ])) as unknown as [[{ marker: string }]];
  const applied0 = await appliedOps(ctx, ctx.index);
  const firstAt = await pollUntil(
    'the first write after the block',
    async () => ((await appliedOps(ctx, ctx.index)) > applied0 ? Date.now() : undefined),
    { timeoutMs: ctx.sizes.timeoutMs, everyMs: 50 },
  );
  const doneAt = await pollUntil(
    'the backlog to drain',
    async () => {
      worker.assertAlive();
      const doc = await getSource(ctx, ctx.index, SENTINEL_ID);
      return String(doc?.bench_seq) === String(marker) ? Date.now() : undefined;
    },
    { timeoutMs: ctx.sizes.timeoutMs, everyMs: 50, onTimeout: () => worker.tail() },
  );
  const backlogEvents = stats.rows - rowsBefore + 1;
  return {
    blockSeconds: o.blockSeconds,
    rate: o.rate,
    backlogEvents,
    peakRssMb,
    rssBeforeMb,
    firstProgressMs: firstAt - unblockedAt,
    catchUpRate: backlogEvents / Math.max(0.001, (doneAt - firstAt) / 1000),
    catchUpSeconds: (doneAt - unblockedAt) / 1000,
  };
}
