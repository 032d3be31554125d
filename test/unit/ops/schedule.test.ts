import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/ops/reconcile/schedule.js';

const at = (iso: string) => new Date(iso);

describe('reconcile schedule', () => {
  it('intervals', () => {
    expect(parseSchedule('30m').next(at('2025-01-01T00:00:00Z')).toISOString()).toBe(
      '2025-01-01T00:30:00.000Z',
    );
    expect(parseSchedule('1d').next(at('2025-01-01T10:00:00Z')).toISOString()).toBe(
      '2025-01-02T10:00:00.000Z',
    );
    expect(() => parseSchedule('10ms')).toThrow(/shorter than 1 s/);
  });

  it('cron in UTC: fixed time, steps, ranges, lists, day of week', () => {
    expect(parseSchedule('0 3 * * *').next(at('2025-01-01T03:00:00Z')).toISOString()).toBe(
      '2025-01-02T03:00:00.000Z',
    );
    expect(parseSchedule('0 3 * * *').next(at('2025-01-01T02:59:30Z')).toISOString()).toBe(
      '2025-01-01T03:00:00.000Z',
    );
    expect(parseSchedule('*/15 * * * *').next(at('2025-01-01T00:07:00Z')).toISOString()).toBe(
      '2025-01-01T00:15:00.000Z',
    );
    expect(parseSchedule('0 9-17/4 * * *').next(at('2025-01-01T10:00:00Z')).toISOString()).toBe(
      '2025-01-01T13:00:00.000Z',
    );
    // 2025-01-01 is a Wednesday; next Sunday (0 or 7) is the 5th
    expect(parseSchedule('30 1 * * 0').next(at('2025-01-01T00:00:00Z')).toISOString()).toBe(
      '2025-01-05T01:30:00.000Z',
    );
    expect(parseSchedule('30 1 * * 7').next(at('2025-01-01T00:00:00Z')).toISOString()).toBe(
      '2025-01-05T01:30:00.000Z',
    );
    expect(parseSchedule('0 0 1,15 * *').next(at('2025-01-02T00:00:00Z')).toISOString()).toBe(
      '2025-01-15T00:00:00.000Z',
    );
  });

  it('rejects what is neither, naming the field', () => {
    expect(() => parseSchedule('often')).toThrow(/neither an interval/);
    expect(() => parseSchedule('61 * * * *')).toThrow(/minute "61"/);
    expect(() => parseSchedule('0 0 31 2 *')).toThrow(/never matches/);
  });
});
