import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rng } from '../../../src/demo/seed-data.js';
import { WatermarkSignals } from '../../../src/sources/mysql-binlog/snapshot/watermark-signals.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { TEST_SOURCE } from '../../helpers/stack.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';

/**
 * kill -9 of a real `syncline run --no-api` process during the snapshot and at random points while
 * streaming, while a 50k-change mixed workload runs; after restarts the index equals the table. The
 * first kill is made to land in the snapshot: it waits until the worker's checkpoint shows the snapshot
 * under way (chunks done, tables left), and the checkpoint left by the dead worker must still say so —
 * the restart has to resume the snapshot from the middle (a snapshot that ran through between two
 * checkpoints is not waited for in vain: another is requested).
 */
const INITIAL = 5_000;
// MySQL (the "mysql" project) runs a smaller workload: its whole project has a 4-minute CI budget.
const CHANGES = TEST_SOURCE === 'mysql' ? 8_000 : 50_000;
const h = new Harness({
  tables: ['orders'],
  // small chunks: the snapshot runs for many chunks, long after its first checkpoint (checkpoints come at most
  // once a second); 100-row chunks were read so fast on a quiet machine (MySQL, then MariaDB in a warm run)
  // that 5,000 rows were done in between, five snapshots in a row
  chunkSize: 10,
  setup: `CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), status VARCHAR(16), note TEXT);`,
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-crash-'));
let child: ChildProcess | undefined;

const workers = new WorkerProcesses(dir);
const unexpectedExits = workers.unexpectedExits;

const startWorker = () => workers.start();

const killWorker = (p: ChildProcess) => workers.kill(p);

interface SnapshotCheckpoint {
  queue: string[];
  rowsDone: number;
}

/** The worker's committed checkpoint (undefined before the first) and the snapshot state in it. */
async function checkpoint(): Promise<{ snapshot?: SnapshotCheckpoint } | undefined> {
  const [rows] = await h.clients.db.query('SELECT position FROM syncline.checkpoints WHERE pipeline = ?', [
    h.name,
  ]);
  const position = (rows as Array<{ position: string | object }>)[0]?.position;
  if (position === undefined) return undefined;
  const p = (typeof position === 'string' ? JSON.parse(position) : position) as {
    checkpoint?: { snapshot?: SnapshotCheckpoint };
  };
  return { ...(p.checkpoint?.snapshot && { snapshot: p.checkpoint.snapshot }) };
}

/**
 * Waits until the worker's checkpoint shows a snapshot under way (a chunk done, the table not finished).
 * A snapshot that ran through between two checkpoints (they are at most one a second) was missed: then
 * another one is requested — a `resnapshot` signal, what `syncline snapshot <table>` writes — and waited for.
 */
async function snapshotUnderWay(): Promise<{ resnapshots: number }> {
  const signals = new WatermarkSignals(h.clients.db, h.config.internalDatabase);
  const deadline = Date.now() + 120_000;
  let resnapshots = 0;
  let expected = true; // the initial snapshot
  let since = Date.now();
  for (;;) {
    const cp = await checkpoint();
    if (underWay(cp?.snapshot)) return { resnapshots };
    if (cp?.snapshot)
      expected = false; // seen: it is under way at the next checkpoint, or it ends
    else if (cp && (!expected || Date.now() - since > 10_000)) {
      if (++resnapshots > 5) throw new Error('no snapshot was ever seen under way in a checkpoint');
      await signals.write({ kind: 'resnapshot', chunkId: `test-${Date.now()}`, table: `${h.db}.orders` });
      expected = true;
      since = Date.now();
    }
    if (Date.now() > deadline) throw new Error('the snapshot never checkpointed a chunk');
    await new Promise((res) => setTimeout(res, 20));
  }
}

const underWay = (s: SnapshotCheckpoint | undefined): s is SnapshotCheckpoint =>
  s !== undefined && s.queue.length > 0 && s.rowsDone > 0;

beforeAll(async () => {
  await h.createDatabase();
  const rows = Array.from({ length: INITIAL }, (_, k) => [
    k + 1,
    `客户 ${k}`,
    (k % 500) + 0.99,
    'new',
    'x'.repeat(50),
  ]);
  await h.exec('INSERT INTO orders VALUES ?', [rows]);
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({ ...config, checkpoint: { store: 'mysql', dir: '.data/checkpoints' } }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await h.cleanup();
});

describe('crash recovery', () => {
  it('kill -9 at random points during snapshot and streaming loses nothing', async () => {
    const r = rng(11);
    let done = 0;
    let nextId = INITIAL + 1;
    const workload = (async () => {
      while (done < CHANGES) {
        const stmts: Array<[string, unknown[]]> = [];
        for (let i = 0; i < 50; i++) {
          const p = r();
          const id = 1 + Math.floor(r() * (nextId - 1));
          if (p < 0.6)
            stmts.push(['UPDATE orders SET total = total + 1, status = ? WHERE id = ?', [`s${i}`, id]]);
          else if (p < 0.9)
            stmts.push(['INSERT INTO orders VALUES (?, ?, 1.00, ?, ?)', [nextId++, 'c', 'new', 'n']]);
          else stmts.push(['DELETE FROM orders WHERE id = ?', [id]]);
        }
        const conn = await h.clients.db.getConnection();
        await conn.beginTransaction();
        for (const [sql, args] of stmts) await conn.query(sql, args);
        await conn.commit();
        conn.release();
        done += stmts.length;
      }
    })();

    child = startWorker();
    let kills = 0;
    let killedInSnapshot: SnapshotCheckpoint | undefined;
    let resnapshots = 0;
    const killer = (async () => {
      // the first kill: once the snapshot has checkpointed a chunk and has rows left
      resnapshots = (await snapshotUnderWay()).resnapshots;
      await killWorker(child!);
      kills++;
      // what the dead worker left is what the restart resumes from: a snapshot under way
      killedInSnapshot = (await checkpoint())?.snapshot;
      child = startWorker();
      // then at random points while it resumes and streams — at least once, even when the workload (8k changes
      // on MySQL) has already been written by then: the restarted worker still has its backlog to stream
      do {
        await new Promise((res) => setTimeout(res, 1500 + Math.floor(r() * 2500)));
        await killWorker(child!);
        kills++;
        child = startWorker();
      } while (done < CHANGES);
    })();
    await Promise.all([workload, killer]);
    expect(underWay(killedInSnapshot), JSON.stringify(killedInSnapshot)).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(unexpectedExits).toEqual([]);
    // after the last restart the worker catches up
    const diff = await h.converge('orders', 120_000);
    console.log(
      `[crash] ${kills} kills (the first at ${killedInSnapshot?.rowsDone} snapshot rows, after ${resnapshots} re-snapshots), ${done} changes, ${diff.rows} rows`,
    );
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(unexpectedExits).toEqual([]);
  }, 300_000);
});
