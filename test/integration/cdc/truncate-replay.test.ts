import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Harness } from '../../helpers/pipeline-harness.js';
import { rootConnection, TEST_SOURCE } from '../../helpers/stack.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';

/**
 * TRUNCATE, then 10 inserts, all indexed; the worker is killed with kill -9 while its checkpoint is still
 * before the TRUNCATE. The restart replays the TRUNCATE after the 10 documents written behind it, then
 * the 10 inserts (refused as stale: the index already holds them). Before the fix the replayed TRUNCATE
 * deleted the 10 documents and the index was left empty with 10 rows in the table.
 *
 * Whether a real kill lands before the checkpoint passes the TRUNCATE is a matter of milliseconds; the test
 * makes that state certain by putting back, after the kill, the checkpoint the worker had committed before
 * the TRUNCATE — exactly what the checkpoint table holds when the kill comes first — and asserts it.
 */
const h = new Harness({
  tables: ['items'],
  setup: 'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50), qty INT);',
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-truncate-'));
let child: ChildProcess | undefined;
const workers = new WorkerProcesses(dir);
const unexpectedExits = workers.unexpectedExits;

const startWorker = () => workers.start();

const killWorker = (p: ChildProcess) => workers.kill(p);

/** Polls `probe` until it returns a value (not undefined) or the bound passes. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface CheckpointRow {
  position: string;
  label: string;
}

async function checkpointRow(): Promise<CheckpointRow | undefined> {
  const [rows] = await h.clients.db.query(
    'SELECT CAST(position AS CHAR) AS position, label FROM syncline.checkpoints WHERE pipeline = ?',
    [h.name],
  );
  return (rows as CheckpointRow[])[0];
}

/** Transactions in a MySQL GTID set (`uuid[:tag]:a-b[:c-d],…`): the count grows with every commit. */
function transactionsIn(set: string): bigint {
  let n = 0n;
  for (const part of set.split(','))
    for (const seg of part.trim().split(':').slice(1)) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(seg);
      if (m) n += BigInt(m[2] ?? m[1]!) - BigInt(m[1]!) + 1n;
    }
  return n;
}

/** Sequence number of domain 0 in a checkpoint's GTID position (MySQL: transactions in its GTID set). */
function checkpointSeq(row: CheckpointRow): bigint {
  const gtid = String((JSON.parse(row.position) as { checkpoint: { gtid: string } }).checkpoint.gtid);
  if (TEST_SOURCE === 'mysql') return transactionsIn(gtid);
  const d0 = gtid.split(',').find((g) => g.startsWith('0-'));
  return BigInt(d0?.split('-')[2] ?? '0');
}

/** Runs statements on one connection and returns the GTID sequence number of the last one. */
async function execTracked(sqls: string[]): Promise<bigint> {
  const c = await rootConnection(h.db);
  try {
    for (const sql of sqls) await c.query(sql);
    if (TEST_SOURCE === 'mysql') {
      // no other writer on this server during the test: the executed set counts up to this commit
      const [s] = await c.query('SELECT @@GLOBAL.gtid_executed AS g');
      return transactionsIn(String((s as Array<{ g: string }>)[0]!.g));
    }
    const [r] = await c.query('SELECT @@last_gtid AS g');
    return BigInt(String((r as Array<{ g: string }>)[0]!.g).split('-')[2]!);
  } finally {
    await c.end();
  }
}

/** The index's documents as `id → _source` (the id rendered by the documented rule: the key's value). */
async function documents(): Promise<Map<string, Record<string, unknown>>> {
  const index = h.index('items');
  await h.search.request('POST', `/${index}/_refresh`);
  const res = await h.search.request<{
    hits: { hits: Array<{ _id: string; _source: Record<string, unknown> }> };
  }>('POST', `/${index}/_search`, { size: 1000, query: { match_all: {} } });
  return new Map(res.body.hits.hits.map((x) => [x._id, x._source]));
}

/** What the index must hold: one document per row, its columns as they are in the table. */
async function expectedFromTable(): Promise<Map<string, Record<string, unknown>>> {
  const [rows] = await h.clients.db.query(`SELECT id, name, qty FROM ${h.db}.items ORDER BY id`);
  return new Map(
    (rows as Array<{ id: number; name: string; qty: number }>).map((r) => [
      String(r.id),
      { id: r.id, name: r.name, qty: r.qty },
    ]),
  );
}

beforeAll(async () => {
  await h.createDatabase();
  await h.exec('INSERT INTO items VALUES ?', [
    Array.from({ length: 20 }, (_, i) => [i + 1, `before ${i + 1}`, i]),
  ]);
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({ ...config, checkpoint: { store: 'mysql', dir: '.data/checkpoints' } }),
  );
});
afterAll(async () => {
  if (child) await killWorker(child);
  await h.cleanup();
});

describe('TRUNCATE replayed after a kill -9', () => {
  it('keeps the rows inserted after the TRUNCATE', async () => {
    child = startWorker();
    // the snapshot is done and checkpointed: the position a kill before the TRUNCATE leaves behind
    const before = await waitFor('the snapshot to be checkpointed', async () => {
      const row = await checkpointRow();
      return row && !row.position.includes('"snapshot"') ? row : undefined;
    });
    expect((await documents()).size).toBe(20);

    const truncateSeq = await execTracked(['TRUNCATE TABLE items']);
    const lastInsertSeq = await execTracked(
      Array.from({ length: 10 }, (_, i) => `INSERT INTO items VALUES (${101 + i}, 'after ${i}', ${i})`),
    );
    const expected = await expectedFromTable();
    expect(expected.size).toBe(10);
    await waitFor('the 10 rows to be indexed', async () => {
      const docs = await documents();
      return docs.size === 10 && [...expected.keys()].every((id) => docs.has(id)) ? true : undefined;
    });

    await killWorker(child);
    // the state under test: the checkpoint is before the TRUNCATE when the worker restarts
    await h.exec('UPDATE syncline.checkpoints SET position = ?, label = ? WHERE pipeline = ?', [
      before.position,
      before.label,
      h.name,
    ]);
    const atRestart = (await checkpointRow())!;
    expect(checkpointSeq(atRestart)).toBeLessThan(truncateSeq);

    child = startWorker();
    // the replay is over once the checkpoint passes the last insert: the TRUNCATE and the inserts are applied
    await waitFor('the restarted worker to checkpoint past the inserts', async () => {
      const row = await checkpointRow();
      return row && checkpointSeq(row) >= lastInsertSeq ? true : undefined;
    });
    const docs = await documents();
    expect([...docs.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, source] of expected) expect(docs.get(id)).toMatchObject(source);
    expect(unexpectedExits).toEqual([]);
  }, 180_000);
});
