import { describe, expect, it } from 'vitest';
import type { ChangeEvent, Position, Row } from '../../../src/core/change-event.js';
import { columnTypeFromInformationSchema } from '../../../src/mapping/column-types.js';
import type { ChunkTable } from '../../../src/sources/mysql-binlog/snapshot/chunk-reader.js';
import { ChunkWindow } from '../../../src/sources/mysql-binlog/snapshot/chunk-window.js';
import {
  canonicalDecimal,
  type KeyColumnType,
  keyShape,
  nextDouble,
  shortestFloat32,
} from '../../../src/sources/mysql-binlog/snapshot/key-normaliser.js';

/** A key column as INFORMATION_SCHEMA would describe it. */
function col(
  columnType: string,
  o: { length?: number; collation?: string; scale?: number } = {},
): KeyColumnType {
  const dataType = columnType.replace(/\(.*$/, '').split(' ')[0]!;
  return {
    ...columnTypeFromInformationSchema({
      COLUMN_NAME: 'k',
      DATA_TYPE: dataType,
      COLUMN_TYPE: columnType,
      NUMERIC_PRECISION: null,
      NUMERIC_SCALE: o.scale ?? null,
      DATETIME_PRECISION: null,
      CHARACTER_MAXIMUM_LENGTH: o.length ?? null,
      CHARACTER_SET_NAME: o.collation ? 'utf8mb4' : null,
      IS_NULLABLE: 'NO',
    }),
    collation: o.collation ?? null,
  };
}

/** How the window would see a snapshot rendering `a` and a binlog rendering `b` of one key column. */
function compare(t: KeyColumnType, a: unknown, b: unknown): 'exact' | 'near' | 'different' {
  const shape = keyShape(['k'], [t]);
  if (shape.exact({ k: a }) === shape.exact({ k: b })) return 'exact';
  const near = new Set(shape.near({ k: b }));
  return shape.near({ k: a }).some((n) => near.has(n)) ? 'near' : 'different';
}

describe('snapshot key normaliser: one key form from either driver', () => {
  it('DECIMAL and integers compare as numbers, not as text', () => {
    expect(canonicalDecimal('012.5000')).toBe('12.5');
    expect(canonicalDecimal('-0.000')).toBe('0');
    expect(canonicalDecimal('-00.10')).toBe('-0.1');
    expect(canonicalDecimal('18446744073709551615')).toBe('18446744073709551615');
    expect(compare(col('decimal(12,4)', { scale: 4 }), '12.5000', '12.5')).toBe('exact');
    expect(compare(col('decimal(12,4)', { scale: 4 }), '12.5000', '12.5001')).toBe('different');
    expect(compare(col('bigint(20)'), '7', 7)).toBe('exact');
    expect(compare(col('int(11)'), 7, 8)).toBe('different');
  });

  it("FLOAT: the server's 6-digit print and the binlog's float32 are one key", () => {
    expect(shortestFloat32(1.100000023841858)).toBe('1.1');
    expect(compare(col('float'), 1.1, 1.100000023841858)).toBe('exact');
    // A float32 with more digits than the server prints: the text cannot say which float it was.
    expect(compare(col('float'), -851501, -851500.5625)).toBe('near');
    expect(compare(col('float(7,2)', { scale: 2 }), 3.14, Math.fround(3.14))).toBe('exact');
    expect(compare(col('float'), 1.5, 2.5)).toBe('different');
  });

  it('DOUBLE: a text parse off by an ULP or two is near, not exact', () => {
    expect(nextDouble(977.1706419996916, 1)).toBe(977.1706419996917);
    expect(nextDouble(977.1706419996917, -1)).toBe(977.1706419996916);
    expect(nextDouble(-1, 1)).toBeGreaterThan(-1);
    expect(nextDouble(0, -1)).toBeLessThan(0);
    expect(compare(col('double'), 0.1, 0.1)).toBe('exact');
    expect(compare(col('double'), 977.1706419996916, 977.1706419996917)).toBe('near');
    expect(compare(col('double'), 977.17, 977.1706419996917)).toBe('different');
  });

  it('binary keys compare byte for byte (invalid UTF-8 does not merge keys); BINARY(n) is padded', () => {
    // String() of both is "\ufffd": the old string compare struck an unchanged row.
    expect(String(Buffer.from('ff', 'hex'))).toBe(String(Buffer.from('fe', 'hex')));
    expect(compare(col('varbinary(16)'), Buffer.from('ff', 'hex'), Buffer.from('fe', 'hex'))).toBe(
      'different',
    );
    expect(compare(col('varbinary(16)'), Buffer.from('00ff10', 'hex'), Buffer.from('00ff10', 'hex'))).toBe(
      'exact',
    );
    expect(
      compare(col('binary(4)', { length: 4 }), Buffer.from('01020000', 'hex'), Buffer.from('0102', 'hex')),
    ).toBe('exact');
    expect(compare(col('varbinary(4)'), Buffer.from('0102', 'hex'), Buffer.from('010200', 'hex'))).toBe(
      'near',
    );
    expect(compare(col('bit(8)'), Buffer.from([5]), Buffer.from([5]))).toBe('exact');
  });

  it('UUID and INET6: the text of the SELECT and the bytes of the binlog are one key', () => {
    const uuid = '123e4567-e89b-12d3-a456-426614174000';
    expect(compare(col('uuid'), uuid, Buffer.from(uuid.replaceAll('-', ''), 'hex'))).toBe('exact');
    expect(compare(col('uuid'), uuid.toUpperCase(), uuid)).toBe('exact');
    const one = Buffer.alloc(16);
    one[15] = 1;
    expect(compare(col('inet6'), '::1', one)).toBe('exact');
    expect(compare(col('inet6'), '::2', one)).toBe('different');
  });

  it('dates and times: trailing fraction zeros do not matter, the value does', () => {
    const t = col('datetime(6)');
    expect(compare(t, '2024-01-02 03:04:05.500000', '2024-01-02 03:04:05.5')).toBe('exact');
    expect(compare(t, '2024-01-02 03:04:05.000000', '2024-01-02 03:04:05')).toBe('exact');
    expect(compare(t, '2024-01-02 03:04:05.500000', '2024-01-02 03:04:05.500001')).toBe('different');
    expect(compare(col('time(3)'), '-12:03:04.500', '-12:03:04.5')).toBe('exact');
  });

  it('text: exact as stored; near folds what the collation treats as equal', () => {
    const ci = col('varchar(20)', { collation: 'utf8mb4_general_ci' });
    expect(compare(ci, 'abc', 'abc')).toBe('exact');
    expect(compare(ci, 'abc', 'ABC')).toBe('near');
    expect(compare(ci, 'abc', 'abc  ')).toBe('near');
    expect(compare(ci, 'café', 'CAFE')).toBe('near');
    expect(compare(ci, 'abc', 'abd')).toBe('different');
    const bin = col('varchar(20)', { collation: 'utf8mb4_bin' });
    expect(compare(bin, 'abc', 'ABC')).toBe('different');
    expect(compare(bin, 'abc', 'abc ')).toBe('near');
    const nopad = col('varchar(20)', { collation: 'utf8mb4_nopad_bin' });
    expect(compare(nopad, 'abc', 'abc ')).toBe('different');
  });

  it('composite keys combine their columns; without types values compare as given (bytes as bytes)', () => {
    const shape = keyShape(
      ['a', 'b'],
      [
        { ...col('double'), name: 'a' },
        { ...col('int'), name: 'b' },
      ],
    );
    expect(shape.exact({ a: 0.5, b: 1 })).toBe(shape.exact({ a: '0.5', b: '1' }));
    expect(shape.near({ a: 0.5, b: 1 })).toHaveLength(5);
    expect(shape.exact({ a: 0.5, b: 1 })).not.toBe(shape.exact({ a: 0.5, b: 2 }));
    const untyped = keyShape(['k']);
    expect(untyped.exact({ k: 7 })).toBe(untyped.exact({ k: '7' }));
    expect(untyped.exact({ k: Buffer.from('ff', 'hex') })).not.toBe(
      untyped.exact({ k: Buffer.from('fe', 'hex') }),
    );
    expect(untyped.exact({ k: null })).not.toBe(untyped.exact({ k: 'null' }));
  });
});

describe('chunk window with typed keys', () => {
  const table: ChunkTable = {
    qualified: 'd.t',
    database: 'd',
    table: 't',
    keyColumns: ['k'],
    keyTypes: [{ ...col('varchar(20)', { collation: 'utf8mb4_general_ci' }), name: 'k' }],
  };
  const at = { version: 10n, label: 'x', checkpoint: {} } as unknown as Position;
  const change = (before: Row | null, after: Row | null): ChangeEvent => ({
    op: before && after ? 'u' : after ? 'c' : 'd',
    before,
    after,
    key: {},
    source: { connector: 'mysql-binlog', database: 'd', table: 't', position: at, snapshot: false, tsMs: 0 },
  });
  const rows = ['a', 'b', 'c', 'd'].map((k) => ({ k, v: 1 }));
  const emitted = (evs: ChangeEvent[]) => evs.map((e) => e.after!.k);

  it('drops a row the stream changed and passes it; a short chunk ends the table', () => {
    const w = new ChunkWindow('1', table);
    w.onLow();
    w.setRows(rows, 10, null);
    w.onStreamEvent(change({ k: 'b', v: 1 }, { k: 'b', v: 2 }));
    expect(emitted(w.complete(at, 0))).toEqual(['a', 'c', 'd']);
    expect(w.outcome).toEqual({ cursor: ['d'], done: true, passed: 4 });
  });

  it('a row that only nearly matches a change is read again: the chunk ends before it', () => {
    const w = new ChunkWindow('2', table);
    w.onLow();
    w.setRows(rows, 4, ['0']);
    w.onStreamEvent(change(null, { k: 'C', v: 2 }));
    expect(emitted(w.complete(at, 0))).toEqual(['a', 'b']);
    expect(w.outcome).toEqual({ cursor: ['b'], done: false, passed: 2 });
  });

  it('a near match on the first row leaves the cursor where it was', () => {
    const w = new ChunkWindow('3', table);
    w.onLow();
    w.setRows(rows, 10, ['0']);
    w.onStreamEvent(change({ k: 'A ', v: 1 }, null));
    expect(emitted(w.complete(at, 0))).toEqual([]);
    expect(w.outcome).toEqual({ cursor: ['0'], done: false, passed: 0 });
  });

  it('a full chunk does not end the table; a TRUNCATE does; changes before the low watermark do not count', () => {
    const full = new ChunkWindow('4', table);
    full.onStreamEvent(change(null, { k: 'a', v: 9 }));
    full.onLow();
    full.setRows(rows, 4, null);
    expect(emitted(full.complete(at, 0))).toEqual(['a', 'b', 'c', 'd']);
    expect(full.outcome).toEqual({ cursor: ['d'], done: false, passed: 4 });
    const truncated = new ChunkWindow('5', table);
    truncated.onLow();
    truncated.setRows(rows, 4, null);
    truncated.onStreamEvent({ ...change(null, null), op: 't' });
    expect(truncated.complete(at, 0)).toEqual([]);
    expect(truncated.outcome?.done).toBe(true);
  });
});
