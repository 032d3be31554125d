import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rng } from '../../../src/demo/seed-data.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';

/**
 * kill -9 of a real `syncline run --no-api` process at random points — during the snapshot and during
 * streaming — while a 50k-change mixed workload runs; after restarts the index equals the table.
 */
const INITIAL = 5_000;
const CHANGES = 50_000;
const h = new Harness({
  tables: ['orders'],
  chunkSize: 500,
  setup: `CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), status VARCHAR(16), note TEXT);`,
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-crash-'));
const cli = path.resolve('dist/cli/main.js');
let child: ChildProcess | undefined;

/** Exits that were not our kill -9 (a worker must never stop on its own): code and the log's tail. */
const unexpectedExits: string[] = [];

function startWorker(): ChildProcess {
  const log = path.join(dir, 'worker.log');
  const out = openSync(log, 'a');
  const p = spawn(process.execPath, [cli, '-c', path.join(dir, 'syncline.yaml'), 'run', '--no-api'], {
    stdio: ['ignore', out, out],
  });
  p.once('exit', (code, signal) => {
    if (signal !== 'SIGKILL')
      unexpectedExits.push(`exit ${code ?? signal}: ${readFileSync(log, 'utf8').slice(-2000)}`);
  });
  return p;
}

/** Kills the worker and waits until it is gone (at once when it already exited). */
async function killWorker(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((res) => p.once('exit', res));
  p.kill('SIGKILL');
  await gone;
}

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
    const killer = (async () => {
      await new Promise((res) => setTimeout(res, 800)); // first kill lands in the snapshot
      while (done < CHANGES) {
        await killWorker(child!);
        kills++;
        child = startWorker();
        await new Promise((res) => setTimeout(res, 1500 + Math.floor(r() * 2500)));
      }
    })();
    await Promise.all([workload, killer]);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(unexpectedExits).toEqual([]);
    // after the last restart the worker catches up
    const diff = await h.converge('orders', 120_000);
    console.log(`[crash] ${kills} kills, ${done} changes, ${diff.rows} rows`);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(unexpectedExits).toEqual([]);
  }, 300_000);
});
