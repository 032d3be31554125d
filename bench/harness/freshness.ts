import type { BenchContext } from './context.js';
import { OpenLoopWriter, type Probe } from './open-loop-writer.js';
import { percentile } from './stats.js';

export interface FreshnessLevel {
  readonly loadPct: number;
  readonly targetRate: number;
  readonly achievedRate: number;
  readonly samples: number;
  /** Probes never found in the index within the drain time (should be 0). */
  readonly missing: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly writerMaxLagMs: number;
  readonly writerDroppedTicks: number;
}

/**
 * Commit → searchable latency: an open-loop writer at `rate` rows/s, and a prober that keeps searching
 * (`terms` on bench_seq, by search — not GET, which would see unrefreshed documents) for the markers of
 * committed ticks. Latency = when a search first returns the probe row − the NOW(6) stamped in the row.
 */
export async function measureFreshness(
  ctx: BenchContext,
  o: {
    rate: number;
    loadPct: number;
    seconds: number;
    liveIds: number[];
    nextId: () => number;
    /** The prober's period: a search every probeMs (the bench's default 10 ms). */
    probeMs: number;
  },
): Promise<FreshnessLevel> {
  const pending = new Map<number, Probe>();
  const latencies: number[] = [];
  const warmupUntil = Date.now() + 1000;
  const writer = new OpenLoopWriter(ctx, {
    rate: o.rate,
    liveIds: o.liveIds,
    nextId: o.nextId,
    onProbe: (p) => {
      if (p.dueAt >= warmupUntil) pending.set(p.seq, p);
    },
  });
  let writing = true;
  const prober = (async () => {
    let drainDeadline = Number.POSITIVE_INFINITY;
    for (;;) {
      if (!writing && drainDeadline === Number.POSITIVE_INFINITY) drainDeadline = Date.now() + 30_000;
      if (!writing && (pending.size === 0 || Date.now() > drainDeadline)) return;
      const t = Date.now();
      if (pending.size > 0) {
        const seqs = [...pending.keys()];
        const res = await ctx.search.request<{
          hits?: { hits?: Array<{ _source?: { bench_seq?: number; updated_at?: string } }> };
        }>('POST', `/${ctx.index}/_search`, {
          size: seqs.length,
          _source: ['bench_seq', 'updated_at'],
          query: { terms: { bench_seq: seqs } },
        });
        const foundAt = Date.now();
        for (const hit of res.body.hits?.hits ?? []) {
          const seq = Number(hit._source?.bench_seq);
          if (!pending.has(seq)) continue;
          pending.delete(seq);
          const stamp = Date.parse(String(hit._source?.updated_at));
          if (Number.isFinite(stamp)) latencies.push(foundAt - stamp);
        }
      }
      const spent = Date.now() - t;
      await new Promise((r) => setTimeout(r, Math.max(1, o.probeMs - spent)));
    }
  })();
  writer.start();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const w = await writer.stop();
  writing = false;
  await prober;
  latencies.sort((a, b) => a - b);
  return {
    loadPct: o.loadPct,
    targetRate: o.rate,
    achievedRate: w.achievedRate,
    samples: latencies.length,
    missing: pending.size,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p999: percentile(latencies, 0.999),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    writerMaxLagMs: w.maxLagMs,
    writerDroppedTicks: w.errors,
  };
}
