/** How big each measurement is. `full` is the sizes; `quick` fits in ~5 minutes; `dry` checks the harness. */
export type Mode = 'full' | 'quick' | 'dry';

export interface Sizes {
  /** Rows in the table before the snapshot (demo products shape). */
  readonly rows: number;
  /** Mixed changes (60% update, 30% insert, 10% delete) for the streaming measurement. */
  readonly changes: number;
  /** Changes per generated transaction. */
  readonly changesPerTransaction: number;
  /** Documents sent per concurrency level of the C1 `_bulk` ceiling. */
  readonly c1Docs: number;
  /** Seconds each freshness level (25/50/80 % of the sustained rate) runs; a warm-up second is dropped. */
  readonly freshnessSeconds: number;
  /** Seconds the sink stays blocked under 50 % load. */
  readonly blockSeconds: number;
  /** Give-up time of one wait (snapshot, catch-up…), ms. */
  readonly timeoutMs: number;
}

export const SIZES: Readonly<Record<Mode, Sizes>> = {
  full: {
    rows: 1_000_000,
    changes: 500_000,
    changesPerTransaction: 20,
    c1Docs: 200_000,
    freshnessSeconds: 60,
    blockSeconds: 300,
    timeoutMs: 3_600_000,
  },
  quick: {
    rows: 100_000,
    changes: 50_000,
    changesPerTransaction: 20,
    c1Docs: 20_000,
    freshnessSeconds: 10,
    blockSeconds: 30,
    timeoutMs: 600_000,
  },
  dry: {
    rows: 2_000,
    changes: 1_000,
    changesPerTransaction: 20,
    c1Docs: 2_000,
    freshnessSeconds: 2,
    blockSeconds: 2,
    timeoutMs: 60_000,
  },
};

/** The sink defaults the ceilings use too (sink.batch.maxDocs), so C1 sends the same batch sizes. */
export const BULK_BATCH_DOCS = 1000;
/** C1 is the best of these request concurrencies. */
export const C1_CONCURRENCY = [1, 2, 4] as const;
/** Freshness is measured at these fractions of the maximum sustained rate. */
export const FRESHNESS_LOADS = [0.25, 0.5, 0.8] as const;
/** The index refresh interval Syncline's default index uses (docs/mapping.md). */
export const REFRESH_INTERVAL_MS = 1000;
/** Issue 8 targets. */
export const TARGETS = {
  // issue 17's targets (pinned, full size)
  snapshotVsC1: 0.95,
  streamingVsC1Mixed: 0.9,
  decodeEventsPerSec: 150_000,
  snapshotCpuUs: 12,
  streamingCpuUs: 15,
  freshnessP99AtHalfLoadMs: REFRESH_INTERVAL_MS + 300,
  backlogRssMb: 256,
} as const;
