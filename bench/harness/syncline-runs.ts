import type { BenchContext } from './context.js';
import { SENTINEL_ID, type Workload } from './dataset.js';
import { getSource, pollUntil, refreshAndCount } from './search-helpers.js';
import { SyncProcess } from './sync-process.js';

export interface PhaseResult {
  readonly rate: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  /** The worker's CPU time (user + sys) from the phase's start line to its end, per event, in µs. */
  readonly cpuUsPerEvent: number;
  /** Documents in the index afterwards, and what the table holds (a correctness check, not a timing). */
  readonly indexed: number;
  readonly expected: number;
}

/** Waits until the index holds `expected` documents (the last bulk requests may land a moment after). */
async function settleCount(ctx: BenchContext, expected: number): Promise<number> {
  let last = -1;
  try {
    await pollUntil(
      `${expected} documents in ${ctx.index}`,
      async () => {
        last = await refreshAndCount(ctx, ctx.index);
        return last === expected ? last : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
  } catch {
    // reported as indexed ≠ expected
  }
  return last;
}

/**
 * Syncline's snapshot of the whole table by a real worker process: from its "snapshot … starts" log line
 * to the moment the table's last row is in the index (real-time GET; chunks go in key order).
 */
export async function measureSnapshot(
  ctx: BenchContext,
  rows: number,
  profileDir: string | undefined,
): Promise<PhaseResult> {
  const p = SyncProcess.start(ctx, 'snapshot', { profileDir });
  try {
    const start = await p.waitForLog(/snapshot of \d+ table\(s\) starts/, 120_000);
    const cpu0 = p.cpuMs();
    const end = await pollUntil(
      `row ${rows} in ${ctx.index}`,
      async () => {
        return (await getSource(ctx, ctx.index, rows)) ? Date.now() : undefined;
      },
      {
        timeoutMs: ctx.sizes.timeoutMs,
        everyMs: 50,
        onTimeout: () => p.tail(),
        alive: () => p.assertAlive(),
      },
    );
    const cpuUsPerEvent = ((p.cpuMs() - cpu0) * 1000) / rows;
    const seconds = (end - start.time) / 1000;
    await p.waitForLog(/snapshot complete/, 60_000);
    const peakRssMb = p.peakRssMb();
    const indexed = await settleCount(ctx, rows);
    return { rate: rows / seconds, seconds, peakRssMb, cpuUsPerEvent, indexed, expected: rows };
  } finally {
    await p.stop();
  }
}

/**
 * Streaming: the worker resumes from its checkpoint with the workload waiting in the binlog; from its
 * "starting from" log line until the workload's last transaction (the sentinel's end marker) is indexed.
 */
export async function measureStreaming(
  ctx: BenchContext,
  w: Workload,
  profileDir: string | undefined,
): Promise<PhaseResult> {
  const p = SyncProcess.start(ctx, 'streaming', { profileDir });
  try {
    const start = await p.waitForLog(/starting from/, 120_000);
    const cpu0 = p.cpuMs();
    const end = await pollUntil(
      'the end marker in the index',
      async () => {
        const doc = await getSource(ctx, ctx.index, SENTINEL_ID);
        return Number(doc?.bench_seq) === w.endMarker ? Date.now() : undefined;
      },
      {
        timeoutMs: ctx.sizes.timeoutMs,
        everyMs: 50,
        onTimeout: () => p.tail(),
        alive: () => p.assertAlive(),
      },
    );
    // The binlog is shared: another session may PURGE BINARY LOGS past our checkpoint. Syncline then
    // re-snapshots (onPurged: resnapshot), which reaches the end marker without streaming anything.
    const resnapshot = p.lines.find((l) =>
      /snapshot of \d+ table\(s\) starts|can no longer stream/.test(l.msg),
    );
    if (resnapshot)
      throw new Error(
        `the binlog at the worker's checkpoint was purged during the run (by another session on the shared server), so it re-snapshotted instead of streaming: ${resnapshot.msg.slice(0, 200)}`,
      );
    const cpuUsPerEvent = ((p.cpuMs() - cpu0) * 1000) / w.events;
    const seconds = (end - start.time) / 1000;
    const peakRssMb = p.peakRssMb();
    const indexed = await settleCount(ctx, w.liveRows);
    return { rate: w.events / seconds, seconds, peakRssMb, cpuUsPerEvent, indexed, expected: w.liveRows };
  } finally {
    await p.stop();
  }
}
