import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaSource } from '../../../src/kafka/source/kafka-source.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { deleteCheckpoints, dropTopics } from '../kafka/support.js';
import { RELATIONS, SETUP, seed } from './catalog-fixture.js';
import { apply, CASCADING_DELETES, expectConverged, RELATED_CHANGES } from './source-scenario.js';

/**
 * Built documents on the Kafka path: binlog capture → one topic per table → an index pipeline in a
 * consumer group that rebuilds the roots from the current rows. Topics of different tables are read in
 * no common order; a rebuild reads the rows after the event that caused it, and carries its version, so
 * the documents end equal to the JOIN rendering whatever the interleaving. The index pipeline names its
 * tables (source.tables), the path that used to drop the rebuilds.
 */
const h = new Harness({ tables: [], setup: SETUP });
const index = () => `${h.db}_products`;
const capture = () => `${h.name}-capture`;
const indexer = () => `${h.name}-index`;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db);
  h.config.mappings.push({
    table: `${h.db}.products`,
    index: index(),
    relations: RELATIONS,
  } as unknown as (typeof h.config.mappings)[number]);
  h.config.pipelines = [
    {
      name: capture(),
      source: { ...h.config.pipelines[0]!.source },
      sink: {
        type: 'kafka',
        topicTemplate: 'syncline.{database}.{table}',
        partitions: 2,
        replicationFactor: 1,
        format: 'syncline',
        maxBatchMessages: 5000,
        maxMessageBytes: 1_000_000,
      },
    },
    {
      name: indexer(),
      source: {
        type: 'kafka',
        topicPattern: `syncline\\.${h.db}\\..*`,
        tables: [`${h.db}.*`],
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
  ] as unknown as typeof h.config.pipelines;
  await h.start();
});
afterAll(async () => {
  await h.stop();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
  await deleteCheckpoints([capture(), indexer()]);
  await dropTopics(`syncline.${h.db}.`, [`g-${h.db}`]);
  await h.cleanup();
});

describe('built documents on the Kafka path (binlog → Kafka → index)', () => {
  it('the snapshot through the topics builds every product', async () => {
    await expectConverged(h.clients.db, h.db, h.search, index(), 'kafka: snapshot', 120_000);
    const kp = h.runner!.kafkaPipelines.find((k) => k.kind === 'from-kafka')!;
    expect((kp.source as KafkaSource).counters.events).toBeGreaterThan(0);
  });

  it('related-row updates, inserts, deletes and FK moves reach their roots, old and new', async () => {
    await apply(h.clients.db, h.db, RELATED_CHANGES);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'kafka: related row changes');
  });

  it('parent deletes with cascading children and a child TRUNCATE still end right', async () => {
    await apply(h.clients.db, h.db, CASCADING_DELETES);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'kafka: cascades');
    await h.exec(`TRUNCATE TABLE ${h.db}.skus`);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'kafka: child truncate');
  });
});
