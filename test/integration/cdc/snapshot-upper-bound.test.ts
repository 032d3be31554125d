import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { positionFromJson } from '../../../src/core/event-json.js';
import type { SnapshotState } from '../../../src/sources/mysql-binlog/snapshot/snapshot-state.js';
import { snapshotTestHooks } from '../../../src/sources/mysql-binlog/snapshotting-source.js';
import { Harness } from '../../helpers/pipeline-harness.js';

/**
 * Issue 15 §1c: a writer appends rows faster than the snapshot reads chunks. The snapshot of the table
 * must still end — it reads up to the greatest key the table had when its snapshot started, later rows
 * arrive by the stream — and the index must equal the table afterwards.
 */
const INITIAL = 1000;
const h = new Harness({
  tables: ['events'],
  chunkSize: 20,
  setup: 'CREATE TABLE events (id INT PRIMARY KEY, v INT NOT NULL);',
});

beforeAll(async () => {
  await h.createDatabase();
  const rows = Array.from({ length: INITIAL }, (_, i) => [i + 1, (i * 7) % 1000]);
  await h.exec('INSERT INTO events (id, v) VALUES ?', [rows]);
});
const resumed = new Harness({
  tables: ['resumed'],
  chunkSize: 10,
  setup: 'CREATE TABLE resumed (id INT PRIMARY KEY, v INT NOT NULL);',
});

beforeAll(async () => {
  await resumed.createDatabase();
  const rows = Array.from({ length: 100 }, (_, i) => [i + 1, i + 1]);
  await resumed.exec('INSERT INTO resumed (id, v) VALUES ?', [rows]);
});
afterAll(async () => {
  snapshotTestHooks.insideWindow = undefined;
  await h.cleanup();
  await resumed.cleanup();
});

/** [id, v] of every document, sorted by id (search_after over id, after a refresh). */
async function indexed(on: Harness = h): Promise<number[][]> {
  const index = on.index(on.o.tables[0]!);
  await on.search.request('POST', `/${index}/_refresh`);
  const out: number[][] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const r = await on.search.request<{
      hits: { hits: Array<{ _source: { id: number; v: number }; sort: unknown[] }> };
    }>('POST', `/${index}/_search`, {
      size: 5000,
      sort: [{ id: 'asc' }],
      query: { match_all: {} },
      ...(after && { search_after: after }),
    });
    const hits = r.body.hits.hits;
    for (const x of hits) out.push([x._source.id, x._source.v]);
    if (hits.length < 5000) return out;
    after = hits[hits.length - 1]!.sort;
  }
}

describe('snapshot upper bound', () => {
  it('an append-heavy table: its snapshot completes, and the index equals the table', async () => {
    let stop = false;
    let nextId = INITIAL + 1;
    let appendedDuringSnapshot = 0;
    let snapshotRunning = false;
    await h.start();
    const source = h.runner!.handles[0]!.source;
    const writer = (async () => {
      while (!stop) {
        const rows = Array.from({ length: 100 }, () => [nextId, nextId++ % 1000]);
        await h.exec('INSERT INTO events (id, v) VALUES ?', [rows]);
        if (snapshotRunning) appendedDuringSnapshot += rows.length;
        await new Promise((r) => setTimeout(r, 10)); // pacing, keeps the shared server usable
      }
    })();
    snapshotRunning = true;
    const began = Date.now();
    const deadline = Date.now() + 60_000;
    let rowsRead = 0;
    while (source.phase !== 'streaming' && Date.now() < deadline) {
      rowsRead = Math.max(rowsRead, source.snapshotProgress?.rowsDone ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    snapshotRunning = false;
    const phase = source.phase;
    stop = true;
    await writer;
    console.log(
      `[upper-bound] snapshot read ${rowsRead} rows in ${Date.now() - began} ms while ${appendedDuringSnapshot} were appended`,
    );
    expect(phase).toBe('streaming');
    // The writer outpaced the chunking: without a bound every chunk would come back full.
    expect(appendedDuringSnapshot).toBeGreaterThan(rowsRead);

    const want = (
      (await h.exec('SELECT id, v FROM events ORDER BY id')) as Array<{ id: number; v: number }>
    ).map((r) => [r.id, r.v]);
    expect(want.length).toBeGreaterThan(INITIAL);
    let got: number[][] = [];
    const settle = Date.now() + 60_000;
    while (Date.now() < settle) {
      got = await indexed();
      if (JSON.stringify(got) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
  });

  it('a resumed snapshot reads up to the bound fixed before the restart', async () => {
    const table = `${resumed.db}.resumed`;
    const snapshotState = async () => {
      const rows = (await resumed.exec(
        `SELECT position FROM \`${resumed.config.internalDatabase}\`.checkpoints WHERE pipeline = ?`,
        [resumed.name],
      )) as Array<{ position: string | object }>;
      const raw = rows[0]?.position;
      if (raw === undefined) return undefined;
      const p = positionFromJson(typeof raw === 'string' ? raw : JSON.stringify(raw));
      return p.checkpoint.snapshot as SnapshotState | undefined;
    };
    // First run: hold the 4th chunk inside its window until a checkpoint carries the bound, then stop.
    let chunks = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let holding = false;
    snapshotTestHooks.insideWindow = async (c) => {
      if (c.table !== table || ++chunks !== 4) return;
      holding = true;
      await held;
    };
    await resumed.start();
    const deadline = Date.now() + 30_000;
    let stored = await snapshotState();
    while (Date.now() < deadline && !(holding && stored?.untilKey)) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await snapshotState();
    }
    expect(stored?.untilKey).toEqual([100]);
    const stopping = resumed.stop();
    release();
    await stopping;
    // Rows past the bound, written while the worker is down: the stream brings them, not the snapshot.
    const more = Array.from({ length: 100 }, (_, i) => [101 + i, 101 + i]);
    await resumed.exec('INSERT INTO resumed (id, v) VALUES ?', [more]);
    const atRestart = await snapshotState();
    expect(atRestart?.queue).toEqual([table]);
    const resumeAfter = Number((atRestart?.lastKey as number[] | null)?.[0] ?? 0);

    let readAfterRestart = 0;
    snapshotTestHooks.insideWindow = async (c) => {
      if (c.table === table) readAfterRestart += c.rows;
    };
    await resumed.start();
    const source = resumed.runner!.handles[0]!.source;
    const done = Date.now() + 30_000;
    while (source.phase !== 'streaming' && Date.now() < done) await new Promise((r) => setTimeout(r, 50));
    expect(source.phase).toBe('streaming');
    expect(readAfterRestart).toBe(100 - resumeAfter);

    const want = (
      (await resumed.exec('SELECT id, v FROM resumed ORDER BY id')) as Array<{ id: number; v: number }>
    ).map((r) => [r.id, r.v]);
    let got: number[][] = [];
    const settle = Date.now() + 30_000;
    while (Date.now() < settle) {
      got = await indexed(resumed);
      if (JSON.stringify(got) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(got).toEqual(want);
  });
});
