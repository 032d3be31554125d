import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog } from '../../../src/demo/demo-catalog.js';
import { rng } from '../../../src/demo/seed-data.js';
import type { KafkaSource } from '../../../src/kafka/source/kafka-source.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { testConfig } from '../../helpers/stack.js';
import { deleteCheckpoints, dropTopics, header, readTopic } from './support.js';

/**
 * Binlog → Kafka → OpenSearch on the demo catalog, both pipelines in one `PipelineRunner`: a capture
 * pipeline whose sink is Kafka (snapshot + streaming, topic per table) and an index pipeline that reads
 * those topics as a consumer group. The index must equal each table row by row.
 */
const TABLES = ['categories', 'products', 'users'];

function kafkaHarness(format: 'syncline' | 'debezium') {
  const h: Harness = new Harness({ tables: TABLES, chunkSize: 400 });
  const db = h.db;
  const capture = `${h.name}-capture`;
  const index = `${h.name}-index`;
  Object.assign(h, {
    config: {
      ...h.config,
      pipelines: [
        {
          name: capture,
          source: { ...h.config.pipelines[0]!.source },
          sink: {
            type: 'kafka',
            topicTemplate: 'syncline.{database}.{table}',
            partitions: 4,
            replicationFactor: 1,
            format,
            maxBatchMessages: 5000,
            maxMessageBytes: 1_000_000,
          },
        },
        {
          name: index,
          source: {
            type: 'kafka',
            topicPattern: `syncline\\.${db}\\..*`,
            groupId: `g-${db}`,
            format,
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
  return { h, db, capture, index };
}

async function mixedWorkload(h: Harness, changes: number, seed: number): Promise<void> {
  const r = rng(seed);
  const [[{ maxId }]] = (await h.clients.db.query('SELECT MAX(id) AS maxId FROM products')) as unknown as [
    [{ maxId: number }],
  ];
  let next = Number(maxId) + 1;
  let done = 0;
  while (done < changes) {
    const conn = await h.clients.db.getConnection();
    await conn.beginTransaction();
    for (let i = 0; i < 20; i++, done++) {
      const p = r();
      const id = 1 + Math.floor(r() * (next - 1));
      if (p < 0.5)
        await conn.query('UPDATE products SET price = price + 1, stock = stock - 1, tags = ? WHERE id = ?', [
          JSON.stringify(['更新', `n${done}`]),
          id,
        ]);
      else if (p < 0.8)
        await conn.query(
          'INSERT INTO products (id, name, description, price, category_id, tags, stock) VALUES (?, ?, ?, ?, 1, ?, 5)',
          [next++, `新品 ${done} 手机`, 'x'.repeat(40), (r() * 1000).toFixed(2), '["new"]'],
        );
      else if (p < 0.9) await conn.query('DELETE FROM products WHERE id = ?', [id]);
      else
        await conn.query('UPDATE users SET city = ?, is_active = 1 - is_active WHERE id = ?', [
          `城市${done}`,
          1 + (id % 300),
        ]);
    }
    await conn.commit();
    conn.release();
  }
}

describe.each(['syncline', 'debezium'] as const)('binlog → Kafka → OpenSearch (format %s)', (format) => {
  const { h, db, capture, index } = kafkaHarness(format);

  beforeAll(async () => {
    await h.createDatabase();
    await seedDemoCatalog(h.clients.db, {
      products: format === 'syncline' ? 3000 : 1000,
      users: 300,
      seed: 7,
    });
  });
  afterAll(async () => {
    await h.cleanup();
    await deleteCheckpoints([capture, index]);
    await dropTopics(`syncline.${db}.`, [`g-${db}`]);
  });

  it('snapshot and streaming changes arrive in the index through Kafka; index equals table', async () => {
    await h.start();
    await mixedWorkload(h, format === 'syncline' ? 4000 : 1000, 3);
    for (const t of TABLES) {
      const d = await h.converge(t, 120_000);
      expect(clean(d), t).toEqual({ missing: 0, extra: 0, stale: 0 });
      expect(d.rows, t).toBeGreaterThan(0);
    }
    // Both pipelines really ran through Kafka: the index pipeline consumed as a group member.
    const runner = h.runner!;
    const kp = runner.kafkaPipelines.find((k) => k.kind === 'from-kafka')!;
    const src = kp.source as KafkaSource;
    expect(src.counters.events).toBeGreaterThan(1000);
    expect(src.counters.poison).toBe(0);
    expect(runner.handles).toHaveLength(0);

    // The envelope: key = table + primary key, headers op / version / position / table / format.
    const [m] = await readTopic(`syncline.${db}.categories`, 1);
    expect(m!.key.toString()).toMatch(new RegExp(`^${db}\\.categories\\|\\d+$`));
    expect(header(m!, 'syncline-op')).toBe('r');
    expect(header(m!, 'syncline-version')).toMatch(/^\d+$/);
    expect(header(m!, 'syncline-position')).toMatch(/^gtid /);
    expect(header(m!, 'syncline-table')).toBe(`${db}.categories`);
    expect(header(m!, 'syncline-format')).toBe(format);
    const value = JSON.parse(m!.value.toString());
    if (format === 'syncline') {
      expect(value).toMatchObject({ op: 'r', source: { database: db, table: 'categories', snapshot: true } });
      expect(value.source.position.version.$bigint).toBe(header(m!, 'syncline-version'));
    } else {
      expect(value).toMatchObject({ op: 'r', source: { connector: 'mysql', db, table: 'categories' } });
      expect(value.source.syncline_version).toBe(header(m!, 'syncline-version'));
      expect(value.after.name).toEqual(expect.any(String));
    }

    // Graceful stop commits the group's offsets and leaves the group.
    await h.stop();
    expect(src.committedOffsets.size).toBeGreaterThan(0);
  });
});

describe('polling → Kafka → OpenSearch (any source can publish to Kafka)', () => {
  const h = new Harness({
    tables: ['notes'],
    setup: `CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100) NOT NULL,
      updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), KEY (updated_at, id))`,
  });
  const capture = `${h.name}-poll`;
  const index = `${h.name}-index`;
  beforeAll(async () => {
    Object.assign(h, {
      config: testConfig({
        ...h.config,
        pipelines: [
          {
            name: capture,
            source: { type: 'polling', tables: [`${h.db}.notes`], intervalMs: 100, safetyLagMs: 200 },
            sink: { type: 'kafka', partitions: 2 },
          },
          {
            name: index,
            source: {
              type: 'kafka',
              topics: [`syncline.${h.db}.notes`],
              groupId: `g-${h.db}`,
              maxWaitMs: 100,
              commitIntervalMs: 200,
              topicRefreshMs: 1000,
            },
          },
        ],
      }),
    });
    await h.createDatabase();
  });
  afterAll(async () => {
    await h.cleanup();
    await deleteCheckpoints([capture, index]);
    await dropTopics(`syncline.${h.db}.`, [`g-${h.db}`]);
  });

  it('polled rows reach the index through the topic', async () => {
    await h.exec('INSERT INTO notes (id, body) VALUES ?', [
      Array.from({ length: 300 }, (_, i) => [i + 1, `笔记 ${i}`]),
    ]);
    await h.start();
    await h.exec("UPDATE notes SET body = CONCAT(body, ' (edited)') WHERE id % 3 = 0");
    await h.exec('INSERT INTO notes (id, body) VALUES (1000, ?)', ['late']);
    const d = await h.converge('notes', 60_000);
    expect(clean(d)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(d.rows).toBe(301);
    const kinds = h.runner!.kafkaPipelines.map((k) => [k.pipeline.name, k.kind]);
    expect(kinds).toEqual([
      [capture, 'to-kafka'],
      [index, 'from-kafka'],
    ]);
  });
});
