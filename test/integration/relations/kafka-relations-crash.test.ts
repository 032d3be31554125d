import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { deleteCheckpoints, dropTopics } from '../kafka/support.js';
import { RELATIONS, SETUP, seed } from './catalog-fixture.js';
import { expectZeroDriftUnderKills } from './random-writer.js';

/**
 * The random writer of built-documents-crash.test.ts on all six tables, on the Kafka path: one real
 * `syncline run` worker captures the binlog into topics and indexes from them (consumer group), and is
 * killed -9 at random points from its snapshot on; after the last restart the index equals the JOIN
 * rendering of catalog-fixture.ts: zero drift.
 */
const TRANSACTIONS = 600;
const h = new Harness({ tables: [], setup: SETUP, chunkSize: 50 });
const index = () => `${h.db}_products`;
const capture = () => `${h.name}-capture`;
const indexer = () => `${h.name}-index`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-relations-kafka-'));
const workers = new WorkerProcesses(dir);
let child: ChildProcess | undefined;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db, 300);
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      ...config,
      mappings: [{ table: `${h.db}.products`, index: index(), relations: RELATIONS }],
      pipelines: [
        {
          name: capture(),
          source: { ...h.config.pipelines[0]!.source },
          sink: { type: 'kafka', topicTemplate: 'syncline.{database}.{table}', partitions: 2 },
        },
        {
          name: indexer(),
          source: {
            type: 'kafka',
            topicPattern: `syncline\\.${h.db}\\..*`,
            groupId: `g-${h.db}`,
            maxWaitMs: 100,
            commitIntervalMs: 200,
            sessionTimeoutMs: 6_000,
            heartbeatIntervalMs: 500,
            topicRefreshMs: 1_000,
          },
        },
      ],
      checkpoint: { store: 'mysql', dir: '.data/checkpoints' },
    }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await deleteCheckpoints([capture(), indexer()]);
  await dropTopics(`syncline.${h.db}.`, [`g-${h.db}`]);
  await h.cleanup();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
});

describe('built documents on the Kafka path under a random writer and kill -9', () => {
  it('end equal to the JOIN rendering, with zero drift', async () => {
    await expectZeroDriftUnderKills({
      pool: h.clients.db,
      db: h.db,
      seed: 1416,
      transactions: TRANSACTIONS,
      truncate: true,
      pauseEvery: 100,
      workers,
      onStart: (c) => {
        child = c;
      },
      search: h.search,
      index: index(),
      label: 'relations-kafka-crash',
      convergeMs: 90_000,
    });
  }, 150_000);
});
