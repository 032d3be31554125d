/**
 * Capped exponential backoff, shared by every retry loop (sink items, Kafka, binlog reconnects, the
 * pipeline's store writes). The n-th retry's ceiling is min(maxMs, initialMs · 2^n); full jitter sleeps
 * random(0, ceiling) — the AWS Architecture Blog variant — so retries of many items and many Syncline
 * instances do not hit a recovering server in synchronized waves.
 */
export interface BackoffBounds {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Upper bound of the n-th retry's sleep (n = 0 for the first retry). */
export function backoffCeiling(retry: number, p: BackoffBounds): number {
  // 2^n overflows to Infinity past ~1024 retries; min() keeps it at the cap.
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, retry));
}

export function fullJitter(retry: number, p: BackoffBounds, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(retry, p));
}
