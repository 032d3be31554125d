import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { outboxDdl } from '../../../src/sources/outbox/outbox-table.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { RELATIONS, SETUP, seed } from './catalog-fixture.js';
import { expectZeroDriftUnderKills } from './random-writer.js';
import { TRACKED_TABLES } from './source-scenario.js';

/**
 * The random writer of built-documents-crash.test.ts on all six tables, under an outbox relay, while a
 * real `syncline run` worker is killed -9 at random points: after the last restart the index equals the
 * JOIN rendering — zero drift. The outbox rows are written in each row's transaction by AFTER triggers
 * (one way applications write them); rows changed by a foreign-key cascade get none, as an application
 * would not know of them either. No TRUNCATE (no trigger sees one).
 */
const TRANSACTIONS = 600;
const KEYS: Record<string, string[]> = {
  categories: ['id'],
  warehouses: ['country', 'code'],
  products: ['id'],
  skus: ['id'],
  tags: ['id'],
  product_tags: ['product_id', 'tag_id'],
};
const h = new Harness({ tables: [], setup: SETUP });
const index = () => `${h.db}_products`;
const relay = () => `${h.name}-relay`;
const outbox = () => `${h.db}.syncline_outbox`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-relations-outbox-'));
const workers = new WorkerProcesses(dir);
let child: ChildProcess | undefined;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db, 300);
  await h.exec(outboxDdl(outbox()));
  for (const t of TRACKED_TABLES) {
    const key = (row: 'NEW' | 'OLD') =>
      `JSON_OBJECT(${KEYS[t]!.map((k) => `'${k}', ${row}.${k}`).join(', ')})`;
    for (const [when, op, row] of [
      ['INSERT', 'c', 'NEW'],
      ['UPDATE', 'u', 'NEW'],
      ['DELETE', 'd', 'OLD'],
    ] as const)
      await h.exec(
        `CREATE TRIGGER ${h.db}.ob_${t}_${op} AFTER ${when} ON ${h.db}.${t} FOR EACH ROW
           INSERT INTO ${outbox()} (aggregate_table, aggregate_key, op) VALUES ('${h.db}.${t}', ${key(row)}, '${op}')`,
      );
  }
  // every product once, for the first build (the outbox has no snapshot)
  await h.exec(
    `INSERT INTO ${outbox()} (aggregate_table, aggregate_key, op) SELECT '${h.db}.products', JSON_OBJECT('id', id), 'c' FROM ${h.db}.products`,
  );
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      ...config,
      mappings: [{ table: `${h.db}.products`, index: index(), relations: RELATIONS }],
      pipelines: [
        {
          name: relay(),
          source: {
            type: 'outbox',
            outboxTable: outbox(),
            tables: TRACKED_TABLES.map((t) => `${h.db}.${t}`),
            batchSize: 200,
            pollIntervalMs: 50,
          },
        },
      ],
      checkpoint: { store: 'mysql', dir: '.data/checkpoints' },
    }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
  for (const t of ['checkpoints', 'dead_letters'])
    await h.clients.db.query(`DELETE FROM syncline.${t} WHERE pipeline = ?`, [relay()]).catch(() => {});
  await h.clients.db
    .query('DELETE FROM syncline.outbox_sequences WHERE outbox_table = ?', [outbox()])
    .catch(() => {});
  await h.cleanup();
});

describe('built documents under the outbox, a random writer and kill -9', () => {
  it('end equal to the JOIN rendering, with zero drift', async () => {
    await expectZeroDriftUnderKills({
      pool: h.clients.db,
      db: h.db,
      seed: 1415,
      transactions: TRANSACTIONS,
      truncate: false,
      pauseEvery: 50,
      workers,
      onStart: (c) => {
        child = c;
      },
      search: h.search,
      index: index(),
      label: 'relations-outbox-crash',
      convergeMs: 60_000,
    });
  }, 150_000);
});
