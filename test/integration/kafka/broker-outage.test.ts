import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEventSink } from '../../../src/kafka/sink/kafka-event-sink.js';
import type { KafkaSource } from '../../../src/kafka/source/kafka-source.js';
import { LocalStack } from '../../../src/stack/stack.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { testConfig } from '../../helpers/stack.js';
import { checkpointOf, deleteCheckpoints, waitFor } from './support.js';

/**
 * Faults of the broker itself, on a Kafka of this test's own (own data dir, ports 19192/19193), so the
 * shared broker the other tests use is never stopped. LocalStack's down() stops the broker process, up()
 * starts it again on the same data.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-kafka-outage-'));
const PORT = 19192;
const BROKERS = [`127.0.0.1:${PORT}`];
const stack = new LocalStack(testConfig({ stack: { dataDir, kafka: { port: PORT, heap: '384m' } } }));

beforeAll(async () => {
  await stack.up(['kafka']);
});
afterAll(async () => {
  await stack.down(['kafka']);
  rmSync(dataDir, { recursive: true, force: true });
});

function harness() {
  const h = new Harness({
    tables: ['items'],
    setup: 'CREATE TABLE items (id INT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(64) NOT NULL)',
  });
  const capture = `${h.name}-capture`;
  const index = `${h.name}-index`;
  Object.assign(h, {
    config: {
      ...h.config,
      kafka: { brokers: BROKERS, clientId: 'syncline-outage' },
      sink: { ...h.config.sink, retry: { initialMs: 100, maxMs: 1_000, maxAttempts: 0 } },
      pipelines: [
        {
          name: capture,
          source: { ...h.config.pipelines[0]!.source, heartbeatMs: 1000 },
          sink: {
            type: 'kafka',
            topicTemplate: 'syncline.{database}.{table}',
            partitions: 3,
            replicationFactor: 1,
            format: 'syncline',
            maxBatchMessages: 5000,
            maxMessageBytes: 1_000_000,
          },
        },
        {
          name: index,
          source: {
            type: 'kafka',
            topics: [`syncline.${h.db}.items`],
            groupId: `g-${h.db}`,
            format: 'syncline',
            batchSize: 1000,
            maxWaitMs: 100,
            commitIntervalMs: 200,
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
  return { h, capture, index };
}

const seqOf = (label: string) => Number(/(\d+)$/.exec(label)?.[1] ?? Number.NaN);

describe('Kafka broker outage (own broker)', () => {
  it('the capture checkpoint does not advance while the broker is down, and catches up after', async () => {
    const { h, capture, index } = harness();
    await h.createDatabase();
    try {
      await h.start();
      await h.exec('INSERT INTO items VALUES ?', [
        Array.from({ length: 200 }, (_, i) => [i + 1, i, 'before']),
      ]);
      expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
      const pipeline = h.runner!.kafkaPipelines.find((k) => k.pipeline.name === capture)!.pipeline;

      await stack.down(['kafka']);
      // The first change after the outage began: the pipeline reads it and blocks on Kafka's ack.
      const conn = await h.clients.db.getConnection();
      const seen = pipeline.stats.eventsIn;
      await conn.query('INSERT INTO items VALUES (1001, 1, ?)', ['during outage']);
      const [[{ g }]] = (await conn.query('SELECT @@last_gtid AS g')) as unknown as [[{ g: string }]];
      conn.release();
      await waitFor('the capture pipeline to read the change', async () => pipeline.stats.eventsIn > seen);
      await new Promise((r) => setTimeout(r, 1_500)); // past checkpointIntervalMs
      const c0 = await checkpointOf(capture);
      expect(c0).toBeDefined();
      expect(seqOf(c0!.label)).toBeLessThan(seqOf(g));

      await h.exec('INSERT INTO items VALUES ?', [
        Array.from({ length: 100 }, (_, i) => [2001 + i, i, 'during outage']),
      ]);
      await waitFor(
        'the capture pipeline to read 100 more',
        async () => pipeline.stats.eventsIn >= seen + 101,
      );
      await new Promise((r) => setTimeout(r, 3_000));
      // Read but not acknowledged by Kafka: neither the stored nor the in-memory checkpoint moved.
      expect(await checkpointOf(capture)).toEqual(c0);
      // In memory too: the acknowledged position stays before the first change Kafka has not acked.
      expect(seqOf(pipeline.position!.label)).toBeLessThan(seqOf(g));

      await stack.up(['kafka']);
      const d = await h.converge('items', 120_000);
      expect(clean(d)).toEqual({ missing: 0, extra: 0, stale: 0 });
      expect(d.rows).toBe(301);
      // The pipeline settles acknowledged batches when the source hands it the next one (on a quiet
      // database that is the next change): one more row, then the checkpoint must be past the outage.
      await h.exec('INSERT INTO items VALUES (3001, 1, ?)', ['after']);
      await waitFor('the checkpoint to pass the outage', async () => {
        const c = await checkpointOf(capture);
        return c && seqOf(c.label) >= seqOf(g);
      });
      const sink = h.runner!.kafkaPipelines.find((k) => k.pipeline.name === capture)!.sink as KafkaEventSink;
      expect(sink.counters.produceFailures).toBeGreaterThan(0);
    } finally {
      await stack.up(['kafka']);
      await h.cleanup();
      await deleteCheckpoints([capture, index]);
    }
  }, 300_000);

  it('a broker restart mid-stream loses nothing', async () => {
    const { h, capture, index } = harness();
    await h.createDatabase();
    try {
      await h.start();
      const CHANGES = 8_000;
      let done = 0;
      let next = 1;
      const writer = (async () => {
        while (done < CHANGES) {
          const conn = await h.clients.db.getConnection();
          await conn.beginTransaction();
          for (let i = 0; i < 20; i++, done++) {
            const id = 1 + ((done * 7919) % Math.max(1, next - 1));
            if (done % 5 === 4 && next > 10) await conn.query('DELETE FROM items WHERE id = ?', [id]);
            else if (done % 2 === 0 || next < 10)
              await conn.query('INSERT INTO items VALUES (?, ?, ?)', [next++, done, `n${done}`]);
            else await conn.query('UPDATE items SET qty = qty + 1, note = ? WHERE id = ?', [`u${done}`, id]);
          }
          await conn.commit();
          conn.release();
          await new Promise((r) => setImmediate(r));
        }
      })();
      await waitFor('a third of the changes', async () => done >= CHANGES / 3, 120_000, 50);
      await stack.down(['kafka']);
      await new Promise((r) => setTimeout(r, 3_000));
      await stack.up(['kafka']);
      await writer;
      const d = await h.converge('items', 180_000);
      expect(clean(d)).toEqual({ missing: 0, extra: 0, stale: 0 });
      expect(d.rows).toBeGreaterThan(1000);
      const sink = h.runner!.kafkaPipelines.find((k) => k.pipeline.name === capture)!.sink as KafkaEventSink;
      const source = h.runner!.kafkaPipelines.find((k) => k.pipeline.name === index)!.source as KafkaSource;
      // The outage was felt on both sides and survived by retrying, not by luck.
      expect(sink.counters.produceFailures + source.counters.reconnects).toBeGreaterThan(0);
    } finally {
      await h.cleanup();
      await deleteCheckpoints([capture, index]);
    }
  }, 300_000);
});
