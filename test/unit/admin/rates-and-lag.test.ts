import { describe, expect, it } from 'vitest';
import { gtidDistance } from '../../../src/admin/pipeline-status.js';
import { RateWindow } from '../../../src/core/pipeline-stats.js';

describe('RateWindow (throughput over the last 10 s)', () => {
  const t0 = 1_700_000_000_000;
  it('averages whole seconds and leaves the current partial second out', () => {
    const w = new RateWindow(10);
    for (let s = 0; s < 10; s++) w.add(100, t0 + s * 1000);
    w.add(999, t0 + 10_000); // the current second
    expect(w.perSecond(t0 + 10_500)).toBe(100);
  });
  it('forgets seconds older than the window, and reuses their slots', () => {
    const w = new RateWindow(10);
    w.add(1000, t0);
    expect(w.perSecond(t0 + 5_000)).toBe(100);
    expect(w.perSecond(t0 + 11_000)).toBe(0);
    w.add(50, t0 + 11_000); // same ring slot as t0
    expect(w.perSecond(t0 + 12_000)).toBe(5);
  });
  it('is 0 with nothing recorded', () => {
    expect(new RateWindow(10).perSecond(t0)).toBe(0);
  });
});

describe('gtidDistance (transactions behind the server)', () => {
  it('sums the per-domain sequence gaps', () => {
    expect(gtidDistance('0-1-120,1-2-10', '0-1-100,1-2-7')).toBe(23);
    expect(gtidDistance('0-1-100', '0-1-100')).toBe(0);
  });
  it('counts a domain we have not seen from 0, and never goes negative', () => {
    expect(gtidDistance('0-1-5,3-1-4', '0-1-5')).toBe(4);
    expect(gtidDistance('0-1-5', '0-1-9')).toBe(0);
  });
  it('is null when a side is unknown or not a GTID position', () => {
    expect(gtidDistance(undefined, '0-1-1')).toBeNull();
    expect(gtidDistance('0-1-1', undefined)).toBeNull();
    expect(gtidDistance('garbage', '0-1-1')).toBeNull();
  });
});
