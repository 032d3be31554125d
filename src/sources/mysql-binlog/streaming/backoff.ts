import { type BackoffBounds, backoffCeiling } from '../../../core/backoff.js';

/**
 * Capped exponential backoff with "equal jitter": attempt n waits between cap/2 and cap, where
 * cap = min(maxMs, initialMs·2ⁿ). Half the delay is fixed so a flapping server is never hammered; the
 * random half spreads many readers reconnecting to one restarted server.
 */
export function backoffDelay(attempt: number, o: BackoffBounds, random: () => number = Math.random): number {
  const cap = backoffCeiling(attempt, o);
  return Math.round(cap / 2 + random() * (cap / 2));
}
