import ZongJi from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/core/change-event.js';
import { readRows } from '../../../src/mapping/exact-numbers.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { MARIADB_PORT, rootConnection, uniqueName } from '../../helpers/stack.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from './fixtures.js';

/**
 * The same rows read by the two readers — mysql2 (snapshot/polling) and zongji (binlog streaming),
 * configured as docs/mapping.md says — must map to the same documents and ids.
 */
const db = uniqueName('t_mapparity');
const table = 'every_type';
let admin: mysql.Connection;
let zongji: ZongJi | undefined;
const binlogRows: Row[] = [];
let snapshotRows: Row[] = [];

beforeAll(async () => {
  admin = await rootConnection();
  await admin.query(`CREATE DATABASE ${db}; USE ${db}`);
  await admin.query(EVERY_TYPE_DDL(table));

  const zj = new ZongJi({
    host: '127.0.0.1',
    port: MARIADB_PORT,
    user: 'root',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    timezone: 'Z',
  } as ConstructorParameters<typeof ZongJi>[0]);
  zongji = zj;
  const ready = new Promise<void>((resolve, reject) => {
    zj.on('ready', () => resolve());
    zj.on('error', reject);
  });
  zj.on('binlog', (ev) => {
    const rows = (ev as { rows?: Row[] }).rows;
    if (ev.getEventName() === 'writerows' && rows) binlogRows.push(...rows);
  });
  zj.start({
    serverId: 200_000 + Math.floor(Math.random() * 100_000),
    startAtEnd: true,
    includeEvents: ['tablemap', 'writerows'],
    includeSchema: { [db]: [table] },
  });
  await ready;

  await admin.query(`SET SESSION sql_mode = ''; SET SESSION time_zone = '+00:00'`);
  await admin.query(EVERY_TYPE_ROWS(table));
  const deadline = Date.now() + 20_000;
  while (binlogRows.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  const reader = await mysql.createConnection({
    host: '127.0.0.1',
    port: MARIADB_PORT,
    user: 'root',
    database: db,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
  });
  await reader.query(`SET SESSION time_zone = '+00:00'`);
  // through readRows, as the snapshot, polling and reconcile read (FLOAT and DOUBLE exact)
  const rows = await readRows(reader, db, table, `SELECT * FROM ${table} ORDER BY id`);
  snapshotRows = rows.map((r) => ({ ...r }));
  await reader.end();
});

afterAll(async () => {
  zongji?.stop();
  await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin?.end();
});

const byId = (rows: Row[]) => new Map(rows.map((r) => [String(r.id), r]));

describe('snapshot (mysql2) and binlog (zongji) rows map to the same documents', () => {
  it('captured all rows from both readers', () => {
    expect(binlogRows).toHaveLength(3);
    expect(snapshotRows).toHaveLength(3);
  });

  for (const options of [
    {},
    { decimal: 'number', tinyint1: 'boolean', datetimeZone: 'Asia/Shanghai' },
  ] as const) {
    it(`identical documents and ids with ${JSON.stringify(options)}`, async () => {
      const mapping = await TableMapping.load(admin, { table: `${db}.${table}`, index: 'x', ...options });
      const snap = byId(snapshotRows);
      for (const [id, b] of byId(binlogRows)) {
        const s = snap.get(id)!;
        expect(mapping.idOf(b)).toBe(mapping.idOf(s));
        expect(mapping.toDocument(b), `row ${id}`).toEqual(mapping.toDocument(s));
      }
    });
  }

  it('pins the converted values of the edge row', async () => {
    const mapping = await TableMapping.load(admin, { table: `${db}.${table}`, index: 'x' });
    const row = snapshotRows.find((r) => String(r.id) === '18446744073709551615')!;
    expect(mapping.idOf(row)).toBe('18446744073709551615|zh');
    const doc = mapping.toDocument(row);
    expect(doc).toMatchObject({
      id: '18446744073709551615',
      ti: -128,
      uti: 255,
      flag: 1,
      bool_col: 0,
      i: -2147483648,
      ui: 4294967295,
      bi: '-9223372036854775808',
      ubi: '18446744073709551615',
      price: '10.50',
      wide: '12345678901234567890123456789012345.123456789012345678901234567890',
      f: 123456790, // FLOAT 123456789 is stored as the float32 123456792
      f74: 123.4567,
      d: 0.30000000000000004,
      d103: 1.235,
      b1: 'AQ==',
      b10: 'AgE=',
      b64: '//////////8=',
      dt: '2024-01-02T03:04:05.123456Z',
      dt0: '1000-01-01T00:00:00.000000Z',
      ts: '2024-01-02T03:04:05.123456Z',
      dte: '2024-02-29',
      tm: '-838:59:59.000000',
      tm2: '-00:00:01.500000',
      yr: 2155,
      c: 'char',
      vc: '华为手机 Mate 60 😀',
      latin: 'café €',
      bin: 'YWIAAA==',
      vbin: 'eHkA',
      bl: 'YmxvYg==',
      e: "it's",
      s: ['red', 'blue'],
      j: { a: '12345678901234567890', b: [1, 2.5], c: { d: '中文' } },
      u: '6ccd780c-baba-1026-9564-5b8c656024db',
      ip4: '192.168.0.1',
      ip6: '2001:db8::1',
    });
    expect(doc.txt).toBe('Apple phone case');
    expect((doc.mt as string).length).toBe(3000);
  });

  it('zero dates and the zero year become null; NULLs stay null', async () => {
    const mapping = await TableMapping.load(admin, { table: `${db}.${table}`, index: 'x' });
    const zero = mapping.toDocument(snapshotRows.find((r) => String(r.id) === '1')!);
    expect(zero).toMatchObject({
      dt: null,
      dt0: null,
      ts: null,
      dte: null,
      yr: null,
      tm: '00:00:00.000000',
      tm2: '-00:00:00.010000',
    });
    expect(zero).toMatchObject({
      bi: '9007199254740993',
      ubi: 9007199254740991,
      s: [],
      j: [],
      e: 'a,b',
      ip6: '::ffff:1.2.3.4',
    });
    const nulls = mapping.toDocument(snapshotRows.find((r) => String(r.id) === '2')!);
    const { id: _id, lang: _lang, ...rest } = nulls;
    expect(Object.values(rest).every((v) => v === null)).toBe(true);
    // every column but id and lang, plus the JSON column's search copy j_values (docs/mapping.md#json-columns)
    expect(Object.keys(rest)).toHaveLength(mapping.columns.columns.length - 2 + 1);
  });
});
