import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRows, selectExact } from '../../../src/mapping/exact-numbers.js';
import { readCurrentRows } from '../../../src/sources/outbox/current-rows.js';
import { rootConnection, uniqueName } from '../../helpers/stack.js';

/** readRows against a live MariaDB: FLOAT and DOUBLE exact, FLOAT columns followed through ALTER TABLE. */
const db = uniqueName('t_exactnum');
let c: mysql.Connection;

beforeAll(async () => {
  c = await rootConnection();
  await c.query(`CREATE DATABASE ${db}`);
  await c.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, f FLOAT, d DOUBLE, f52 FLOAT(5,2), s VARCHAR(9))`);
  await c.query(
    `INSERT INTO ${db}.t VALUES (1, -851500.5, 977.1706419996917, 1.25, 'x'), (2, NULL, NULL, NULL, NULL),
       (3, 1e-45, 5e-324, -0.5, 'y')`,
  );
});
afterAll(async () => {
  await c?.query(`DROP DATABASE IF EXISTS ${db}`);
  await c?.end();
});

const read = () => readRows(c, db, 't', `SELECT * FROM \`${db}\`.t ORDER BY id`);

describe('readRows', () => {
  it('reads FLOAT as its float32 and DOUBLE as the stored double (a plain SELECT does neither)', async () => {
    const [plain] = (await c.query(`SELECT f, d FROM ${db}.t WHERE id = 1`)) as unknown as [
      Array<{ f: number; d: number }>,
    ];
    expect(plain[0]).toEqual({ f: -851500, d: 977.1706419996916 }); // why readRows exists
    expect(await read()).toEqual([
      { id: 1, f: -851500.5, d: 977.1706419996917, f52: 1.25, s: 'x' },
      { id: 2, f: null, d: null, f52: null, s: null },
      { id: 3, f: Math.fround(1e-45), d: 5e-324, f52: -0.5, s: 'y' },
    ]);
  });

  it('the outbox relay reads the current rows exactly too (UNION ALL of key look-ups, rows as arrays)', async () => {
    const t = { qualified: `${db}.t`, database: db, table: 't', keyColumns: ['id'] };
    const rows = await readCurrentRows(c as never, t, [[3], [9], [1]]);
    expect(rows).toEqual([
      [{ id: 3, f: Math.fround(1e-45), d: 5e-324, f52: -0.5, s: 'y' }],
      [],
      [{ id: 1, f: -851500.5, d: 977.1706419996917, f52: 1.25, s: 'x' }],
    ]);
    const [arrays, fields] = await selectExact(
      c,
      db,
      't',
      (columns) => `SELECT 7 AS tag, ${columns} FROM \`${db}\`.t AS x WHERE id = 1`,
      [],
      { qualifier: 'x', rowsAsArray: true },
    );
    expect(fields.map((f) => f.name)).toEqual(['tag', 'id', 'f', 'd', 'f52', 's']);
    expect(arrays).toEqual([[7, 1, -851500.5, 977.1706419996917, 1.25, 'x']]);
  });

  it('follows FLOAT columns added and dropped since its last read', async () => {
    await read();
    await c.query(`ALTER TABLE ${db}.t ADD COLUMN g FLOAT`);
    await c.query(`UPDATE ${db}.t SET g = 0.1 WHERE id = 1`);
    expect((await read())[0]).toMatchObject({ f: -851500.5, g: Math.fround(0.1) });
    await c.query(`ALTER TABLE ${db}.t DROP COLUMN f`);
    const rows = await read();
    expect(rows[0]).toEqual({ id: 1, d: 977.1706419996917, f52: 1.25, s: 'x', g: Math.fround(0.1) });
  });

  it('refuses anything but SELECT * FROM', async () => {
    await expect(readRows(c, db, 't', `SELECT id FROM ${db}.t`)).rejects.toThrow(/SELECT \* FROM/);
  });
});
