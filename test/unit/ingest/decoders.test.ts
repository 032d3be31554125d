import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import {
  decodeCanal,
  decodeDebezium,
  decodeMaxwell,
  decoders,
  type IngestFormat,
  type IngestMessage,
  isTombstoneEvent,
  parseIngestJson,
  splitMessages,
} from '../../../src/sources/ingest/index.js';

const fixture = (format: IngestFormat, name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/ingest/${format}/${name}.json`, import.meta.url), 'utf8'));

/** Canal and Maxwell stream fixtures hold bodies ({key,value} for Maxwell); Debezium ones Kafka records. */
function records(format: IngestFormat): IngestMessage[] {
  const list = fixture(format, 'stream') as unknown[];
  return format === 'canal' ? list.map((value) => ({ value })) : (list as IngestMessage[]);
}

function decodeAll(format: IngestFormat): ChangeEvent[] {
  return records(format).flatMap((m) => decoders[format](m));
}

describe('ingest decoders on the fixtures', () => {
  it('canal: rows, old values overlaid, DDL ignored, binary decoded from mysqlType', () => {
    const events = decodeAll('canal');
    expect(events.map((e) => `${e.op}:${JSON.stringify(e.key)}`)).toEqual([
      'c:{"id":"1"}',
      'c:{"id":"2"}',
      'u:{"id":"1"}',
      'd:{"id":"2"}',
    ]);
    const update = events[2]!;
    expect(update.before).toMatchObject({ name: '华为手机 Mate 60', price: '5999.00', qty: '3' });
    expect(update.after).toMatchObject({ name: '华为手机 Mate 60 Pro', price: '1799.00' });
    expect(Buffer.isBuffer(events[0]!.after!.photo)).toBe(true);
    expect((events[0]!.after!.photo as Buffer).toString('base64')).toBe('AP8Q');
    expect(events[3]!.after).toBeNull();
    expect(events[3]!.before).toMatchObject({ id: '2' });
    expect(events.every((e) => e.source.connector === 'canal' && e.source.database === 'shop')).toBe(true);
  });

  it('maxwell: bootstrap rows are snapshot reads, markers ignored, keys from primary_key or the Kafka key', () => {
    const events = decodeAll('maxwell');
    expect(events.map((e) => `${e.op}:${JSON.stringify(e.key)}`)).toEqual([
      'r:{"id":3}',
      'c:{"id":1}',
      'c:{"id":2}',
      'u:{"id":1}',
      'd:{"id":2}',
    ]);
    expect(events[0]!.source.snapshot).toBe(true);
    expect(events[3]!.before).toMatchObject({ price: 5999, name: '华为手机 Mate 60' });
    expect(events[1]!.transaction).toEqual({ id: '23396', order: 0 });
    expect(events[4]!.source.tsMs).toBe(1704164647000);
  });

  it('debezium: with and without the schema; logical types decoded from the schema; tombstones', () => {
    const events = decodeAll('debezium');
    expect(events.map((e) => `${e.op}:${JSON.stringify(e.key)}`)).toEqual([
      'r:{"id":3}',
      'c:{"id":1}',
      'c:{"id":2}',
      'u:{"id":1}',
      'd:{"id":2}',
      'd:{"id":2}',
      'd:{"id":3}',
    ]);
    const created = events[1]!.after!;
    expect(created.price).toBe('5999.00');
    expect(created.created).toBe('2024-01-02');
    expect(created.updated_at).toBe('2024-01-02 03:04:05.123456');
    expect(created.stamp).toBe('2024-01-02T03:04:05.123456Z');
    expect((created.photo as Buffer).toString('base64')).toBe('AP8Q');
    // without the schema the values stay as Debezium wrote them (the mapping decodes them by column type)
    expect(events[2]!.after!.price).toBe('B8Y=');
    expect(events[2]!.after!.updated_at).toBe(1704240000000000);
    expect(events[0]!.source.snapshot).toBe(true);
    expect(isTombstoneEvent(events[5]!)).toBe(true);
    expect(events[5]!.source.position.version).toBe(0n);
    expect(events[6]!.source).toMatchObject({ database: 'shop', table: 'products' });
    expect(isTombstoneEvent(events[4]!)).toBe(false);
  });

  it.each(['canal', 'maxwell', 'debezium'] as const)('%s: versions grow with the position', (format) => {
    const events = decodeAll(format).filter((e) => !isTombstoneEvent(e));
    const versions = events.map((e) => e.source.position.version);
    for (let i = 1; i < versions.length; i++) expect(versions[i]! >= versions[i - 1]!).toBe(true);
    expect(versions.every((v) => v > 0n && v < 1n << 63n)).toBe(true);
    // two rows of one message / one transaction still differ
    expect(new Set(versions).size).toBe(versions.length);
  });

  it.each(['canal', 'maxwell', 'debezium'] as const)(
    '%s: malformed messages are rejected with the reason',
    (format) => {
      const cases = fixture(format, 'malformed') as Array<{ reason: string; message: unknown }>;
      expect(cases.length).toBeGreaterThan(5);
      for (const c of cases) {
        const message = (format === 'debezium' ? c.message : { value: c.message }) as IngestMessage;
        let error: unknown;
        try {
          decoders[format](message);
        } catch (e) {
          error = e;
        }
        expect(isSynclineError(error, 'EVENT_INVALID'), `${format}: ${c.reason}`).toBe(true);
        expect((error as Error).message).toContain(c.reason);
      }
    },
  );

  it('the direct decoder functions match the decoders table', () => {
    const canal = (fixture('canal', 'stream') as unknown[])[0];
    expect(decodeCanal(canal)).toEqual(decoders.canal({ value: canal }));
    const mx = (fixture('maxwell', 'stream') as IngestMessage[])[1]!;
    expect(decodeMaxwell(mx.value, mx.key)).toEqual(decoders.maxwell(mx));
    const dbz = (fixture('debezium', 'stream') as IngestMessage[])[1]!;
    expect(decodeDebezium(dbz)).toEqual(decoders.debezium(dbz));
    expect(() => decoders.canal({ value: null })).toThrow(/canal: value: empty message/);
  });
});

describe('ingest JSON', () => {
  it('keeps digits JSON.parse would round', () => {
    expect(
      parseIngestJson('{"a":18446744073709551615,"b":12345678901234567.89,"c":1.5,"s":"12345678901234567"}'),
    ).toEqual({
      a: '18446744073709551615',
      b: '12345678901234567.89',
      c: 1.5,
      s: '12345678901234567',
    });
  });

  it('splits arrays, NDJSON and single messages', () => {
    expect(splitMessages('[{"a":1},{"a":2}]')).toEqual({ messages: [{ a: 1 }, { a: 2 }], single: false });
    expect(splitMessages('{"a":1}\n{"a":2}\n')).toEqual({ messages: [{ a: 1 }, { a: 2 }], single: false });
    expect(splitMessages('{"a":1}')).toEqual({ messages: [{ a: 1 }], single: true });
    const bad = splitMessages('{"a":1}\nnot json');
    expect(bad.messages).toHaveLength(2);
    expect(bad.messages[1]).toHaveProperty('reason');
  });
});
