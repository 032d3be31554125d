import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { composeVersion } from '../../../src/core/change-event.js';
import type { DeadLetterStore } from '../../../src/core/interfaces.js';
import { EventPassThrough } from '../../../src/kafka/sink/event-mapping.js';
import { KafkaEventSink } from '../../../src/kafka/sink/kafka-event-sink.js';
import { dropTopics, readTopic, SHARED_BROKERS } from './support.js';

/**
 * A batch bigger than the broker's message.max.bytes (1 MiB by default) for one partition: 2,000 events of
 * ~1 KB into a one-partition topic. Found by the chaos suite: a failover's replay of a backlog into such a
 * topic was refused by the broker on every retry (`Producing messages failed`) and stalled the capture
 * pipeline for good. The sink splits the produce requests; every message arrives, in order.
 */
const db = `large_batch_${Date.now().toString(36)}`;
const COUNT = 2_000;
const deadLetters: DeadLetterStore = {
  put: async () => {
    throw new Error('nothing may be dead-lettered here');
  },
  list: async () => [],
  counts: async () => [],
  remove: async () => 0,
};

function event(id: number): ChangeEvent {
  return {
    op: 'c',
    before: null,
    after: { id, note: `${id} `.padEnd(1000, 'x') },
    key: { id },
    source: {
      connector: 'mysql-binlog',
      database: db,
      table: 'rows',
      position: {
        version: composeVersion(BigInt(id), 0),
        checkpoint: { gtid: `0-1-${id}` },
        label: `gtid 0-1-${id}`,
      },
      snapshot: false,
      tsMs: Date.now(),
    },
    transaction: { id: `0-1-${id}`, order: 0 },
  };
}

afterAll(async () => {
  await dropTopics(`syncline.${db}.`);
});

describe('Kafka sink: one write above the broker message.max.bytes for one partition', () => {
  it('is split into requests the broker accepts; every message arrives in order', async () => {
    const sink = new KafkaEventSink({
      pipeline: 'large-batch',
      connection: { brokers: SHARED_BROKERS, clientId: 'syncline-test' },
      topicTemplate: 'syncline.{database}.{table}',
      partitions: 1,
      replicationFactor: 1,
      format: 'syncline',
      retry: { initialMs: 50, maxMs: 500 },
      deadLetters,
      logger: pino({ level: 'silent' }),
    });
    try {
      const mapping = new EventPassThrough((d, t) => sink.topicOf(d, t));
      const ops = Array.from({ length: COUNT }, (_, i) => mapping.toOps(event(i + 1))).flat();
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 60_000);
      const r = await sink.write(ops, ac.signal);
      clearTimeout(timer);
      expect(r.ok).toBe(COUNT);
      const got = await readTopic(`syncline.${db}.rows`, COUNT);
      expect(got.map((m) => Number(m.key.toString().split('|')[1]))).toEqual(
        Array.from({ length: COUNT }, (_, i) => i + 1),
      );
    } finally {
      await sink.close();
    }
  });
});
