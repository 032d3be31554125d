import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { composeVersion } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { eventFromJson, eventToJson } from '../../../src/core/event-json.js';
import { fromSynclineDebezium, isSynclineDebezium } from '../../../src/kafka/debezium-form.js';
import { encodeEvent, HEADER } from '../../../src/kafka/envelope.js';
import { decodeEventJson, encodeEventJson } from '../../../src/kafka/event-codec.js';
import { messageKey, partitionOf } from '../../../src/kafka/message-key.js';
import { compileTopicTemplate } from '../../../src/kafka/sink/topic-naming.js';
import { validateEvent } from '../../../src/kafka/source/event-validation.js';
import { createMessageDecoder } from '../../../src/kafka/source/message-decoder.js';
import type { RawMessage } from '../../../src/kafka/source/raw-message.js';
import { checkKafkaSource } from '../../../src/kafka/source/source-config.js';
import { decoders, isTombstoneEvent, parseIngestJson } from '../../../src/sources/ingest/index.js';

const ev = (over: Partial<ChangeEvent> = {}): ChangeEvent => ({
  op: 'u',
  before: { id: 8, sku: 'a|b', price: '19.90', img: Buffer.from([0, 1, 255]) },
  after: { id: 8, sku: 'a|b', price: '17.90', img: Buffer.from([0, 1, 254]), big: 9007199254740993n },
  key: { id: 8, sku: 'a|b' },
  source: {
    connector: 'mysql-binlog',
    database: 'shop',
    table: 'products',
    position: { version: composeVersion(1236n, 1), checkpoint: { gtid: '0-1-1236' }, label: 'gtid 0-1-1236' },
    snapshot: false,
    tsMs: 1704272400000,
  },
  transaction: { id: '0-1-1236', order: 1 },
  ...over,
});

const raw = (
  m: { key: string; value: Buffer; headers: Record<string, string> },
  topic = 't',
): RawMessage => ({
  topic,
  partition: 0,
  offset: 0n,
  key: Buffer.from(m.key),
  value: m.value,
  headers: new Map(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)])),
  timestamp: 0n,
});

describe('message key and partition', () => {
  it('is the table plus the key values in their canonical string form', () => {
    expect(messageKey(ev())).toBe('shop.products|8|a\\|b');
    // the snapshot reads BIGINT as a digit string, the binlog as a number: same key, same partition
    const a = messageKey(ev({ key: { id: '7' } }));
    const b = messageKey(ev({ key: { id: 7 } }));
    expect(a).toBe(b);
    expect(partitionOf(a, 6)).toBe(partitionOf(b, 6));
    expect(messageKey(ev({ op: 't', key: {} }))).toBe('shop.products');
  });

  it('places keys like the Java client default partitioner (murmur2, positive, modulo)', () => {
    // Expected values printed by org.apache.kafka.common.utils.Utils.murmur2 + toPositive % 6 (kafka-clients 4.4.0).
    expect(partitionOf('shop.products|42', 6)).toBe(2);
    expect(partitionOf('shop.products|8|a\\|b', 6)).toBe(0);
    expect(partitionOf('t_db.orders|1', 6)).toBe(4);
    expect(partitionOf('订单|7', 6)).toBe(0);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[partitionOf(`shop.products|${i}`, 6)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800); // every partition gets its share
  });
});

describe('topic template', () => {
  it('fills placeholders and replaces characters Kafka does not allow', () => {
    const t = compileTopicTemplate('syncline.{database}.{table}');
    expect(t({ database: 'shop', table: 'products', pipeline: 'p' })).toBe('syncline.shop.products');
    expect(t({ database: 'shop', table: 'prod$ucts 表', pipeline: 'p' })).toBe('syncline.shop.prod_ucts__');
    expect(compileTopicTemplate('{pipeline}-all')({ database: 'd', table: 't', pipeline: 'cap' })).toBe(
      'cap-all',
    );
  });

  it('rejects unknown placeholders and illegal literal text, naming the key', () => {
    const e1 = (() => {
      try {
        compileTopicTemplate('syncline.{schema}.{table}');
      } catch (e) {
        return e;
      }
    })();
    expect(isSynclineError(e1, 'CONFIG_INVALID')).toBe(true);
    expect((e1 as Error).message).toMatch(/sink.topicTemplate: unknown placeholder \{schema\}/);
    expect(() => compileTopicTemplate('sync line/{table}')).toThrow(/characters Kafka does not allow/);
  });
});

describe('envelopes', () => {
  it('syncline: the event JSON with bigints and bytes intact, and the headers', () => {
    const m = encodeEvent(ev(), 'syncline', 'cap');
    expect(m.headers).toEqual({
      [HEADER.op]: 'u',
      [HEADER.version]: composeVersion(1236n, 1).toString(),
      [HEADER.position]: 'gtid 0-1-1236',
      [HEADER.table]: 'shop.products',
      [HEADER.format]: 'syncline',
    });
    expect(eventFromJson(m.value.toString())).toEqual(ev());
    const [back] = createMessageDecoder('syncline')(raw(m));
    expect(back).toEqual(ev());
  });

  it("debezium: Debezium's envelope, decoded back to the same event by the Kafka source", () => {
    const m = encodeEvent(ev(), 'debezium', 'cap');
    const v = JSON.parse(m.value.toString());
    expect(v).toMatchObject({
      op: 'u',
      before: { id: 8, price: '19.90', img: Buffer.from([0, 1, 255]).toString('base64') },
      after: { id: 8, price: '17.90', big: '9007199254740993' },
      source: { connector: 'mysql', name: 'cap', db: 'shop', table: 'products', gtid: '0-1-1236', row: 1 },
      transaction: { id: '0-1-1236', total_order: 2 },
    });
    expect(isSynclineDebezium(v)).toBe(true);
    expect(m.headers[HEADER.binary]).toBe('img');
    const [back] = createMessageDecoder('debezium')(raw(m));
    expect(back!.source.position.version).toBe(ev().source.position.version);
    expect(back!.before).toEqual(ev().before);
    expect(back!.after).toEqual({ ...ev().after, big: '9007199254740993' });
    expect(back!.key).toEqual(ev().key);
    expect(back!.transaction).toEqual(ev().transaction);
    expect(fromSynclineDebezium(v, undefined, []).key).toEqual({});
  });

  it('a foreign Debezium envelope goes through the ingest decoder; its tombstones are skipped', () => {
    const decode = createMessageDecoder('debezium');
    const value = {
      before: null,
      after: { id: 1, name: 'x' },
      source: {
        connector: 'mysql',
        db: 'inventory',
        table: 'customers',
        file: 'mysql-bin.000003',
        pos: 154,
        row: 0,
      },
      op: 'c',
      ts_ms: 1,
    };
    const [e] = decode(raw({ key: '{"id":1}', value: Buffer.from(JSON.stringify(value)), headers: {} }));
    expect(e).toMatchObject({
      op: 'c',
      source: { connector: 'debezium', database: 'inventory', table: 'customers' },
    });
    const tomb = decode({
      ...raw({ key: '{"id":1}', value: Buffer.alloc(0), headers: {} }, 'dbserver1.inventory.customers'),
      value: undefined,
    });
    expect(tomb).toEqual([]);
  });
});

describe('poison messages are rejected with the reason', () => {
  const decode = createMessageDecoder('syncline');
  const reason = (value: string) => {
    try {
      decode(raw({ key: 'k', value: Buffer.from(value), headers: {} }));
      return 'accepted';
    } catch (e) {
      expect(isSynclineError(e, 'EVENT_INVALID')).toBe(true);
      return (e as Error).message;
    }
  };

  it.each([
    ['{nope', /syncline: value is not JSON/],
    ['[1,2]', /syncline: value: expected a JSON object/],
    ['{"op":"x"}', /syncline: op: expected c, u, d, r or t/],
    [
      '{"op":"c","before":null,"after":{"id":1},"key":{"id":1},"source":{"connector":"x","database":"d","table":"t","position":{"version":5,"checkpoint":{},"label":""},"snapshot":false,"tsMs":0}}',
      /source.position.version: expected \{"\$bigint"/,
    ],
    [
      '{"op":"c","before":null,"after":null,"key":{"id":1},"source":{"connector":"x","database":"d","table":"t","position":{"version":{"$bigint":"5"},"checkpoint":{},"label":""},"snapshot":false,"tsMs":0}}',
      /after: op c needs "after"/,
    ],
  ])('%s', (value, why) => {
    expect(reason(value)).toMatch(why);
  });

  it('a valid event passes and an empty value (tombstone) is nothing to index', () => {
    expect(validateEvent(eventFromJson(encodeEvent(ev(), 'syncline', 'p').value.toString()))).toEqual(ev());
    expect(decode({ ...raw({ key: 'k', value: Buffer.alloc(0), headers: {} }), value: undefined })).toEqual(
      [],
    );
  });
});

describe('Kafka source config', () => {
  const base = {
    type: 'kafka' as const,
    format: 'syncline' as const,
    batchSize: 1000,
    maxWaitMs: 500,
    commitIntervalMs: 1000,
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 3_000,
    rebalanceTimeoutMs: 60_000,
    topicRefreshMs: 30_000,
    dlq: { suffix: '.dlq', replicationFactor: 1 },
  };
  it('defaults the group to syncline.<pipeline>', () => {
    expect(checkKafkaSource('idx', { ...base, topics: ['a'] })).toEqual({ groupId: 'syncline.idx' });
  });
  it.each([
    [{}, /pipelines\[idx\].source.topics: a Kafka source needs topics/],
    [{ topics: ['a'], topicPattern: 'a.*' }, /topics or topicPattern, not both/],
    [{ topicPattern: '(' }, /topicPattern: not a valid regular expression/],
    [
      { topics: ['a'], heartbeatIntervalMs: 20_000 },
      /heartbeatIntervalMs: must be at most sessionTimeoutMs \/ 3/,
    ],
    [{ topics: ['a'], rebalanceTimeoutMs: 10_000 }, /rebalanceTimeoutMs: must be at least sessionTimeoutMs/],
    [{ topics: ['a.dlq'] }, /"a.dlq" is a dead-letter topic/],
  ])('%o is refused', (over, why) => {
    expect(() => checkKafkaSource('idx', { ...base, ...over })).toThrow(why);
  });
});

describe('event-json fast path (Kafka hot path)', () => {
  const cases: Array<[string, ChangeEvent]> = [
    ['bigints and bytes in rows', ev()],
    ['delete without after', ev({ op: 'd', after: null })],
    ['truncate', ev({ op: 't', before: null, after: null, key: {} })],
    [
      'no transaction, nulls',
      ev({ transaction: undefined, after: { id: 1, v: null } } as Partial<ChangeEvent>),
    ],
    [
      'a row value that is an object (generic path)',
      ev({ after: { id: 1, geo: { x: 1, y: { $bigint: '5' } } } }),
    ],
    [
      'bigint in the checkpoint',
      ev({
        source: {
          ...ev().source,
          position: { version: 7n, checkpoint: { cursor: 99n, buf: Buffer.from('a') }, label: 'l' },
        },
      }),
    ],
  ];
  it.each(cases)('%s: same text as eventToJson, same event as eventFromJson', (_name, e) => {
    const fast = encodeEventJson(e);
    expect(fast).toBe(eventToJson(e));
    expect(decodeEventJson(fast)).toEqual(eventFromJson(fast));
  });
});

describe('foreign formats from Kafka records (the ingest fixtures as Kafka messages)', () => {
  const fixture = (format: string, name: string): unknown =>
    JSON.parse(
      readFileSync(new URL(`../../fixtures/ingest/${format}/${name}.json`, import.meta.url), 'utf8'),
    );
  const asRecord = (m: { key?: unknown; value: unknown; topic?: string }, topic = 't'): RawMessage => ({
    topic: m.topic ?? topic,
    partition: 0,
    offset: 0n,
    key: m.key === undefined ? undefined : Buffer.from(JSON.stringify(m.key)),
    value: m.value === null ? undefined : Buffer.from(JSON.stringify(m.value)),
    headers: new Map(),
    timestamp: 0n,
  });

  it.each(['canal', 'maxwell', 'debezium'] as const)(
    '%s: the same events as the ingest decoder gives',
    (format) => {
      const list = fixture(format, 'stream') as Array<Record<string, unknown>>;
      type Msg = { key?: unknown; value: unknown; topic?: string };
      const messages: Msg[] = format === 'canal' ? list.map((value) => ({ value })) : (list as Msg[]);
      const viaKafka = messages.flatMap((m) => createMessageDecoder(format)(asRecord(m)));
      // The transports parse bodies losslessly (parseIngestJson): compare with the decoder on the same parse.
      const reparse = (v: unknown) =>
        v === undefined || v === null ? v : parseIngestJson(JSON.stringify(v));
      const direct = messages
        .flatMap((m) =>
          decoders[format]({ key: reparse(m.key), value: reparse(m.value), topic: m.topic ?? 't' }),
        )
        .filter((e) => !isTombstoneEvent(e));
      expect(viaKafka.length).toBeGreaterThan(0);
      expect(viaKafka).toEqual(direct);
    },
  );

  it.each(['canal', 'maxwell', 'debezium'] as const)(
    '%s: malformed messages are rejected with the reason',
    (format) => {
      const bad = fixture(format, 'malformed') as Array<{ reason: string; message: unknown }>;
      for (const { reason, message } of bad) {
        const m = format === 'canal' ? { value: message } : (message as { key?: unknown; value: unknown });
        const record = asRecord(
          format === 'canal' || !(m && typeof m === 'object' && 'value' in m) ? { value: message } : m,
        );
        let error: unknown;
        try {
          createMessageDecoder(format)(record);
        } catch (e) {
          error = e;
        }
        expect(isSynclineError(error, 'EVENT_INVALID'), `${format}: ${reason}`).toBe(true);
        expect((error as Error).message).toContain(reason);
      }
    },
  );
});
