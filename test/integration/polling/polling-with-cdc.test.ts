import { afterEach, describe, expect, it } from 'vitest';
import { readIndex } from '../../helpers/compare.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';

const ITEMS = `CREATE TABLE items (
  id INT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  n INT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY by_updated (updated_at)
)`;

let h: Harness | undefined;
afterEach(async () => {
  if (!h) return;
  await h.clients.db
    .query('DELETE FROM syncline.checkpoints WHERE pipeline LIKE ?', [`${h.name}%`])
    .catch(() => {});
  await h.cleanup();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine's version of every document (for "never lower than before" checks). */
async function versions(harness: Harness): Promise<Map<string, number>> {
  const index = harness.index('items');
  await harness.search.request('POST', `/${index}/_refresh`);
  const res = await harness.search.request<{ hits: { hits: Array<{ _id: string; _version: number }> } }>(
    'POST',
    `/${index}/_search`,
    { size: 10_000, version: true, _source: false, query: { match_all: {} } },
  );
  return new Map(res.body.hits.hits.map((x) => [x._id, x._version]));
}

describe('polling and binlog CDC on one table with mappings[].versionColumn', () => {
  it('interleaved, replayed and re-read changes never regress a document', async () => {
    h = new Harness({ tables: ['items'], setup: ITEMS });
    const harness = h;
    harness.config.mappings[0]!.versionColumn = 'updated_at';
    harness.config.pipelines.push({
      name: `${harness.name}-poll`,
      source: {
        type: 'polling',
        tables: [`${harness.db}.items`],
        trackingColumn: 'updated_at',
        intervalMs: 50,
        batchSize: 100,
        safetyLagMs: 200,
        rescanWindowMs: 0,
        deletes: {},
      },
    });
    await harness.createDatabase();
    await harness.exec(
      `INSERT INTO items (id, name) VALUES ${Array.from({ length: 60 }, (_, i) => `(${i + 1}, 'r${i + 1}')`).join(',')}`,
    );
    await harness.start();
    expect(clean(await harness.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    // the binlog position before the interleaved changes: replayed later
    let early: { position: string; label: string } | undefined;
    for (let i = 0; i < 100 && !early; i++) {
      const [saved] = await harness.clients.db.query(
        'SELECT position, label FROM syncline.checkpoints WHERE pipeline = ?',
        [harness.name],
      );
      early = (saved as Array<{ position: string; label: string }>)[0];
      if (!early) await sleep(100);
    }
    if (!early) throw new Error('no binlog checkpoint');

    // both sources see every change: the binlog at once, the poller 200 ms later, in any order
    let seen = await versions(harness);
    for (let round = 0; round < 40; round++) {
      const id = 1 + ((round * 7) % 60);
      await harness.exec('UPDATE items SET n = n + 1, name = ? WHERE id = ?', [`r${id} round ${round}`, id]);
      await harness.exec('UPDATE items SET n = n + 1 WHERE id IN (?, ?)', [
        1 + ((round * 11) % 60),
        1 + ((round * 13) % 60),
      ]);
      if (round % 10 === 3) await harness.exec('DELETE FROM items WHERE id = ?', [60 - round]);
      if (round % 10 === 7)
        await harness.exec(`INSERT INTO items (id, name) VALUES (?, 'new')`, [100 + round]);
      if (round % 5 === 0) {
        const now = await versions(harness);
        for (const [id, v] of now) if (seen.has(id)) expect(v).toBeGreaterThanOrEqual(seen.get(id)!);
        seen = now;
      }
      await sleep(30);
    }
    expect(clean(await harness.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });

    // replay: the binlog pipeline from the early checkpoint, the poller from scratch (re-reads every row)
    await harness.stop();
    await harness.clients.db.query(
      'UPDATE syncline.checkpoints SET position = ?, label = ? WHERE pipeline = ?',
      [early.position, early.label, harness.name],
    );
    await harness.clients.db.query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [
      `${harness.name}-poll`,
    ]);
    const before = await readIndex(harness.search, harness.index('items'));
    await harness.start();
    const runner = harness.runner!;
    const binlog = runner.handles[0]!.pipeline;
    const poll = runner.polling[0]!;
    const deadline = Date.now() + 30_000;
    // every replayed update is older than what the index holds: refused as stale, never applied
    while (Date.now() < deadline && (binlog.stats.stale < 100 || poll.source.stats.rowsRead < 50))
      await sleep(200);
    expect(binlog.stats.stale).toBeGreaterThanOrEqual(100);
    expect(poll.source.stats.rowsRead).toBeGreaterThanOrEqual(50);
    expect(clean(await harness.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const after = await readIndex(harness.search, harness.index('items'));
    expect([...after.entries()]).toEqual([...before.entries()]);
  });
});
