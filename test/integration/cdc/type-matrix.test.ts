import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from '../mapping/fixtures.js';

/**
 * Type fidelity through the real pipeline: every column type gives the same document through the
 * snapshot as through streaming, and the document the test oracle renders from its own SQL and the
 * documented rules (test/helpers/oracle.ts, used by converge), never by the mapping code under test.
 */
const h = new Harness({
  tables: ['every', 'big', 'tz', 'opts'],
  setup: `${EVERY_TYPE_DDL('every')};
    ${EVERY_TYPE_DDL('opts')};
    CREATE TABLE big (id INT PRIMARY KEY, lt LONGTEXT) DEFAULT CHARSET=utf8mb4;
    CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMP(6) NULL, dt DATETIME(6) NULL);
    SET SESSION sql_mode = ''; SET SESSION time_zone = '+00:00';
    ${EVERY_TYPE_ROWS('every')};
    ${EVERY_TYPE_ROWS('opts')};
    SET SESSION time_zone = '+08:00';
    INSERT INTO tz VALUES (1, '2024-01-02 11:04:05.123456', '2024-01-02 11:04:05.123456');`,
});
// 'opts' is mapped with every presentation option; the oracle renders them from the documented rules
Object.assign(h.config.mappings.find((m) => m.table.endsWith('.opts'))!, {
  decimal: 'number',
  tinyint1: 'boolean',
  datetimeZone: '+08:00',
  rename: { vc: 'title', price: 'cost' },
  exclude: ['lt', 'mt'],
});
const SIXTEEN_MB = 16 * 1024 * 1024;
const CHARS = Math.floor(SIXTEEN_MB / 3); // '长' is 3 bytes in utf8mb4

beforeAll(async () => {
  await h.createDatabase();
  await h.exec('INSERT INTO big VALUES (1, REPEAT(?, ?))', ['长', CHARS]);
  await h.start();
});
afterAll(() => h.cleanup());

type Doc = Record<string, unknown>;
async function doc(table: string, id: string): Promise<Doc> {
  const r = await h.search.request<{ _source: Doc; found: boolean }>(
    'GET',
    `/${h.index(table)}/_doc/${encodeURIComponent(id)}`,
  );
  expect(r.body.found).toBe(true);
  return r.body._source;
}
const without = (d: Doc, ...keys: string[]) =>
  Object.fromEntries(Object.entries(d).filter(([k]) => !keys.includes(k)));

describe('type fidelity: snapshot = streaming = MySQL read-back', () => {
  it('snapshot documents equal the rows as a MySQL client reads them', async () => {
    expect(clean(await h.converge('every'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const d = await doc('every', '18446744073709551615|zh');
    expect(d).toMatchObject({
      ubi: '18446744073709551615',
      bi: '-9223372036854775808',
      wide: '12345678901234567890123456789012345.123456789012345678901234567890',
      price: '10.50',
      f: 123456790, // FLOAT 123456789 is stored as the float32 123456792: its shortest decimal
      f74: 123.4567,
      d: 0.30000000000000004,
      d103: 1.235,
      dt: '2024-01-02T03:04:05.123456Z',
      ts: '2024-01-02T03:04:05.123456Z',
      dte: '2024-02-29',
      tm: '-838:59:59.000000',
      yr: 2155,
      vc: '华为手机 Mate 60 😀',
      e: "it's",
      s: ['red', 'blue'],
      j: { a: '12345678901234567890', b: [1, 2.5], c: { d: '中文' } },
    });
    const nulls = await doc('every', '2|en');
    for (const [k, v] of Object.entries(nulls)) if (!['id', 'lang'].includes(k)) expect(v, k).toBeNull();
  });

  it('the same rows written after start (streaming) give the same documents as the snapshot', async () => {
    const [cols] = (await h.clients.db.query(
      "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'every' ORDER BY ORDINAL_POSITION",
      [h.db],
    )) as unknown as [Array<{ c: string }>];
    const names = cols.map((c) => `\`${c.c}\``);
    const select = names.map((n) => (n === '`lang`' ? "CONCAT(LEFT(lang, 1), '2')" : n)).join(', ');
    const conn = await h.clients.db.getConnection();
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query(`INSERT INTO every (${names.join(', ')}) SELECT ${select} FROM every`);
    conn.release();
    expect(clean(await h.converge('every'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    for (const [a, b] of [
      ['18446744073709551615|zh', '18446744073709551615|z2'],
      ['1|en', '1|e2'],
      ['2|en', '2|e2'],
    ] as const) {
      expect(without(await doc('every', b), 'lang'), b).toEqual(without(await doc('every', a), 'lang'));
    }
  });

  it('presentation options (decimal, tinyint1, datetimeZone, rename, exclude) give the documented documents', async () => {
    expect(clean(await h.converge('opts'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const d = await doc('opts', '18446744073709551615|zh');
    expect(d).toMatchObject({
      cost: 10.5,
      flag: true,
      bool_col: false,
      title: '华为手机 Mate 60 😀',
      dt: '2024-01-01T19:04:05.123456Z', // written in +08:00
      dt0: '0999-12-31T16:00:00.000000Z',
      ts: '2024-01-02T03:04:05.123456Z', // TIMESTAMP ignores datetimeZone
      f: 123456790,
    });
    expect(Object.keys(d).filter((k) => ['lt', 'mt', 'vc', 'price'].includes(k))).toEqual([]);
  });

  it('TIMESTAMP written under a +08:00 session is the same instant; DATETIME is read as written', async () => {
    expect(clean(await h.converge('tz'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(await doc('tz', '1')).toEqual({
      id: 1,
      ts: '2024-01-02T03:04:05.123456Z',
      dt: '2024-01-02T11:04:05.123456Z',
    });
    const conn = await h.clients.db.getConnection();
    await conn.query("SET SESSION time_zone = '-05:00'");
    await conn.query("INSERT INTO tz VALUES (2, '2024-01-01 22:04:05.123456', '2024-01-02 11:04:05.123456')");
    await conn.query("SET SESSION time_zone = '+00:00'"); // the pool's sessions read in UTC
    conn.release();
    expect(clean(await h.converge('tz'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(without(await doc('tz', '2'), 'id')).toEqual(without(await doc('tz', '1'), 'id'));
  });

  it('a 16 MB LONGTEXT travels through snapshot and streaming intact', async () => {
    expect(clean(await h.converge('big'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await h.exec('INSERT INTO big SELECT 2, lt FROM big WHERE id = 1');
    expect(clean(await h.converge('big'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    const d = await doc('big', '2');
    expect((d.lt as string).length).toBe(CHARS);
    expect(Buffer.byteLength(d.lt as string)).toBeGreaterThan(SIXTEEN_MB - 3);
  });
});
