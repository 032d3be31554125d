import { describe, expect, it } from 'vitest';
import { backoffCeiling, fullJitter } from '../../../src/core/backoff.js';
import { sleep } from '../../../src/core/timers.js';
import { attemptsExhausted, RetryState } from '../../../src/sinks/search/retry-logic.js';

const p = { initialMs: 100, maxMs: 5_000, maxAttempts: 0 };

describe('retry-logic', () => {
  it('grows exponentially and is capped', () => {
    const ceilings = Array.from({ length: 10 }, (_, n) => backoffCeiling(n, p));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    expect(backoffCeiling(5000, p)).toBe(5000); // 2^5000 overflows to Infinity; still capped
  });

  it('full jitter stays within [0, ceiling] and spreads over it', () => {
    expect(fullJitter(3, p, () => 0)).toBe(0);
    expect(fullJitter(3, p, () => 0.999999)).toBe(799);
    const samples = Array.from({ length: 2000 }, () => fullJitter(20, p));
    expect(Math.max(...samples)).toBeLessThan(5000);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(2000);
    expect(mean).toBeLessThan(3000);
  });

  it('counts attempts and honours maxAttempts (0 = forever)', () => {
    const s = new RetryState({ ...p, maxAttempts: 3 }, () => 1);
    expect(s.failed()).toBe(100);
    expect(s.failed()).toBe(200);
    expect(s.exhausted).toBe(false);
    expect(s.failed()).toBe(400);
    expect(s.attempts).toBe(3);
    expect(s.exhausted).toBe(true);
    expect(attemptsExhausted(1_000_000, { maxAttempts: 0 })).toBe(false);
  });

  it('sleep is cut short by an abort', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 20);
    await expect(sleep(10_000, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(1000);
    await expect(sleep(1, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleep(5)).resolves.toBeUndefined();
  });
});
