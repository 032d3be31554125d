import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
afterAll(() => h.cleanup());

/** [id, v] of every document, sorted by id (search_after over id, after a refresh). */
async function indexed(): Promise<number[][]> {
  const index = h.index('events');
  await h.search.request('POST', `/${index}/_refresh`);
  const out: number[][] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const r = await h.search.request<{
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
});
