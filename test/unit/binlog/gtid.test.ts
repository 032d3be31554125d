import { describe, expect, it } from 'vitest';
import {
  advance,
  formatGtidPosition,
  hasReached,
  parseGtid,
  parseGtidPosition,
} from '../../../src/sources/mysql-binlog/streaming/gtid.js';

describe('MariaDB GTID positions', () => {
  it('parses and formats, keeping u64 sequence numbers exact', () => {
    expect(parseGtid('0-1-18446744073709551615').seqNo).toBe(18446744073709551615n);
    const p = parseGtidPosition('1-2-55, 0-1-1234');
    expect(formatGtidPosition(p)).toBe('0-1-1234,1-2-55');
    expect(parseGtidPosition('').size).toBe(0);
  });

  it('rejects garbage and duplicate domains', () => {
    expect(() => parseGtidPosition('0-1-x')).toThrow(/not a MariaDB GTID/);
    expect(() => parseGtidPosition('0-1-1,0-2-2')).toThrow(/twice/);
    expect(() => parseGtid('uuid:1-5')).toThrow();
  });

  it('advance overwrites the domain of the transaction, keeps the others', () => {
    const p = advance(parseGtidPosition('0-1-10,1-2-5'), parseGtid('1-3-6'));
    expect(formatGtidPosition(p)).toBe('0-1-10,1-3-6');
  });

  it('hasReached compares per domain of the target', () => {
    const ours = parseGtidPosition('0-1-10,1-2-5');
    expect(hasReached(ours, parseGtidPosition('0-1-10'))).toBe(true);
    expect(hasReached(ours, parseGtidPosition('0-1-11'))).toBe(false);
    expect(hasReached(ours, parseGtidPosition('0-1-9,1-2-5'))).toBe(true);
    expect(hasReached(ours, parseGtidPosition('2-1-1'))).toBe(false);
    expect(hasReached(ours, parseGtidPosition(''))).toBe(true);
  });
});
