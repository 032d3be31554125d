/**
 * Capped exponential backoff with full jitter (the AWS Architecture Blog variant): the n-th retry sleeps
 * random(0, min(cap, initial · 2^n)). Jitter spreads retries of many items and many Syncline instances so
 * a recovering cluster is not hit by synchronized waves; the cap bounds how stale the index can get once
 * the cluster is back.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0 = retry until success. */
  readonly maxAttempts: number;
}

/** Upper bound of the n-th retry's sleep (n = 0 for the first retry). */
export function backoffCeiling(retry: number, p: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>): number {
  // 2^n overflows to Infinity past ~1024 retries; min() keeps it at the cap.
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.max(0, retry));
}

export function fullJitter(
  retry: number,
  p: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(retry, p));
}

/** True once an item that has been sent `attempts` times must stop being retried. */
export function attemptsExhausted(attempts: number, p: Pick<BackoffPolicy, 'maxAttempts'>): boolean {
  return p.maxAttempts > 0 && attempts >= p.maxAttempts;
}

/**
 * Attempt accounting for one unit of work (a bulk item, a truncate, a dead-letter put): how many times
 * it was tried and how long to wait before the next try.
 */
export class RetryState {
  attempts = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records a failed attempt; returns the sleep before the next one. */
  failed(): number {
    this.attempts++;
    return fullJitter(this.attempts - 1, this.policy, this.random);
  }

  get exhausted(): boolean {
    return attemptsExhausted(this.attempts, this.policy);
  }
}
