import { fullJitter } from '../../core/backoff.js';

/**
 * The sink's retry policy: full-jitter backoff (src/core/backoff.ts) whose cap bounds how stale the index
 * can get once the cluster is back, and an optional attempt limit.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0 = retry until success. */
  readonly maxAttempts: number;
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
