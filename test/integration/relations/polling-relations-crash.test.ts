import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { installTombstoneTrigger } from '../../../src/sources/polling/tombstones.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { seed } from './catalog-fixture.js';
import { expectZeroDriftUnderKills } from './random-writer.js';
import { productMapping, TRACKED_SETUP, TRACKED_TABLES } from './source-scenario.js';

/**
 * The random writer of built-documents-crash.test.ts on all six tables, under a polling pipeline (every
 * table polled, hard deletes by tombstone triggers; cascaded rows have neither) while a real
 * `syncline run` worker is killed -9 at random points: after the last restart the index equals the JOIN
 * rendering — zero drift. No TRUNCATE: polling cannot see one (docs/polling.md).
 */
const TRANSACTIONS = 600;
const h = new Harness({ tables: [], setup: TRACKED_SETUP });
const index = () => `${h.db}_products`;
const pipeline = () => `${h.name}-poll`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-relations-poll-'));
const workers = new WorkerProcesses(dir);
let child: ChildProcess | undefined;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db, 300);
  for (const t of TRACKED_TABLES)
    await installTombstoneTrigger(h.clients.db, `${h.db}.${t}`, `${h.db}.tombstones`);
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      ...config,
      mappings: [productMapping(h.db, index())],
      pipelines: [
        {
          name: pipeline(),
          source: {
            type: 'polling',
            tables: TRACKED_TABLES.map((t) => `${h.db}.${t}`),
            trackingColumn: 'updated_at',
            intervalMs: 100,
            batchSize: 200,
            safetyLagMs: 300,
            deletes: { tombstoneTable: `${h.db}.tombstones` },
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
  await h.clients.db
    .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [pipeline()])
    .catch(() => {});
  await h.cleanup();
});

describe('built documents under polling, a random writer and kill -9', () => {
  it('end equal to the JOIN rendering, with zero drift', async () => {
    await expectZeroDriftUnderKills({
      pool: h.clients.db,
      db: h.db,
      seed: 1414,
      transactions: TRANSACTIONS,
      truncate: false,
      pauseEvery: 50,
      workers,
      onStart: (c) => {
        child = c;
      },
      search: h.search,
      index: index(),
      label: 'relations-poll-crash',
      convergeMs: 60_000,
    });
  }, 150_000);
});
