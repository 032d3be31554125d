import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { RELATIONS, SETUP, seed } from './catalog-fixture.js';
import { expectZeroDriftUnderKills } from './random-writer.js';

/**
 * A random writer on all six tables of the built product documents (renames, FK moves of children and
 * of products, parent deletes with cascades, join rows, a TRUNCATE of the child table) while a real
 * `syncline run` worker is killed -9 at random points, from its snapshot on; after the last restart the
 * index equals the JOIN rendering of catalog-fixture.ts: zero drift.
 */
const TRANSACTIONS = 1200;
const h = new Harness({ tables: [], setup: SETUP, chunkSize: 50 });
const index = () => `${h.db}_products`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-relations-'));
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
      checkpoint: { store: 'mysql', dir: '.data/checkpoints' },
    }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await h.cleanup();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
});

describe('built documents under a random writer and kill -9', () => {
  it('end equal to the JOIN rendering, with zero drift', async () => {
    await expectZeroDriftUnderKills({
      pool: h.clients.db,
      db: h.db,
      seed: 14,
      transactions: TRANSACTIONS,
      truncate: true,
      pauseEvery: 100,
      workers,
      onStart: (c) => {
        child = c;
      },
      search: h.search,
      index: index(),
      label: 'relations-crash',
      convergeMs: 60_000,
    });
  }, 150_000);
});
