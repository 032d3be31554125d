// What the bulk sink counts: read by /metrics and the pipeline status.

/** Upper bounds (ms) of the bulk latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const LATENCY_SAMPLES = 512;

export interface SinkCounters {
  /** Ops accepted by write()/submit(). */
  eventsIn: number;
  docsOk: number;
  stale: number;
  dead: number;
  /** Item re-sends after a transient failure (an item retried 3 times counts 3). */
  retriedItems: number;
  /** Backoff rounds (one per failed request or per group of failed items). */
  retryRounds: number;
  /** `_bulk` requests sent, including ones that failed as a whole. */
  bulkRequests: number;
  /** `_bulk` requests that failed as a whole (transport error or non-2xx). */
  bulkFailures: number;
  truncates: number;
  /** Request body bytes sent to `_bulk`. */
  bytesSent: number;
  dlqPutFailures: number;
  /** Times a producer had to wait for buffer space, and the total time it waited. */
  backpressureWaits: number;
  backpressureWaitMs: number;
  bulkLatency: {
    count: number;
    sumMs: number;
    maxMs: number;
    /** Non-cumulative counts per LATENCY_BUCKETS_MS bucket, plus one +Inf bucket at the end. */
    buckets: number[];
    /** The most recent latencies (ring buffer of LATENCY_SAMPLES; `samplesNext` is the write index). */
    samples: number[];
    samplesNext: number;
  };
}

export function createSinkCounters(): SinkCounters {
  return {
    eventsIn: 0,
    docsOk: 0,
    stale: 0,
    dead: 0,
    retriedItems: 0,
    retryRounds: 0,
    bulkRequests: 0,
    bulkFailures: 0,
    truncates: 0,
    bytesSent: 0,
    dlqPutFailures: 0,
    backpressureWaits: 0,
    backpressureWaitMs: 0,
    bulkLatency: {
      count: 0,
      sumMs: 0,
      maxMs: 0,
      buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
      samples: [],
      samplesNext: 0,
    },
  };
}

/** Adds one answered `_bulk` request's latency to the histogram and the sample ring. */
export function recordLatency(counters: SinkCounters, ms: number): void {
  const h = counters.bulkLatency;
  h.count++;
  h.sumMs += ms;
  if (ms > h.maxMs) h.maxMs = ms;
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
  h.buckets[i]!++;
  if (h.samples.length < LATENCY_SAMPLES) h.samples.push(ms);
  else h.samples[h.samplesNext] = ms;
  h.samplesNext = (h.samplesNext + 1) % LATENCY_SAMPLES;
}
