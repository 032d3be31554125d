import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, Position } from '../../../src/core/change-event.js';
import { currentBinlogPosition } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { TEST_SOURCE } from '../../helpers/stack.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from '../mapping/fixtures.js';
import { BINLOG_CONN, createDatabase, SourceRun } from './helpers.js';

/**
 * Syncline's row decoder (row-decoder.ts) against zongji's (the fallback, SYNCLINE_BINLOG_DECODER=zongji):
 * the same binlog range read by both gives the same change events, value for value, on the type matrix
 * of the mapping fixtures plus the edge cases of each decoder path (negative TIME of every precision,
 * DECIMAL layouts, 64-member SETs, two-byte VARCHAR lengths, latin1 and ascii text, GEOMETRY, VECTOR on
 * MySQL, TIMESTAMP zero and in a session zone), written as inserts, updates and deletes under
 * binlog_row_image FULL, MINIMAL and NOBLOB, and on MySQL in a compressed transaction.
 */
const MYSQL = TEST_SOURCE === 'mysql';
let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;
const runs: SourceRun[] = [];

const SET64 = Array.from({ length: 64 }, (_, i) => `'m${i}'`).join(',');
const EDGE_DDL = `CREATE TABLE edge (
  id INT PRIMARY KEY,
  t0 TIME, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), t6 TIME(6),
  dt1 DATETIME(1), dt3 DATETIME(3), dt5 DATETIME(5), ts0 TIMESTAMP NULL DEFAULT NULL, ts3 TIMESTAMP(3) NULL DEFAULT NULL,
  d50 DECIMAL(5,0), d105 DECIMAL(10,5), d189 DECIMAL(18,9), d2010 DECIMAL(20,10), d11 DECIMAL(1,1), d3010 DECIMAL(30,10) UNSIGNED,
  umi MEDIUMINT UNSIGNED, usi SMALLINT UNSIGNED, b17 BIT(17),
  s64 SET(${SET64}), e2 ENUM('a','b'),
  v300 VARCHAR(300), l1 CHAR(10) CHARACTER SET latin1, asc1 VARCHAR(10) CHARACTER SET ascii, ltxt TEXT CHARACTER SET latin1,
  g GEOMETRY NULL, pt POINT NULL${MYSQL ? ', vec VECTOR(3) NULL' : ''}
) DEFAULT CHARSET=utf8mb4`;

const EDGE_ROW_1 = `(1, '-12:30:00', '-00:00:00.5', '-01:00:00.01', '-00:00:01.001', '-838:59:58.9999', '-00:00:00.00001', '-12:30:00.000000',
   '2024-01-02 03:04:05.1', '1999-12-31 23:59:59.999', '0000-00-00 00:00:00.00000', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999',
   -99999, -12345.67891, -123456789.123456789, 1234567890.0123456789, -0.9, 12345678901234567890.0123456789,
   16777215, 65535, b'10000000000000001',
   'm0,m31,m32,m63', 'b',
   REPEAT('ü', 300), 'café', 'plain', 'déjà vu €',
   ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('POINT(1.5 -2.25)')${MYSQL ? ", STRING_TO_VECTOR('[1.5,-2,3.25]')" : ''})`;
const EDGE_ROW_2 = `(2, '-00:01:00', '12:00:00.1', '-00:00:00.99', '838:59:59.999', '00:00:00.0001', '-838:59:59.00001', '-00:00:00.000001',
   '0000-00-00 00:00:00.0', '2024-02-29 12:00:00.5', '9999-12-31 23:59:59.99999', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000',
   0, 0.00001, 0, -0.0000000001, 0.1, 0,
   0, 0, b'0',
   '', 'a',
   '', '', '', '',
   ST_GeomFromText('LINESTRING(0 0,1 1,2 0)'), NULL${MYSQL ? ', NULL' : ''})`;
const EDGE_ROWS = `INSERT INTO edge VALUES ${EDGE_ROW_1}, ${EDGE_ROW_2}`;

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_row_decoder'));
  await conn.query(`${EVERY_TYPE_DDL('every')}; ${EDGE_DDL}`);
});

afterAll(async () => {
  for (const r of runs) await r.stop();
  await drop();
});

/** The events of both decoders over the range from `from` up to the end marker (an insert of edge id 99). */
async function readBoth(from: Position): Promise<[ChangeEvent[], ChangeEvent[]]> {
  const [ours, theirs] = await readBothRuns(from);
  return [ours.events, theirs.events];
}

/** Both runs over the range, their events and batches cut at the end marker's batch. */
async function readBothRuns(from: Position): Promise<[RunView, RunView]> {
  await conn.query('INSERT INTO edge (id) VALUES (99)');
  const tables = [`${db}.every`, `${db}.edge`];
  const ours = new SourceRun({ tables, reader: { rowDecoder: 'syncline' } }, from);
  const theirs = new SourceRun({ tables, reader: { rowDecoder: 'zongji' } }, from);
  runs.push(ours, theirs);
  const isMarker = (e: ChangeEvent) => e.op === 'c' && e.after?.id === 99;
  const marked = (r: SourceRun) => r.events.some(isMarker);
  await Promise.all([
    ours.waitFor(marked, 30_000, 'the end marker'),
    theirs.waitFor(marked, 30_000, 'the end marker'),
  ]);
  await Promise.all([ours.stop(), theirs.stop()]);
  await conn.query('DELETE FROM edge WHERE id = 99');
  const view = (r: SourceRun): RunView => {
    const last = r.batches.findIndex((b) => b.events.some(isMarker));
    const batches = r.batches.slice(0, last + 1);
    const events = r.events;
    return {
      events: events.slice(0, events.findIndex(isMarker) + 1),
      schemaChanges: batches.flatMap((b) => b.schemaChanges),
      transactions: batches.flatMap((b) => b.transactions),
      positions: batches.flatMap((b) => (b.position ? [b.position] : [])),
    };
  };
  return [view(ours), view(theirs)];
}

interface RunView {
  readonly events: ChangeEvent[];
  readonly schemaChanges: unknown[];
  readonly transactions: readonly string[];
  readonly positions: Position[];
}

const rowsOf = (evs: readonly ChangeEvent[]) =>
  evs.map((e) => ({ op: e.op, table: e.source.table, key: e.key, before: e.before, after: e.after }));

describe(`row decoder = zongji's, value for value (${TEST_SOURCE})`, () => {
  it('every column type, inserted, updated and deleted under binlog_row_image FULL, MINIMAL and NOBLOB', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    await conn.query(`SET SESSION sql_mode = ''; SET SESSION time_zone = '+00:00'`);
    await conn.query(EVERY_TYPE_ROWS('every'));
    await conn.query(EDGE_ROWS);
    // A session zone: TIMESTAMP is stored in UTC and rendered in the connection's zone ('Z') by both.
    await conn.query(`SET SESSION time_zone = '+08:00'`);
    await conn.query(
      `UPDATE edge SET ts0 = '2024-06-01 08:00:00', ts3 = '2024-06-01 08:00:00.125' WHERE id = 2`,
    );
    await conn.query(`SET SESSION time_zone = '+00:00'`);
    await conn.query(
      `UPDATE every SET vc = CONCAT(vc, '!'), price = -price, dt = '2000-01-01 00:00:00.5' WHERE lang = 'zh'`,
    );
    await conn.query(`UPDATE edge SET t3 = '-00:00:00.5', d189 = -d189, s64 = 'm1,m62' WHERE id = 1`);
    let expected = 3 + 2 + 1 + 1 + 1;
    for (const image of ['MINIMAL', 'NOBLOB']) {
      await conn.query(`SET SESSION binlog_row_image = '${image}'`);
      await conn.query(`UPDATE every SET i = i + 1, txt = 'changed' WHERE lang = 'en'`); // 2 rows
      await conn.query(`UPDATE edge SET t1 = '-00:00:01.5', v300 = 'x' WHERE id = 2`);
      await conn.query(`DELETE FROM edge WHERE id = 2`);
      await conn.query(`INSERT INTO edge VALUES ${EDGE_ROW_2}`);
      expected += 2 + 1 + 1 + 1;
    }
    await conn.query(`SET SESSION binlog_row_image = 'FULL'`);
    await conn.query('DELETE FROM every');
    await conn.query('DELETE FROM edge');
    expected += 3 + 2;
    const [ours, theirs] = await readBoth(from);
    // (MINIMAL updates of a table whose key the image leaves out become delete + create: more events than rows)
    expect(ours.length).toBeGreaterThan(expected);
    expect(rowsOf(ours)).toStrictEqual(rowsOf(theirs));
    // The matrix did reach the decoders: a few values as the snapshot reads them.
    const first = ours.find((e) => e.source.table === 'edge' && e.op === 'c')!.after!;
    expect(first).toMatchObject({ t0: '-12:30:00', t6: '-12:30:00.000000', d2010: '1234567890.0123456789' });
    expect(first.s64).toBe('m0,m31,m32,m63');
  });

  it('transaction boundaries (GTID, BEGIN, XID), statements and XA: the same events, versions, positions and schema changes', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    await conn.query(
      `BEGIN; INSERT INTO edge (id) VALUES (40), (41); UPDATE edge SET e2 = 'b' WHERE id = 40; COMMIT`,
    );
    await conn.query('INSERT INTO edge (id) VALUES (42)'); // autocommit
    await conn.query('BEGIN; INSERT INTO edge (id) VALUES (43); ROLLBACK'); // not logged
    await conn.query('ALTER TABLE edge ADD COLUMN extra INT NULL'); // a standalone group
    await conn.query('UPDATE edge SET extra = 7 WHERE id = 41');
    await conn.query('ALTER TABLE edge DROP COLUMN extra');
    for (const [xid, decision] of [
      ['rd-commit', 'COMMIT'],
      ['rd-rollback', 'ROLLBACK'],
    ] as const) {
      await conn.query(`XA START '${xid}'`);
      await conn.query(`INSERT INTO edge (id) VALUES (${decision === 'COMMIT' ? 44 : 45})`);
      await conn.query(`XA END '${xid}'`);
      await conn.query(`XA PREPARE '${xid}'`);
      await conn.query(`XA ${decision} '${xid}'`);
    }
    await conn.query(
      `XA START 'rd-one'; INSERT INTO edge (id) VALUES (46); XA END 'rd-one'; XA COMMIT 'rd-one' ONE PHASE`,
    );
    await conn.query('DELETE FROM edge WHERE id BETWEEN 40 AND 46');
    const [ours, theirs] = await readBothRuns(from);
    // the range did hold what it is about: 5 inserts kept (40-42, 44, 46), the update, the DDL's column
    expect(ours.events.filter((e) => e.op === 'c').map((e) => e.after!.id)).toEqual([40, 41, 42, 44, 46, 99]);
    expect(ours.events.some((e) => e.op === 'u' && e.after!.extra === 7)).toBe(true);
    expect(ours.schemaChanges.length).toBeGreaterThanOrEqual(2);
    expect(ours.transactions.length).toBeGreaterThanOrEqual(8);
    expect(ours.events).toStrictEqual(theirs.events);
    expect(ours.schemaChanges).toStrictEqual(theirs.schemaChanges);
    expect(ours.transactions).toStrictEqual(theirs.transactions);
    expect(ours.positions.at(-1)).toStrictEqual(theirs.positions.at(-1));
  });

  // MySQL only: MariaDB has no compressed transactions (its log_bin_compress is global, not for a shared server).
  if (MYSQL)
    it('rows inside a compressed transaction (binlog_transaction_compression=ON)', async () => {
      const from = await currentBinlogPosition(BINLOG_CONN);
      await conn.query(`SET SESSION sql_mode = ''; SET SESSION time_zone = '+00:00'`);
      await conn.query('SET SESSION binlog_transaction_compression = ON');
      try {
        await conn.query(
          `BEGIN; ${EVERY_TYPE_ROWS('every')}; ${EDGE_ROWS}; UPDATE edge SET t2 = '-00:00:00.01'; COMMIT`,
        );
      } finally {
        await conn.query('SET SESSION binlog_transaction_compression = OFF');
      }
      const [ours, theirs] = await readBoth(from);
      expect(ours.length).toBe(3 + 2 + 2 + 1);
      expect(rowsOf(ours)).toStrictEqual(rowsOf(theirs));
    });
});
