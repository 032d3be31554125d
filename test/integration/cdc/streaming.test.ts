import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { GTID_LABEL } from '../../helpers/stack.js';

const h = new Harness({
  tables: ['items', 'owners'],
  setup: `
    CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100), price DECIMAL(12,2), tags JSON, updated_at DATETIME(6));
    CREATE TABLE owners (a INT, b VARCHAR(10), note TEXT, PRIMARY KEY (a, b));
    INSERT INTO items VALUES (1, '华为手机 Mate 60', 5999.00, '["5G"]', '2024-01-02 03:04:05.123456'), (2, 'phone case', 9.90, NULL, NULL);
    INSERT INTO owners VALUES (1, 'x', 'first');`,
});

beforeAll(async () => {
  await h.createDatabase();
  await h.start();
});
afterAll(() => h.cleanup());

const zero = { missing: 0, extra: 0, stale: 0 };

/** Polls `probe` until it gives a value (bounded): the pipeline's changes arrive asynchronously. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The document's source once the pipeline has indexed it. */
const indexed = (id: number) =>
  eventually(`document ${id}`, async () => {
    const r = await h.search.request<{ found?: boolean; _source?: Record<string, unknown> }>(
      'GET',
      `/${h.index('items')}/_doc/${id}`,
    );
    return r.body.found ? r.body._source : undefined;
  });

describe('binlog CDC end to end (real MariaDB → real OpenSearch)', () => {
  it('snapshots existing rows, composite keys included', async () => {
    expect(clean(await h.converge('items'))).toEqual(zero);
    expect(clean(await h.converge('owners'))).toEqual(zero);
    const doc = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${h.index('items')}/_doc/1`,
    );
    expect(doc.body._source).toMatchObject({
      name: '华为手机 Mate 60',
      price: '5999.00',
      tags: ['5G'],
      updated_at: '2024-01-02T03:04:05.123456Z',
    });
  });

  it('insert / update / delete, multi-row statements, a transaction over two tables', async () => {
    await h.exec('INSERT INTO items (id, name, price) VALUES (3, ?, 1.00), (4, ?, 2.00), (5, ?, 3.00)', [
      'a',
      'b',
      'c',
    ]);
    await h.exec('UPDATE items SET price = price + 1 WHERE id IN (1, 3, 4)');
    await h.exec('DELETE FROM items WHERE id IN (2, 5)');
    const conn = await h.clients.db.getConnection();
    await conn.beginTransaction();
    await conn.query("INSERT INTO items (id, name, price) VALUES (6, 'tx', 6.00)");
    await conn.query("UPDATE owners SET note = 'changed in tx' WHERE a = 1");
    await conn.query("INSERT INTO owners VALUES (2, 'y|z', 'pipe in key')");
    await conn.query("UPDATE items SET name = 'tx-2' WHERE id = 6");
    await conn.commit();
    conn.release();
    expect(clean(await h.converge('items'))).toEqual(zero);
    expect(clean(await h.converge('owners'))).toEqual(zero);
  });

  it('a rolled-back transaction leaves nothing', async () => {
    const conn = await h.clients.db.getConnection();
    await conn.beginTransaction();
    await conn.query("INSERT INTO items (id, name, price) VALUES (99, 'rolled back', 1.00)");
    await conn.rollback();
    conn.release();
    await h.exec("INSERT INTO items (id, name, price) VALUES (7, 'after rollback', 1.00)");
    expect(clean(await h.converge('items'))).toEqual(zero);
    const r = await h.search.request('GET', `/${h.index('items')}/_doc/99`);
    expect(r.status).toBe(404);
  });

  it('ALTER TABLE ADD / RENAME / DROP COLUMN without a restart: later documents follow the new schema', async () => {
    await h.exec('ALTER TABLE items ADD COLUMN color VARCHAR(20) NULL');
    await h.exec("INSERT INTO items (id, name, price, color) VALUES (8, 'with color', 1.00, '红色')");
    await h.exec("UPDATE items SET color = 'blue' WHERE id = 1");
    // row 8 was inserted with its colour in one statement: once indexed, the document must have it
    expect((await indexed(8)).color).toBe('红色');
    await h.exec('ALTER TABLE items RENAME COLUMN color TO colour');
    await h.exec("INSERT INTO items (id, name, price, colour) VALUES (9, 'renamed', 1.00, 'green')");
    const d9 = await indexed(9);
    expect(d9.colour).toBe('green');
    expect(d9.color).toBeUndefined();
    await h.exec('ALTER TABLE items DROP COLUMN colour');
    await h.exec("INSERT INTO items (id, name, price) VALUES (10, 'dropped', 1.00)");
    const d10 = await indexed(10);
    expect(d10).not.toHaveProperty('colour');
    expect(d10.name).toBe('dropped');
  });

  it('TRUNCATE deletes the table’s documents; later inserts land', async () => {
    await h.exec('TRUNCATE TABLE owners');
    await h.exec("INSERT INTO owners VALUES (5, 'after', 'post-truncate')");
    expect(clean(await h.converge('owners'))).toEqual(zero);
    const d = await h.diff('owners');
    expect(d.docs).toBe(1);
  });

  it('the checkpoint is committed at a GTID', async () => {
    // written at most once a second behind what is indexed: polled (bounded), the last label asserted
    const gtid = GTID_LABEL;
    const deadline = Date.now() + 30_000;
    let label: string | undefined;
    for (;;) {
      const [rows] = (await h.clients.db.query('SELECT label FROM syncline.checkpoints WHERE pipeline = ?', [
        h.name,
      ])) as unknown as [Array<{ label: string }>];
      label = rows[0]?.label;
      if ((label !== undefined && gtid.test(label)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(label).toMatch(gtid);
  });
});
