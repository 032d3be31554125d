import type mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MysqlCheckpointStore } from '../../../src/checkpoint/index.js';
import type { PollingSourceConfig } from '../../../src/config/schema.js';
import { MysqlDeadLetterStore } from '../../../src/dead-letter/mysql-dead-letter-store.js';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { ensureIndex } from '../../../src/mapping/index-definitions.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { createPollingPipeline } from '../../../src/sources/polling/polling-pipeline.js';
import { installTombstoneTrigger } from '../../../src/sources/polling/tombstones.js';
import { readIndex } from '../../helpers/compare.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { rootConnection } from '../../helpers/stack.js';

const ITEMS = `CREATE TABLE items (
  id INT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  deleted TINYINT NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY by_updated (updated_at)
)`;

const harnesses: Harness[] = [];
const controls: Array<{ abort: AbortController; done: Promise<void>; index: string; h: Harness }> = [];
afterEach(async () => {
  for (const c of controls.splice(0)) {
    c.abort.abort();
    await c.done;
    await c.h.search.request('DELETE', `/${c.index}_v1`).catch(() => {});
  }
  for (const h of harnesses.splice(0)) {
    await h.clients.db
      .query(`DELETE FROM syncline.checkpoints WHERE pipeline LIKE ?`, [`${h.name}%`])
      .catch(() => {});
    await h.cleanup();
  }
});

function polling(h: Harness, source: Partial<PollingSourceConfig> = {}, name = `${h.name}-poll`) {
  return {
    name,
    source: {
      type: 'polling' as const,
      tables: [`${h.db}.items`],
      trackingColumn: 'updated_at',
      intervalMs: 100,
      batchSize: 50,
      safetyLagMs: 300,
      rescanWindowMs: 0,
      deletes: {},
      ...source,
    },
  };
}

async function harness(pipelines: (h: Harness) => unknown[], setup = ITEMS): Promise<Harness> {
  const h = new Harness({ tables: ['items'], setup });
  harnesses.push(h);
  h.config.pipelines = pipelines(h) as typeof h.config.pipelines;
  await h.createDatabase();
  return h;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const ids = async (h: Harness) => [...(await readIndex(h.search, h.index('items'))).keys()].sort();

/** A polling pipeline without safety lag over the same table, writing its own index (not through the runner). */
async function startControl(h: Harness, index: string) {
  const mappings = await MappingSet.load(h.clients.db, [{ table: `${h.db}.items`, index }]);
  await ensureIndex(h.search, index, {}, { properties: columnProperties(mappings.mappings[0]!) });
  const handle = createPollingPipeline(polling(h, { safetyLagMs: 0 }, `${h.name}-naive`), {
    config: h.config,
    pool: h.clients.db,
    search: h.search,
    mappings,
    checkpoints: new MysqlCheckpointStore(h.clients.db, h.config.internalDatabase),
    deadLetters: new MysqlDeadLetterStore(h.clients.db, h.config.internalDatabase),
    logger: pino({ level: 'warn' }),
  });
  const abort = new AbortController();
  const done = handle.pipeline.run(abort.signal).then(() => handle.sink.close());
  controls.push({ abort, done, index, h });
  return handle;
}

function pollingSource(h: Harness) {
  const p = h.runner!.polling[0];
  if (!p) throw new Error('no polling pipeline');
  return p.source;
}

describe('polling source', () => {
  it('inserts, updates and soft deletes land; the documents equal the live rows', async () => {
    const h = await harness((h) => [polling(h, { deletes: { softDeleteColumn: 'deleted' } })]);
    await h.exec(
      `INSERT INTO items (id, name, price) VALUES ${Array.from({ length: 120 }, (_, i) => `(${i + 1}, 'item ${i + 1}', ${i}.50)`).join(',')}`,
    );
    await h.start();
    await h.exec(`UPDATE items SET name = CONCAT(name, ' v2'), price = price + 1 WHERE id <= 30`);
    await h.exec(`UPDATE items SET deleted = 1 WHERE id BETWEEN 100 AND 109`);
    await h.exec(`INSERT INTO items (id, name, price) VALUES (500, 'late', 1.00)`);
    const mapping = await h.mapping('items');
    await waitFor('the index to equal the live rows', async () => {
      const [rows] = await h.clients.db.query(`SELECT * FROM ${h.db}.items WHERE deleted = 0`);
      const docs = await readIndex(h.search, h.index('items'));
      const live = rows as Array<Record<string, unknown>>;
      return (
        docs.size === live.length &&
        live.every((r) => JSON.stringify(docs.get(mapping.idOf(r))) === JSON.stringify(mapping.toDocument(r)))
      );
    });
    expect(await ids(h)).not.toContain('105');
    expect((await ids(h)).length).toBe(111);
  });

  it('hard deletes through the tombstone trigger land', async () => {
    const h = await harness((h) => [polling(h, { deletes: { tombstoneTable: `${h.db}.tombstones` } })]);
    const r = await installTombstoneTrigger(h.clients.db, `${h.db}.items`, `${h.db}.tombstones`);
    expect(r.keyColumns).toEqual(['id']);
    await h.exec(
      `INSERT INTO items (id, name, price) VALUES ${Array.from({ length: 40 }, (_, i) => `(${i + 1}, 'n${i}', 1.00)`).join(',')}`,
    );
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await h.exec('DELETE FROM items WHERE id > 25');
    await h.exec(`UPDATE items SET name = 'renamed' WHERE id = 1`);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect((await ids(h)).length).toBe(25);
    const [tomb] = await h.clients.db.query(`SELECT COUNT(*) AS n FROM ${h.db}.tombstones`);
    expect(Number((tomb as Array<{ n: number }>)[0]!.n)).toBe(15);
    expect(pollingSource(h).stats.tombstonesRead).toBe(15);
  });

  it('restart resumes from the cursor: only rows changed since are read again', async () => {
    const h = await harness((h) => [polling(h, { batchSize: 37 })]);
    await h.exec(
      `INSERT INTO items (id, name, price) VALUES ${Array.from({ length: 300 }, (_, i) => `(${i + 1}, 'n${i}', 2.00)`).join(',')}`,
    );
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(pollingSource(h).stats.rowsRead).toBe(300);
    await h.stop();
    await h.exec(`UPDATE items SET name = 'changed' WHERE id IN (7, 8)`);
    await h.exec(`INSERT INTO items (id, name, price) VALUES (301, 'new', 3.00)`);
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const source = pollingSource(h);
    await waitFor('a few polls', async () => source.stats.polls >= 5);
    expect(source.stats.rowsRead).toBe(3);
  });

  it('safety lag: a transaction that commits a row stamped earlier than rows committed before it is not missed', async () => {
    const h = await harness((h) => [polling(h, { safetyLagMs: 4000 })]);
    await h.exec(
      `INSERT INTO items (id, name, price, updated_at) VALUES (1, 'old', 1.00, UTC_TIMESTAMP(6) - INTERVAL 60 SECOND)`,
    );
    await h.start();
    // the control: the same table polled without a lag, into an index of its own
    const naive = `${h.index('items')}_naive`;
    const control = await startControl(h, naive);
    await waitFor('the first row', async () => (await ids(h)).includes('1'));
    const tx: mysql.Connection = await rootConnection(h.db);
    try {
      await tx.beginTransaction();
      // stamped 1 s in the past, committed later: older than a row committed before it
      await tx.query(
        `INSERT INTO items (id, name, price, updated_at) VALUES (2, 'long tx', 2.00, UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)`,
      );
      await h.exec(
        `INSERT INTO items (id, name, price, updated_at) VALUES (3, 'newer', 3.00, UTC_TIMESTAMP(6))`,
      );
      // the control has read the newer row: its cursor has passed the uncommitted row's timestamp
      await waitFor('the control to pass the newer row', async () =>
        (await readIndex(h.search, naive)).has('3'),
      );
      expect((await ids(h)).includes('3')).toBe(false);
      await tx.commit();
    } finally {
      await tx.end();
    }
    await waitFor('the lagged poller to index both rows', async () => {
      const now = await ids(h);
      return now.includes('2') && now.includes('3');
    });
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    // the control never sees row 2: it committed behind its cursor
    await waitFor('more control polls', async () => control.source.stats.polls > 20);
    const docs = await readIndex(h.search, naive);
    expect(docs.has('3')).toBe(true);
    expect(docs.has('2')).toBe(false);
  });

  it('rescan window: a row committed after the cursor passed its timestamp is still picked up', async () => {
    const h = await harness((h) => [polling(h, { safetyLagMs: 100, rescanWindowMs: 10_000 })]);
    await h.exec(
      `INSERT INTO items (id, name, price, updated_at) VALUES (1, 'old', 1.00, NOW(6) - INTERVAL 60 SECOND)`,
    );
    await h.start();
    await waitFor('the first row', async () => (await ids(h)).includes('1'));
    const tx = await rootConnection(h.db);
    try {
      await tx.beginTransaction();
      await tx.query(
        `INSERT INTO items (id, name, price, updated_at) VALUES (2, 'long tx', 2.00, UTC_TIMESTAMP(6) - INTERVAL 3 SECOND)`,
      );
      await h.exec(
        `INSERT INTO items (id, name, price, updated_at) VALUES (3, 'newer', 3.00, UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)`,
      );
      await waitFor('the poller to pass the newer row', async () => (await ids(h)).includes('3'));
      const cursor = pollingSource(h).cursor(`${h.db}.items`);
      expect(cursor?.pk).toEqual([3]);
      await tx.commit();
    } finally {
      await tx.end();
    }
    await waitFor('the long transaction row', async () => (await ids(h)).includes('2'));
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('integer version column as the tracking column', async () => {
    const h = await harness(
      (h) => [polling(h, { trackingColumn: 'ver' })],
      `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, ver BIGINT UNSIGNED NOT NULL, KEY (ver))`,
    );
    await h.exec(`INSERT INTO items VALUES (1, 'a', 10), (2, 'b', 11), (3, 'c', 12)`);
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await h.exec(`UPDATE items SET name = 'a2', ver = 13 WHERE id = 1`);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  });
});
