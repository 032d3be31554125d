export interface BackoffOptions {
  /** First delay cap, ms. */
  readonly initialMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": attempt n waits between cap/2 and cap, where
 * cap = min(maxMs, initialMs·2ⁿ). Half the delay is fixed so a flapping server is never hammered; the
 * random half spreads many readers reconnecting to one restarted server.
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}
