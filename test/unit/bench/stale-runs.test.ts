import { describe, expect, it } from 'vitest';
import { runStartedAt } from '../../../bench/harness/stale-runs.js';

describe('bench run ids', () => {
  it('reads the UTC start time of a run from its database and index names', () => {
    expect(runStartedAt('bench_261128233543bs')).toBe(Date.UTC(2026, 10, 28, 23, 35, 43));
    expect(runStartedAt('bench_261128233543bs_sys')).toBe(Date.UTC(2026, 10, 28, 23, 35, 43));
    expect(runStartedAt('bench_261128233543bs_products_v1')).toBe(Date.UTC(2026, 10, 28, 23, 35, 43));
  });

  it('ignores names that are not run ids', () => {
    expect(runStartedAt('bench_results')).toBeUndefined();
    expect(runStartedAt('bench_2611282335bs')).toBeUndefined();
    expect(runStartedAt('syncline_demo')).toBeUndefined();
  });
});
