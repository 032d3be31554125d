import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { type ColumnType, type TableColumns, unknownColumn } from '../../../src/mapping/column-types.js';
import { ConversionError } from '../../../src/mapping/errors.js';
import {
  adaptForeignValue,
  decimalFromBytes,
  durationToTime,
  epochToWall,
  isoToUtc,
} from '../../../src/mapping/foreign-values.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { pageSql } from '../../../src/sources/polling/keyset.js';
import { createSchedule } from '../../../src/sources/polling/schedule.js';
import { triggerName } from '../../../src/sources/polling/tombstones.js';

const col = (name: string, type: string, extra: Partial<ColumnType> = {}): ColumnType => ({
  ...unknownColumn(name),
  type,
  columnType: type,
  ...extra,
});

const COLUMNS: TableColumns = {
  database: 'shop',
  table: 'items',
  columns: [
    col('id', 'int'),
    col('name', 'varchar', { charset: 'utf8mb4' }),
    col('updated_at', 'datetime', { fsp: 6, columnType: 'datetime(6)' }),
    col('ver', 'bigint'),
  ],
  primaryKey: ['id'],
};

function event(op: ChangeEvent['op'], row: Record<string, unknown>, version = 5n): ChangeEvent {
  return {
    op,
    before: op === 'd' || op === 'u' ? row : null,
    after: op === 'd' ? null : row,
    key: { id: row.id },
    source: {
      connector: 'mysql-binlog',
      database: 'shop',
      table: 'items',
      position: { version, checkpoint: {}, label: '' },
      snapshot: false,
      tsMs: 0,
    },
  };
}

describe('keyset page SQL', () => {
  it('expands (tracking, key) > cursor and bounds by the lag', () => {
    const q = pageSql({
      database: 'shop',
      table: 'items',
      order: ['updated_at', 'a', 'b'],
      after: ['2024-01-01 00:00:00.000000', 1, 'x'],
      upTo: '2024-01-02 00:00:00.000000',
      limit: 100,
    });
    expect(q.sql).toBe(
      'SELECT * FROM `shop`.`items` WHERE `updated_at` IS NOT NULL AND ((`updated_at` > ?) OR (`updated_at` = ? AND `a` > ?) OR (`updated_at` = ? AND `a` = ? AND `b` > ?)) AND `updated_at` <= ? ORDER BY `updated_at`, `a`, `b` LIMIT 100',
    );
    expect(q.values).toEqual([
      '2024-01-01 00:00:00.000000',
      '2024-01-01 00:00:00.000000',
      1,
      '2024-01-01 00:00:00.000000',
      1,
      'x',
      '2024-01-02 00:00:00.000000',
    ]);
    expect(pageSql({ database: 'd', table: 't', order: ['v', 'id'], after: null, limit: 5 }).values).toEqual(
      [],
    );
  });
});

describe('mappings[].versionColumn', () => {
  const mapping = new TableMapping(
    { table: 'shop.items', index: 'items', versionColumn: 'updated_at' },
    COLUMNS,
  );

  it('derives the version from the row: µs × 2 for writes, × 2 + 1 for deletes, whatever the source', () => {
    const row = { id: 1, name: 'a', updated_at: '2024-01-02 03:04:05.000007', ver: 3 };
    const micros = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000n + 7n;
    expect(mapping.toOps(event('u', row, 1n))[0]!.version).toBe(micros * 2n);
    expect(mapping.toOps(event('r', row, 999n))[0]!.version).toBe(micros * 2n);
    expect(mapping.toOps(event('d', row, 1n))[0]!.version).toBe(micros * 2n + 1n);
    // a later write outranks the delete of the earlier state
    const later = { ...row, updated_at: '2024-01-02 03:04:05.000008' };
    expect(mapping.toOps(event('c', later))[0]!.version).toBeGreaterThan(micros * 2n + 1n);
  });

  it('integer version columns; a delete without its before-image cannot be versioned', () => {
    const byVer = new TableMapping({ table: 'shop.items', index: 'items', versionColumn: 'ver' }, COLUMNS);
    expect(byVer.toOps(event('u', { id: 1, ver: '41' }))[0]!.version).toBe(82n);
    const bare: ChangeEvent = { ...event('d', { id: 1 }), before: null };
    expect(() => byVer.toOps(bare)).toThrow(ConversionError);
    expect(() => byVer.toOps(event('u', { id: 1, ver: null }))).toThrow(/versionColumn: is NULL/);
  });

  it('refuses a missing or unsuitable column at load', () => {
    for (const versionColumn of ['nope', 'name']) {
      let error: unknown;
      try {
        new TableMapping({ table: 'shop.items', index: 'items', versionColumn }, COLUMNS);
      } catch (e) {
        error = e;
      }
      expect(isSynclineError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain('mappings[shop.items].versionColumn');
    }
  });

  it('without versionColumn the event version is kept', () => {
    const plain = new TableMapping({ table: 'shop.items', index: 'items' }, COLUMNS);
    expect(plain.toOps(event('u', { id: 1, updated_at: '2024-01-02 03:04:05' }, 77n))[0]!.version).toBe(77n);
  });
});

describe('foreign values', () => {
  it('epochs, durations, ISO instants and Connect decimals', () => {
    expect(epochToWall(1704164645123, 1000n)).toBe('2024-01-02 03:04:05.123000');
    expect(epochToWall('1704164645123456', 1_000_000n)).toBe('2024-01-02 03:04:05.123456');
    expect(epochToWall(-1, 1000n)).toBe('1969-12-31 23:59:59.999000');
    expect(durationToTime(-3_723_000_001n, 1_000_000n)).toBe('-01:02:03.000001');
    expect(durationToTime(3_600_000_000n * 100n, 1_000_000n)).toBe('100:00:00.000000');
    expect(isoToUtc('2024-01-02T11:04:05.5+08:00')).toBe('2024-01-02T03:04:05.500000Z');
    expect(isoToUtc('2024-01-02T03:04:05Z')).toBe('2024-01-02T03:04:05.000000Z');
    expect(decimalFromBytes(Buffer.from('CSdc', 'base64'), 2)).toBe('5999.00');
    expect(decimalFromBytes(Buffer.from([0xff, 0x38]), 2)).toBe('-2.00');
    expect(decimalFromBytes(Buffer.from([0x05]), 3)).toBe('0.005');
  });

  it('by connector and column type; values already in reader form are left alone', () => {
    const blob = col('b', 'varbinary');
    expect(adaptForeignValue('canal', blob, '\u0000ÿ')).toEqual(Buffer.from([0, 255]));
    expect(adaptForeignValue('maxwell', blob, 'AP8Q')).toEqual(Buffer.from([0, 255, 16]));
    expect(adaptForeignValue('maxwell', col('j', 'json'), 'text')).toBe('"text"');
    expect(adaptForeignValue('debezium', col('d', 'datetime', { fsp: 0 }), 1704164645000)).toBe(
      '2024-01-02 03:04:05.000000',
    );
    expect(adaptForeignValue('debezium', col('d', 'datetime', { fsp: 6 }), 1704164645000001)).toBe(
      '2024-01-02 03:04:05.000001',
    );
    expect(adaptForeignValue('debezium', col('d', 'date'), 19724)).toBe('2024-01-02');
    expect(adaptForeignValue('debezium', col('p', 'decimal', { scale: 2 }), 'CSdc')).toBe('5999.00');
    expect(adaptForeignValue('debezium', col('p', 'decimal', { scale: 2 }), '12.50')).toBe('12.50');
    expect(adaptForeignValue('debezium', col('x', 'bit'), 'AQI=')).toEqual(Buffer.from([2, 1]));
    expect(adaptForeignValue('debezium', col('d', 'datetime'), '2024-01-02 03:04:05')).toBe(
      '2024-01-02 03:04:05',
    );
    const buf = Buffer.from([1]);
    expect(adaptForeignValue('maxwell', blob, buf)).toBe(buf);
    expect(adaptForeignValue('mysql-binlog', blob, 'AP8Q')).toBe('AP8Q');
  });
});

describe('schedule and trigger names', () => {
  it('interval or cron; a bad cron names the key', () => {
    expect(createSchedule({ intervalMs: 250 }, 'x').delayMs(new Date())).toBe(250);
    const every5 = createSchedule({ intervalMs: 1, cron: '*/5 * * * * *' }, 'x');
    expect(every5.delayMs(new Date('2024-01-01T00:00:01.000Z'))).toBe(4000);
    expect(() => createSchedule({ intervalMs: 1, cron: 'every minute' }, 'pipelines[p].source')).toThrow(
      /pipelines\[p\]\.source\.cron/,
    );
  });

  it('trigger names fit MariaDB’s 64 characters', () => {
    expect(triggerName('items')).toBe('syncline_tombstone_items');
    const long = triggerName('x'.repeat(64));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(triggerName(`${'x'.repeat(63)}y`));
  });
});
