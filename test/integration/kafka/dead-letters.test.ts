import { ProduceAcks, Producer } from '@platformatic/kafka';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { composeVersion } from '../../../src/core/change-event.js';
import { MysqlDeadLetterStore } from '../../../src/dead-letter/mysql-dead-letter-store.js';
import { EventPassThrough } from '../../../src/kafka/sink/event-mapping.js';
import { KafkaEventSink } from '../../../src/kafka/sink/kafka-event-sink.js';
import type { KafkaSource } from '../../../src/kafka/source/kafka-source.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { dropTopics, header, readTopic, SHARED_BROKERS, waitFor } from './support.js';

/**
 * Poison messages on a topic the index pipeline reads: an undecodable value, a JSON value that is not a
 * change event, and an event whose row the mapping cannot convert. Each goes to `<topic>.dlq` with its
 * reason and origin in headers; the messages after them are indexed, and the group's offsets move past
 * all of them (nothing blocks the partition).
 */
const h = new Harness({
  tables: ['items'],
  setup: 'CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL, name VARCHAR(50) NOT NULL)',
});
const topic = `syncline.${h.db}.items`;
const group = `g-${h.db}`;
const pipeline = `${h.name}-index`;

function event(id: number, qty: unknown, seq: number): ChangeEvent {
  return {
    op: 'c',
    before: null,
    after: { id, qty, name: `物品 ${id}` },
    key: { id },
    source: {
      connector: 'mysql-binlog',
      database: h.db,
      table: 'items',
      position: {
        version: composeVersion(BigInt(seq), 0),
        checkpoint: { gtid: `0-1-${seq}` },
        label: `gtid 0-1-${seq}`,
      },
      snapshot: false,
      tsMs: Date.now(),
    },
    transaction: { id: `0-1-${seq}`, order: 0 },
  };
}

beforeAll(async () => {
  Object.assign(h, {
    config: {
      ...h.config,
      pipelines: [
        {
          name: pipeline,
          source: {
            type: 'kafka',
            topics: [topic],
            groupId: group,
            format: 'syncline',
            batchSize: 100,
            maxWaitMs: 100,
            commitIntervalMs: 100,
            sessionTimeoutMs: 10_000,
            heartbeatIntervalMs: 1_000,
            rebalanceTimeoutMs: 20_000,
            topicRefreshMs: 1_000,
            dlq: { suffix: '.dlq', replicationFactor: 1 },
          },
        },
      ],
    },
  });
  await h.createDatabase();
});
afterAll(async () => {
  await h.clients.db
    .query('DELETE FROM syncline.dead_letters WHERE pipeline = ?', [pipeline])
    .catch(() => {});
  await h.cleanup();
  await dropTopics(`syncline.${h.db}.`, [group]);
});

describe('Kafka source: poison messages', () => {
  it('go to <topic>.dlq with the reason in headers; later messages still land', async () => {
    const deadLetters = new MysqlDeadLetterStore(h.clients.db, h.config.internalDatabase);
    const sink = new KafkaEventSink({
      pipeline: 'dlq-test',
      connection: { brokers: SHARED_BROKERS, clientId: 'syncline-test' },
      topicTemplate: 'syncline.{database}.{table}',
      partitions: 1,
      replicationFactor: 1,
      format: 'syncline',
      retry: { initialMs: 50, maxMs: 1000 },
      deadLetters,
      logger: pino({ level: 'warn' }),
    });
    const mapping = new EventPassThrough((d, t) => sink.topicOf(d, t));
    const publish = async (evs: ChangeEvent[]) => {
      const r = await sink.write(evs.flatMap((e) => mapping.toOps(e)));
      expect(r.ok).toBe(evs.length);
    };
    const raw = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'syncline-test',
      bootstrapBrokers: SHARED_BROKERS,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    try {
      // rows 1–10 good, then three poison messages, then rows 11–40 good
      const rows: Array<[number, number]> = [];
      for (let i = 1; i <= 40; i++) rows.push([i, i * 10]);
      await h.exec('INSERT INTO items (id, qty, name) VALUES ?', [
        rows.map(([id, q]) => [id, q, `物品 ${id}`]),
      ]);
      await publish(rows.slice(0, 10).map(([id, q]) => event(id, q, 100 + id)));
      await raw.send({
        messages: [
          { topic, key: Buffer.from('garbage'), value: Buffer.from('{"op": "c", not json') },
          { topic, key: Buffer.from('not-an-event'), value: Buffer.from('{"hello":"world"}') },
        ],
      });
      await publish([event(999, 'not a number', 500)]);
      await publish(rows.slice(10).map(([id, q]) => event(id, q, 1000 + id)));

      await h.start();
      const d = await h.converge('items', 60_000);
      expect(clean(d)).toEqual({ missing: 0, extra: 0, stale: 0 });
      expect(d.docs).toBe(40);

      const dlq = await readTopic(`${topic}.dlq`, 3);
      expect(dlq).toHaveLength(3);
      const byKind = new Map(dlq.map((m) => [header(m, 'syncline-dlq-kind'), m]));
      const undecodable = dlq.filter((m) => header(m, 'syncline-dlq-kind') === 'undecodable');
      expect(undecodable.map((m) => m.key.toString()).sort()).toEqual(['garbage', 'not-an-event']);
      const garbage = undecodable.find((m) => m.key.toString() === 'garbage')!;
      expect(header(garbage, 'syncline-dlq-reason')).toMatch(/syncline: value is not JSON/);
      expect(garbage.value.toString()).toBe('{"op": "c", not json');
      expect(header(garbage, 'syncline-dlq-topic')).toBe(topic);
      expect(header(garbage, 'syncline-dlq-partition')).toBe('0');
      expect(header(garbage, 'syncline-dlq-offset')).toBe('10');
      expect(header(garbage, 'syncline-dlq-group')).toBe(group);
      const notEvent = undecodable.find((m) => m.key.toString() === 'not-an-event')!;
      expect(header(notEvent, 'syncline-dlq-reason')).toMatch(/syncline: op: expected c, u, d, r or t/);
      expect(header(notEvent, 'syncline-dlq-offset')).toBe('11');
      const conversion = byKind.get('conversion')!;
      expect(conversion).toBeDefined();
      expect(header(conversion, 'syncline-dlq-reason')).toMatch(/qty/);
      expect(header(conversion, 'syncline-dlq-offset')).toBe('12');
      expect(header(conversion, 'syncline-dlq-index')).toBe(h.index('items'));
      // The original record's own headers travel with it.
      expect(header(conversion, 'syncline-op')).toBe('c');
      expect(JSON.parse(conversion.value.toString()).after.id).toBe(999);

      // The rejected event is also in the pipeline's dead-letter store (listed and replayable by the admin API).
      const stored = await deadLetters.list({ pipeline });
      expect(stored.map((e) => [e.kind, e.event.after?.id])).toEqual([['conversion', 999]]);

      // The group's committed offset passed every message: nothing is re-read, nothing blocks.
      const src = h.runner!.kafkaPipelines[0]!.source as KafkaSource;
      await waitFor(
        'offsets committed past all 43 messages',
        async () => src.committedOffsets.get(`${topic}:0`) === 43n,
      );
      expect(src.counters.poison).toBe(2);
    } finally {
      await raw.close();
      await sink.close();
    }
  });
});
