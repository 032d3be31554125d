import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rng } from '../../../src/demo/seed-data.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { deleteCheckpoints, dropTopics } from '../kafka/support.js';
import { converge, RELATIONS, SETUP, seed, summary } from './catalog-fixture.js';
import { transaction } from './random-writer.js';

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
    const r = rng(1416);
    let counter = 0;
    let done = 0;
    let failed = 0;
    const workload = (async () => {
      const conn = await h.clients.db.getConnection();
      try {
        while (done < TRANSACTIONS) {
          const stmts = transaction(r, () => ++counter);
          if (stmts.some(([sql]) => sql.startsWith('TRUNCATE'))) {
            await conn.query(`TRUNCATE TABLE ${h.db}.skus`);
          } else {
            await conn.beginTransaction();
            try {
              for (const [sql, args] of stmts) await conn.query(sql.replaceAll('§', h.db), args);
              await conn.commit();
            } catch {
              failed++; // a foreign key refused it (a child of a missing parent): nothing was written
              await conn.rollback();
            }
          }
          done++;
          if (done % 100 === 0) await new Promise((res) => setTimeout(res, 150));
        }
      } finally {
        conn.release();
      }
    })();
    child = workers.start();
    let kills = 0;
    const killer = (async () => {
      // at least 3 kills, also when the writer is quicker than that (the last ones land in the catch-up)
      while (done < TRANSACTIONS || kills < 3) {
        await new Promise((res) => setTimeout(res, 1500 + Math.floor(r() * 2000)));
        await workers.kill(child!);
        kills++;
        child = workers.start();
      }
    })();
    await Promise.all([workload, killer]);
    const d = await converge(h.clients.db, h.db, h.search, index(), 90_000);
    console.log(
      `[relations-kafka-crash] ${kills} kills, ${done} transactions (${failed} refused by a foreign key)`,
    );
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(workers.unexpectedExits).toEqual([]);
    expect(summary(d)).toEqual({ missing: 0, extra: 0, different: 0, first: undefined });
  }, 150_000);
});
