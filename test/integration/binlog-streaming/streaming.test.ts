import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { readRows } from '../../../src/mapping/exact-numbers.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { BinlogReader } from '../../../src/sources/mysql-binlog/streaming/binlog-reader.js';
import { GtidState, parseAnyGtid } from '../../../src/sources/mysql-binlog/streaming/gtid-state.js';
import { currentBinlogPosition } from '../../../src/sources/mysql-binlog/streaming/position.js';
import type { SchemaChange } from '../../../src/sources/mysql-binlog/streaming/transaction-assembler.js';
import { SOURCE_PORT, TEST_SOURCE } from '../../helpers/stack.js';
import { BINLOG_CONN, createDatabase, randomServerId, SourceRun } from './helpers.js';

let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;
const runs: SourceRun[] = [];

function run(...args: ConstructorParameters<typeof SourceRun>): SourceRun {
  const r = new SourceRun(...args);
  runs.push(r);
  return r;
}

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_binlog_stream'));
  await conn.query(`
    CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50), price DECIMAL(10,2));
    CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, item_id INT, qty INT, created TIMESTAMP(3) NULL,
                         meta JSON, at DATETIME, big BIGINT);
    CREATE TABLE other (id INT PRIMARY KEY, v INT);
    CREATE TABLE nopk (a INT, b VARCHAR(10));
  `);
});

afterAll(async () => {
  for (const r of runs) await r.stop();
  await drop();
});

const ops = (evs: readonly ChangeEvent[]) =>
  evs.map((e) => `${e.op} ${e.source.table} ${JSON.stringify(e.key)}`);

async function binlogGtidPos(file: string, pos: number): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS p', [file, pos]);
  return String(rows[0]?.p);
}

describe('binlog streaming', () => {
  it('emits c/u/d per row, one batch per transaction, increasing versions, positions at the commit', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.items`, `${db}.ord*`], maxTransactionsPerBatch: 1 }, from);
    await conn.query(`INSERT INTO items VALUES (1,'a',1.00),(2,'b',2.00),(3,'c',3.00)`);
    await conn.query('UPDATE items SET price = price + 1 WHERE id IN (1, 2)');
    await conn.query('DELETE FROM items WHERE id = 3');
    await conn.query(`BEGIN;
      INSERT INTO orders (id, item_id, qty) VALUES (10, 1, 5);
      INSERT INTO other VALUES (1, 1);
      UPDATE items SET name = 'A' WHERE id = 1;
      COMMIT`);
    await r.waitForEvents(8);
    const data = r.dataBatches;
    expect(data.map((b) => ops(b.events))).toEqual([
      ['c items {"id":1}', 'c items {"id":2}', 'c items {"id":3}'],
      ['u items {"id":1}', 'u items {"id":2}'],
      ['d items {"id":3}'],
      ['c orders {"id":"10"}', 'u items {"id":1}'],
    ]);
    const [ins, upd, del, two] = data as [
      (typeof data)[0],
      (typeof data)[0],
      (typeof data)[0],
      (typeof data)[0],
    ];
    expect(ins.events[1]!.after).toEqual({ id: 2, name: 'b', price: '2.00' });
    expect(ins.events[1]!.before).toBeNull();
    expect(upd.events[0]!.before).toEqual({ id: 1, name: 'a', price: '1.00' });
    expect(upd.events[0]!.after).toEqual({ id: 1, name: 'a', price: '2.00' });
    expect(del.events[0]!.before).toEqual({ id: 3, name: 'c', price: '3.00' });
    expect(del.events[0]!.after).toBeNull();
    expect(two.events[1]!.after).toMatchObject({ id: 1, name: 'A' });

    // versions grow across and within transactions; a transaction's events share its GTID, in order
    const all = data.flatMap((b) => b.events);
    for (let i = 1; i < all.length; i++) {
      expect(all[i]!.source.position.version > all[i - 1]!.source.position.version).toBe(true);
    }
    for (const b of data) {
      expect(b.transactions).toHaveLength(1);
      const gtid = b.transactions[0]!;
      expect(b.events.map((e) => e.transaction)).toEqual(b.events.map((_, order) => ({ id: gtid, order })));
      expect(b.position?.label).toBe(`gtid ${gtid}`);
      // the version's sequence counts the transactions executed up to this one (docs/guarantees.md)
      const seq = GtidState.parse(String(b.position!.checkpoint.gtid)).count;
      expect(b.events[0]!.source.position.version >> 22n).toBe(seq);
      expect(b.position!.version >= b.events.at(-1)!.source.position.version).toBe(true);
      expect(b.events.every((e) => e.source.connector === 'mysql-binlog' && e.source.database === db)).toBe(
        true,
      );
      expect(b.events.every((e) => e.source.snapshot === false && e.source.tsMs > 1_600_000_000_000)).toBe(
        true,
      );
      // the checkpoint is the commit: the server maps its file+pos back to the very same GTID position
      const cp = b.position!.checkpoint as { gtid: string; file: string; pos: number };
      expect(GtidState.parse(cp.gtid).contains(parseAnyGtid(gtid))).toBe(true);
      if (TEST_SOURCE === 'mariadb') expect(await binlogGtidPos(cp.file, cp.pos)).toBe(cp.gtid); // MySQL has no BINLOG_GTID_POS
    }
    await r.stop();
  });

  it('decodes types as the snapshot reads them: BIGINT UNSIGNED exact, TIMESTAMP in UTC, DATETIME as written', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.orders`] }, from);
    await conn.query(`SET time_zone = '+08:00'`);
    await conn.query(
      `INSERT INTO orders VALUES (18446744073709551615, 1, 2, '2024-01-02 11:04:05.678', '{"a": [1, 2]}', '2024-01-02 11:04:05', -9007199254740993),
                                 (20, NULL, NULL, NULL, NULL, NULL, 42)`,
    );
    await conn.query(`SET time_zone = '+00:00'`);
    await r.waitForEvents(2);
    const [big, small] = r.events;
    expect(big!.key).toEqual({ id: '18446744073709551615' });
    expect(big!.after).toEqual({
      id: '18446744073709551615',
      item_id: 1,
      qty: 2,
      created: '2024-01-02 03:04:05.678', // TIMESTAMP is stored in UTC; rendered in mysql.timezone (Z)
      meta: '{"a": [1, 2]}', // MariaDB JSON is LONGTEXT text in the binlog; kept as text, like the jsonStrings pool (the mapping parses it exactly)
      at: '2024-01-02 11:04:05', // DATETIME has no zone
      big: '-9007199254740993', // BIGINT: always a string, as the query pool returns it
    });
    expect(small!.after).toMatchObject({ id: '20', created: null, meta: null, big: '42' });
    expect(small!.key).toEqual({ id: '20' });
  });

  it('negative TIME values stream as SELECT prints them (zongji 0.9.0 decodes -HH:MM:00 wrongly)', async () => {
    await conn.query('CREATE TABLE times (id INT PRIMARY KEY, t0 TIME, t3 TIME(3), t6 TIME(6))');
    const values = [
      '-12:30:00',
      '-00:01:00',
      '-01:00:00',
      '-100:00:00',
      '-838:59:59',
      '-00:00:01',
      '-00:00:00.5',
      '-12:30:00.25',
      '-01:00:00.999999',
      '12:30:00',
    ];
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.times`] }, from);
    await conn.query('INSERT INTO times VALUES ?', [values.map((v, i) => [i + 1, v, v, v])]);
    await r.waitForEvents(values.length);
    const [rows] = await conn.query<RowDataPacket[]>('SELECT id, t0, t3, t6 FROM times ORDER BY id');
    expect(r.events.map((e) => e.after)).toEqual(rows.map((row) => ({ ...row })));
  });

  it('streamed rows equal, and map to the same documents as, the rows the snapshot reads (readRows)', async () => {
    await conn.query(`CREATE TABLE types (
      id INT PRIMARY KEY, ti TINYINT, si SMALLINT UNSIGNED, bi BIGINT, ub BIGINT UNSIGNED, f FLOAT, d DOUBLE,
      dec1 DECIMAL(20,6), dt DATE, tm TIME(3), dtt DATETIME(6), ts TIMESTAMP(3) NULL, y YEAR, b BIT(10),
      e ENUM('x','y'), st SET('a','b','c'), ch CHAR(5), vb VARBINARY(10), bl BLOB, tx TEXT, js JSON)`);
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.types`] }, from);
    await conn.query(`INSERT INTO types VALUES
      (1, -5, 65535, 9007199254740993, 18446744073709551615, 3.14159265, 3.14159265, '-12345678901234.123456',
       '2024-02-29', '-838:59:58.5', '2024-02-29 23:59:59.123456', '2038-01-19 03:14:07.999', 2024, b'1010101010',
       'y', 'a,c', 'ab', x'00ff10', x'deadbeef', 'héllo ✓', '{"k": [1, 2.5, "x"]}'),
      (2, NULL, NULL, 1, 2, 1.1, 1e300, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', '', '', '', '', NULL)`);
    await r.waitForEvents(2);
    const pool = mysql.createPool({
      host: '127.0.0.1',
      port: SOURCE_PORT,
      user: 'root',
      database: db,
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      jsonStrings: true,
      charset: 'utf8mb4',
    });
    try {
      const c = await pool.getConnection();
      await c.query(`SET time_zone = '+00:00'`);
      // The snapshot's read: FLOAT and DOUBLE exact (a plain SELECT prints FLOAT with 6 digits)
      const rows = await readRows(c, db, 'types', `SELECT * FROM \`${db}\`.types ORDER BY id`);
      c.release();
      expect(r.events.map((e) => e.after)).toEqual(rows.map((x) => ({ ...x })));
      // Through the mapping, documents are identical.
      const mapping = await TableMapping.load(pool, { table: `${db}.types`, index: 'unused' });
      expect(r.events.map((e) => mapping.toDocument(e.after!))).toEqual(
        rows.map((x) => mapping.toDocument(x)),
      );
    } finally {
      await pool.end();
    }
  });

  it('TRUNCATE gives op t; ADD / RENAME / DROP COLUMN are announced and later rows follow the new shape', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const seen: SchemaChange[] = [];
    let batchesAtChange = -1;
    const r: SourceRun = run(
      {
        tables: [`${db}.items`, `${db}.new_*`],
        onSchemaChange: (c) => {
          seen.push(c);
          batchesAtChange = r.batches.length;
        },
      },
      from,
    );
    await conn.query('TRUNCATE TABLE items');
    await conn.query('ALTER TABLE items ADD COLUMN color VARCHAR(10)');
    await conn.query(`INSERT INTO items VALUES (5, 'e', 5.00, 'red')`);
    await conn.query('ALTER TABLE items RENAME COLUMN color TO colour');
    await conn.query(`UPDATE items SET colour = 'blue' WHERE id = 5`);
    await conn.query('ALTER TABLE items DROP COLUMN colour');
    await conn.query(`INSERT INTO items VALUES (6, 'f', 6.00)`);
    await conn.query('ALTER TABLE other ADD COLUMN w INT'); // not captured: no announcement
    await conn.query('CREATE TABLE new_t (id INT PRIMARY KEY)');
    await conn.query('INSERT INTO new_t VALUES (1)');
    await conn.query('DROP TABLE new_t');
    await r.waitFor((x) => x.events.length >= 4 && seen.length >= 5, 15_000, 'ddl and rows');
    expect(ops(r.events)).toEqual([
      't items {}',
      'c items {"id":5}',
      'u items {"id":5}',
      'c items {"id":6}',
      'c new_t {"id":1}',
    ]);
    const [t, c5, u5, c6] = r.events;
    expect(t!.before).toBeNull();
    expect(t!.after).toBeNull();
    expect(c5!.after).toEqual({ id: 5, name: 'e', price: '5.00', color: 'red' });
    expect(u5!.before).toEqual({ id: 5, name: 'e', price: '5.00', colour: 'red' });
    expect(u5!.after).toEqual({ id: 5, name: 'e', price: '5.00', colour: 'blue' });
    expect(c6!.after).toEqual({ id: 6, name: 'f', price: '6.00' });
    expect(seen.map((s) => `${s.kind} ${s.database}.${s.table}`)).toEqual([
      `alter ${db}.items`,
      `alter ${db}.items`,
      `alter ${db}.items`,
      `create ${db}.new_t`,
      `drop ${db}.new_t`,
    ]);
    expect(seen[1]!.ddl).toContain('RENAME COLUMN color TO colour');
    // the DDL batch is its own, carries the change, and its callback ran before it was handed out
    const ddlBatches = r.batches.filter((b) => b.schemaChanges.length > 0);
    expect(ddlBatches).toHaveLength(5);
    expect(ddlBatches.every((b) => b.events.length === 0 && b.position !== undefined)).toBe(true);
    expect(batchesAtChange).toBeGreaterThan(0);
  });

  it('transactions on other tables move the position on with empty batches, at most every idleCheckpointMs', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.items`], idleCheckpointMs: 300 }, from);
    for (let i = 0; i < 5; i++) await conn.query('INSERT INTO other (id, v) VALUES (?, ?)', [100 + i, i]);
    const target = GtidState.parse(String((await currentBinlogPosition(BINLOG_CONN)).checkpoint.gtid));
    await r.waitFor(
      (x) => {
        const cp = x.lastPosition?.checkpoint.gtid;
        return typeof cp === 'string' && GtidState.parse(cp).includes(target);
      },
      5000,
      'the position to pass the other-table writes',
    );
    expect(r.events).toHaveLength(0);
    // throttled: far fewer position batches than transactions — counted once the position passed all 20
    // (a wait for that state, not a fixed sleep), bounded by the idleCheckpointMs periods it took
    const t0 = r.batches.length;
    const started = Date.now();
    for (let i = 0; i < 20; i++) await conn.query('UPDATE other SET v = v + 1 WHERE id = 100');
    const last = GtidState.parse(String((await currentBinlogPosition(BINLOG_CONN)).checkpoint.gtid));
    await r.waitFor(
      (x) => {
        const cp = x.lastPosition?.checkpoint.gtid;
        return typeof cp === 'string' && GtidState.parse(cp).includes(last);
      },
      5000,
      'the position to pass the 20 updates',
    );
    const periods = Math.ceil((Date.now() - started) / 300);
    expect(r.batches.length - t0).toBeLessThanOrEqual(Math.min(periods + 1, 10));
  });

  it('resumes from a checkpoint with exactly the changes after it', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const first = run({ tables: [`${db}.items`] }, from);
    await conn.query(`INSERT INTO items VALUES (100, 'before', 1.00)`);
    await first.waitForEvents(1);
    const checkpoint = first.lastPosition!;
    await first.stop();
    expect(ops(first.events)).toEqual(['c items {"id":100}']);

    await conn.query(`INSERT INTO items VALUES (101, 'after-1', 1.00)`);
    await conn.query(`UPDATE items SET name = 'after-2' WHERE id = 100`);
    await conn.query(`DELETE FROM items WHERE id = 101`);

    const second = run({ tables: [`${db}.items`] }, checkpoint);
    await second.waitForEvents(3);
    // nothing more comes: the position has passed the last write (a state waited for, not a sleep)
    const end = GtidState.parse(String((await currentBinlogPosition(BINLOG_CONN)).checkpoint.gtid));
    await second.waitFor(
      (x) => {
        const cp = x.lastPosition?.checkpoint.gtid;
        return typeof cp === 'string' && GtidState.parse(cp).includes(end);
      },
      5000,
      'the position to pass the last write',
    );
    expect(ops(second.events)).toEqual(['c items {"id":101}', 'u items {"id":100}', 'd items {"id":101}']);
    expect(second.events[0]!.source.position.version > first.events[0]!.source.position.version).toBe(true);
  });

  it('an update of the key moves the document: d of the old key, c of the new one', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.items`] }, from);
    await conn.query(`INSERT INTO items VALUES (200, 'k', 1.00)`);
    await conn.query('UPDATE items SET id = 201 WHERE id = 200');
    await r.waitForEvents(3);
    expect(ops(r.events)).toEqual(['c items {"id":200}', 'd items {"id":200}', 'c items {"id":201}']);
  });

  it('tables without a primary key use keyColumns, else carry an empty key and a warning', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const warnings: string[] = [];
    const keyed = run({ tables: [`${db}.nopk`], keyColumns: { [`${db}.nopk`]: ['b'] } }, from);
    const keyless = run({ tables: [`${db}.nopk`], onWarning: (w) => warnings.push(w) }, from);
    await conn.query(`INSERT INTO nopk VALUES (1, 'x')`);
    await keyed.waitForEvents(1);
    await keyless.waitForEvents(1);
    expect(keyed.events[0]!.key).toEqual({ b: 'x' });
    expect(keyless.events[0]!.key).toEqual({});
    expect(warnings.join('\n')).toMatch(/nopk has no primary key/);
  });

  it('splits a huge transaction: leading parts carry no position, the last one carries it', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.other`], maxTransactionEvents: 100 }, from);
    const values = Array.from({ length: 250 }, (_, i) => `(${1000 + i}, ${i})`).join(',');
    await conn.query(`INSERT INTO other (id, v) VALUES ${values}`);
    await r.waitForEvents(250);
    const data = r.dataBatches;
    expect(data.map((b) => [b.events.length, b.position === undefined])).toEqual([
      [100, true],
      [100, true],
      [50, false],
    ]);
    const versions = r.events.map((e) => e.source.position.version);
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
    expect(new Set(r.events.map((e) => e.transaction?.id)).size).toBe(1);
  });

  it('an unreachable server: SOURCE_UNREACHABLE after the attempt limit; an abort while retrying ends quietly', async () => {
    const nowhere = { ...BINLOG_CONN, url: 'mysql://syncline:syncline@127.0.0.1:1/' };
    const retries: number[] = [];
    const failing = new BinlogReader({
      connection: nowhere,
      serverId: randomServerId(),
      start: 'end',
      reconnect: { initialMs: 20, maxMs: 50, maxAttempts: 3 },
      onReconnect: (i) => retries.push(i.attempt),
    });
    const err = await failing.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSynclineError(err, 'SOURCE_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toMatch(/failed 3 time\(s\) in a row; last error: .*ECONNREFUSED/);
    expect(retries).toEqual([1, 2]);

    let attempts = 0;
    const r = run({
      tables: [`${db}.items`],
      connection: nowhere,
      reader: { reconnect: { initialMs: 50, maxMs: 100 } },
      onReconnect: () => {
        attempts++;
      },
    });
    // aborted while retrying: once it has retried twice (the state, not a sleep)
    await r.waitFor(() => attempts >= 2, 10_000, 'two reconnect attempts');
    await r.stop();
    expect(r.error).toBeUndefined();
    expect(r.batches).toEqual([]);
  });

  it('reports lag 0 once caught up with the server', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = run({ tables: [`${db}.items`], heartbeatMs: 500 }, from);
    await conn.query(`INSERT INTO items VALUES (300, 'lag', 1.00)`);
    await r.waitForEvents(1);
    await r.waitFor((x) => x.source.lagSeconds() === 0, 5000, 'lag 0');
    const s = r.source.stats();
    expect(s.reader?.connected).toBe(true);
    expect(s.position).toBeDefined();
  });
});
