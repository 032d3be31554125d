import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTableColumns } from '../../../src/mapping/column-types.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { rootConnection, uniqueName } from '../../helpers/stack.js';
import { EVERY_TYPE_DDL } from './fixtures.js';

const db = uniqueName('t_mapcols');
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await rootConnection();
  await conn.query(`CREATE DATABASE ${db}; USE ${db}`);
  await conn.query(EVERY_TYPE_DDL('every_type'));
  await conn.query(`CREATE TABLE no_pk (a INT, b VARCHAR(10), UNIQUE KEY (a))`);
  await conn.query('CREATE TABLE `we``ird` (`k` INT PRIMARY KEY, `j``x` JSON)');
});
afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${db}`);
  await conn?.end();
});

describe('readTableColumns (MariaDB INFORMATION_SCHEMA)', () => {
  it('describes every column type', async () => {
    const t = await readTableColumns(conn, db, 'every_type');
    expect(t.primaryKey).toEqual(['id', 'lang']);
    const by = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(t.columns.map((c) => c.name).slice(0, 3)).toEqual(['id', 'lang', 'ti']);
    expect(by.id).toMatchObject({ type: 'bigint', unsigned: true, precision: 20, scale: 0, nullable: false });
    expect(by.flag).toMatchObject({ type: 'tinyint', isTinyint1: true });
    expect(by.bool_col).toMatchObject({ type: 'tinyint', isTinyint1: true });
    expect(by.ti).toMatchObject({ isTinyint1: false, unsigned: false });
    expect(by.uti).toMatchObject({ unsigned: true });
    expect(by.price).toMatchObject({ type: 'decimal', precision: 12, scale: 2 });
    expect(by.wide).toMatchObject({ type: 'decimal', precision: 65, scale: 30 });
    expect(by.f).toMatchObject({ type: 'float', scale: null });
    expect(by.f74).toMatchObject({ type: 'float', scale: 4 });
    expect(by.d).toMatchObject({ type: 'double', scale: null });
    expect(by.d103).toMatchObject({ type: 'double', scale: 3 });
    expect(by.b10).toMatchObject({ type: 'bit', precision: 10 });
    expect(by.dt).toMatchObject({ type: 'datetime', fsp: 6 });
    expect(by.dt0).toMatchObject({ type: 'datetime', fsp: 0 });
    expect(by.ts).toMatchObject({ type: 'timestamp', fsp: 6 });
    expect(by.tm2).toMatchObject({ type: 'time', fsp: 2 });
    expect(by.dte).toMatchObject({ type: 'date' });
    expect(by.yr).toMatchObject({ type: 'year' });
    expect(by.vc).toMatchObject({ type: 'varchar', charset: 'utf8mb4', length: 100 });
    expect(by.latin).toMatchObject({ type: 'varchar', charset: 'latin1' });
    expect(by.bin).toMatchObject({ type: 'binary', length: 4, charset: null });
    expect(by.lb).toMatchObject({ type: 'longblob' });
    expect(by.e).toMatchObject({ type: 'enum', enumValues: ['small', 'medium', "it's", 'a,b'] });
    expect(by.s).toMatchObject({ type: 'set', setValues: ['red', 'green', 'blue'] });
    // MariaDB's JSON is LONGTEXT + CHECK (json_valid(j)); the descriptor says json
    expect(by.j).toMatchObject({ type: 'json' });
    expect(by.lt).toMatchObject({ type: 'longtext' });
    expect(by.u).toMatchObject({ type: 'uuid' });
    expect(by.ip4).toMatchObject({ type: 'inet4' });
    expect(by.ip6).toMatchObject({ type: 'inet6' });
  });

  it('reports no primary key as null, handles quoted names, and rejects unknown tables', async () => {
    expect((await readTableColumns(conn, db, 'no_pk')).primaryKey).toBeNull();
    const weird = await readTableColumns(conn, db, 'we`ird');
    expect(weird.columns.map((c) => [c.name, c.type])).toEqual([
      ['k', 'int'],
      ['j`x', 'json'],
    ]);
    await expect(readTableColumns(conn, db, 'missing')).rejects.toThrow(/not found/);
  });

  it('MappingSet.load reads every mapped table; a table without a key needs keyColumns', async () => {
    const set = await MappingSet.load(conn, [
      { table: `${db}.every_type`, index: 'x' },
      { table: `${db}.no_pk`, index: 'y', keyColumns: ['a'] },
    ]);
    expect(set.get(db, 'every_type')?.keyColumns).toEqual(['id', 'lang']);
    expect(set.get(db, 'no_pk')?.keyColumns).toEqual(['a']);
    await expect(MappingSet.load(conn, [{ table: `${db}.no_pk`, index: 'y' }])).rejects.toMatchObject({
      kind: 'NO_PRIMARY_KEY',
    });
    // ALTER TABLE at run time: refreshColumns picks the new column up
    await conn.query(`ALTER TABLE ${db}.no_pk ADD COLUMN added DECIMAL(5,1)`);
    const m = set.get(db, 'no_pk')!;
    expect(m.toDocument({ a: 1, added: '2' })).toEqual({ a: 1, added: '2' });
    await set.refreshColumns(conn, db, 'no_pk');
    expect(m.toDocument({ a: 1, added: '2' })).toEqual({ a: 1, added: '2.0' });
  });
});
