import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, Harness } from '../../helpers/pipeline-harness.js';

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
    await new Promise((r) => setTimeout(r, 1500));
    const d8 = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${h.index('items')}/_doc/8`,
    );
    expect(d8.body._source.color).toBe('红色');
    await h.exec('ALTER TABLE items RENAME COLUMN color TO colour');
    await h.exec("INSERT INTO items (id, name, price, colour) VALUES (9, 'renamed', 1.00, 'green')");
    await new Promise((r) => setTimeout(r, 1500));
    const d9 = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${h.index('items')}/_doc/9`,
    );
    expect(d9.body._source.colour).toBe('green');
    expect(d9.body._source.color).toBeUndefined();
    await h.exec('ALTER TABLE items DROP COLUMN colour');
    await h.exec("INSERT INTO items (id, name, price) VALUES (10, 'dropped', 1.00)");
    await new Promise((r) => setTimeout(r, 1500));
    const d10 = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${h.index('items')}/_doc/10`,
    );
    expect(d10.body._source).not.toHaveProperty('colour');
    expect(d10.body._source.name).toBe('dropped');
  });

  it('TRUNCATE deletes the table’s documents; later inserts land', async () => {
    await h.exec('TRUNCATE TABLE owners');
    await h.exec("INSERT INTO owners VALUES (5, 'after', 'post-truncate')");
    expect(clean(await h.converge('owners'))).toEqual(zero);
    const d = await h.diff('owners');
    expect(d.docs).toBe(1);
  });

  it('the checkpoint is committed at a GTID', async () => {
    await new Promise((r) => setTimeout(r, 1200));
    const [rows] = (await h.clients.db.query('SELECT label FROM syncline.checkpoints WHERE pipeline = ?', [
      h.name,
    ])) as unknown as [Array<{ label: string }>];
    expect(rows[0]?.label).toMatch(/^gtid \d+-\d+-\d+$/);
  });
});
