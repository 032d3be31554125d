import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { createSync, readCommitStamp, type Sync, versionOf } from '../../../src/sdk/index.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { rootConnection } from '../../helpers/stack.js';

/**
 * The dual-write SDK and binlog CDC write the same index: versions come from the same GTID, so the
 * second writer of a change is stale, and the SDK can never regress a document CDC wrote later.
 */
const h = new Harness({
  tables: ['items'],
  setup: `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100), qty INT NOT NULL DEFAULT 0);
          INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);`,
});
let sync: Sync;

interface DocAnswer {
  found: boolean;
  _version?: number;
  _source?: Record<string, unknown>;
}

const doc = async (id: number) => {
  const r = await h.search.request<DocAnswer>('GET', `/${h.index('items')}/_doc/${id}`);
  return r.body;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `sql` in one transaction on its own connection; returns the commit's stamp read on that connection. */
async function commit(sql: string, args: unknown[] = []) {
  const conn = await h.clients.db.getConnection();
  try {
    await conn.beginTransaction();
    await conn.query(sql, args);
    await conn.commit();
    return await readCommitStamp(conn);
  } finally {
    conn.release();
  }
}

const row = async (id: number) => {
  const [rows] = await h.clients.db.query(`SELECT * FROM ${h.db}.items WHERE id = ?`, [id]);
  return (rows as Array<Record<string, unknown>>)[0];
};

beforeAll(async () => {
  await h.createDatabase();
  await h.start();
  expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  sync = await createSync({ config: h.config, search: h.search, db: h.clients.db, defaultDatabase: h.db });
});
afterAll(async () => {
  await sync?.close();
  await h.cleanup();
});

describe('dual-write SDK versions = binlog versions', () => {
  it('a dual-write and the CDC event of the same change carry the same version: the later one is stale', async () => {
    await h.stop(); // CDC catches up later, from its checkpoint
    const conn = await h.clients.db.getConnection();
    await conn.beginTransaction();
    await conn.query(`UPDATE ${h.db}.items SET name = 'one v2', qty = 10 WHERE id = 1`);
    await conn.commit();
    const tx = await sync.committed(conn);
    conn.release();
    const receipt = await tx.index('items', (await row(1))!);
    expect(receipt).toMatchObject({ outcome: 'ok', version: versionOf(tx.stamp, 0) });
    const written = await doc(1);
    expect(written._source).toMatchObject({ name: 'one v2', qty: 10 });
    expect(BigInt(written._version!)).toBe(versionOf(tx.stamp, 0));

    await h.start();
    const sink = h.runner!.handles[0]!.sink;
    await until('CDC to replay the change as stale', async () =>
      sink.counters.stale > 0 ? true : undefined,
    );
    expect((await doc(1))._version).toBe(written._version);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('cannot regress a document that CDC wrote later (an older transaction’s version is stale)', async () => {
    const older = await commit(`UPDATE ${h.db}.items SET name = 'two old', qty = 20 WHERE id = 2`);
    const olderRow = (await row(2))!;
    const newer = await commit(`UPDATE ${h.db}.items SET name = 'two new', qty = 21 WHERE id = 2`);
    expect(newer.seqNo).toBeGreaterThan(older.seqNo);
    const cdc = await until('CDC to index the newer change', async () => {
      const d = await doc(2);
      return d._source?.name === 'two new' ? d : undefined;
    });
    expect(BigInt(cdc._version!)).toBe(versionOf(newer, 0));

    const late = await sync.index(`${h.db}.items`, olderRow, { stamp: older });
    expect(late.outcome).toBe('stale');
    const after = await doc(2);
    expect(after._source).toMatchObject({ name: 'two new', qty: 21 });
    expect(after._version).toBe(cdc._version);
  });

  it('a delete through the SDK wins over older writes and is not undone by the CDC replay', async () => {
    const stamp = await commit(`DELETE FROM ${h.db}.items WHERE id = 3`);
    const r = await sync.remove('items', { id: 3 }, { stamp });
    expect(['ok', 'stale']).toContain(r.outcome);
    await until('the delete to reach the index', async () => ((await doc(3)).found ? undefined : true));
    // an older version of the row arriving late (a retried write) must not resurrect it
    const resurrect = await sync.index(
      'items',
      { id: 3, name: 'three', qty: 3 },
      { gtid: `0-1-${stamp.seqNo - 1n}` },
    );
    expect(resurrect.outcome).toBe('stale');
    expect((await doc(3)).found).toBe(false);
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('refuses to guess a version: a pool, an unmapped table, no version at all', async () => {
    const refused = async (p: Promise<unknown>, code: string) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isSynclineError(e) && e.code).toBe(code);
    };
    await refused(readCommitStamp(h.clients.db), 'SYNC_S1101');
    await refused(sync.index('items', { id: 1, name: 'x', qty: 1 }), 'SYNC_S1101');
    await refused(sync.index('nope', { id: 1 }, { gtid: '0-1-1' }), 'SYNC_S1102');
    // a new session that has not committed anything to the binlog: @@last_gtid is empty
    const fresh = await rootConnection();
    try {
      await refused(readCommitStamp(fresh), 'SYNC_S1101');
    } finally {
      await fresh.end();
    }
  });
});
