import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, formatUtc, parseZone } from '../../../src/mapping/time-zone.js';

describe('calendar and zones', () => {
  it('daysFromCivil/civilFromDays agree with Date and with each other across 0000–9999', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2024, 1, 2)).toBe(Date.UTC(2024, 0, 2) / 86400000);
    for (let days = daysFromCivil(0, 1, 1); days <= daysFromCivil(9999, 12, 31); days += 997) {
      const [y, m, d] = civilFromDays(days);
      expect(daysFromCivil(y, m, d)).toBe(days);
    }
    expect(civilFromDays(daysFromCivil(2000, 2, 29))).toEqual([2000, 2, 29]);
  });

  it('formats expanded years outside 0000–9999', () => {
    expect(formatUtc(daysFromCivil(0, 1, 1) * 86400 - 1, '000000')).toBe('-000001-12-31T23:59:59.000000Z');
  });

  it('parses UTC, fixed offsets and IANA names; rejects unknown zones', () => {
    expect(parseZone('UTC')(0)).toBe(0);
    expect(parseZone('Z')(0)).toBe(0);
    expect(parseZone('+08:00')(0)).toBe(8 * 3600);
    expect(parseZone('-0530')(0)).toBe(-(5 * 3600 + 30 * 60));
    expect(parseZone('Asia/Shanghai')(daysFromCivil(2024, 1, 1) * 86400)).toBe(8 * 3600);
    expect(() => parseZone('Mars/Olympus')).toThrow(/unknown time zone/);
    expect(() => parseZone('+25:00')).toThrow(RangeError);
  });
});
