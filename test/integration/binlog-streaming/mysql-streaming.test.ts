import { randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUB, VERSION_SUB_BITS } from '../../../src/core/change-event.js';
import type { SynclineError } from '../../../src/core/errors.js';
import { readTableColumns } from '../../../src/mapping/column-types.js';
import { convertValue } from '../../../src/mapping/convert.js';
import { commitWithStamp, readCommitStamp, versionOf } from '../../../src/sdk/commit-stamp.js';
import { SourceRun } from './helpers.js';
import { createMysqlDatabase, MYSQL_CONN, mysqlRoot } from './mysql-server.js';

/**
 * Binlog streaming from MySQL 9.x: GTID sets as positions, versions that keep growing when a transaction
 * is counted under another server uuid (a failover), resume after a checkpoint, and a stop — never a
 * skip — at a transaction the reader cannot decode.
 */
describe('binlog streaming from MySQL', () => {
  let db: string;
  let conn: mysql.Connection;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, conn, drop } = await createMysqlDatabase('my_stream'));
    await conn.query(
      "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(40), tone ENUM('red','green'), doc JSON) ENGINE=InnoDB",
    );
  });
  afterAll(async () => drop());

  const seqOf = (v: bigint) => v >> VERSION_SUB_BITS;

  it('streams inserts, updates, deletes, DDL and TRUNCATE with GTID-set checkpoints; a transaction under another server uuid still gets a higher version', async () => {
    const run = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN });
    try {
      await run.waitFor((r) => r.source.stats().reader?.connected === true, 15_000, 'the binlog connection');
      await conn.query(`INSERT INTO t VALUES (1, 'one', 'red', '{"n": 9007199254740993}')`);
      await conn.query('BEGIN');
      await conn.query(`UPDATE t SET name = 'uno', tone = 'green' WHERE id = 1`);
      await conn.query(`INSERT INTO t VALUES (2, 'two', NULL, NULL)`);
      await conn.query('COMMIT');
      await conn.query('ALTER TABLE t ADD COLUMN extra INT NULL');
      // A failover: the next transaction counts under another server uuid, from 1.
      const other = randomUUID();
      await conn.query(`SET GTID_NEXT = '${other}:1'`);
      await conn.query('BEGIN');
      await conn.query(`UPDATE t SET name = 'dos' WHERE id = 2`);
      await conn.query('COMMIT');
      await conn.query(`SET GTID_NEXT = 'AUTOMATIC'`);
      await conn.query('DELETE FROM t WHERE id = 1');
      await conn.query('TRUNCATE TABLE t');
      await run.waitFor((r) => r.events.some((e) => e.op === 't'), 20_000, 'the TRUNCATE');

      const ops = run.events.map((e) => `${e.op} ${JSON.stringify(e.key)}`);
      expect(ops).toEqual(['c {"id":1}', 'u {"id":1}', 'c {"id":2}', 'u {"id":2}', 'd {"id":1}', 't {}']);
      const [c1, u1, c2, uOther] = run.events;
      expect(c1!.after).toMatchObject({ id: 1, name: 'one', tone: 'red' });
      // JSON as text with exact 64-bit numerals, as the snapshot's jsonStrings read gives it
      expect(c1!.after!.doc).toBe('{"n": 9007199254740993}');
      expect(u1!.after).toMatchObject({ name: 'uno', tone: 'green' });
      expect(uOther!.after).toMatchObject({ id: 2, name: 'dos', extra: null });
      expect(uOther!.transaction?.id).toBe(`${other}:1`);
      // Versions grow with every change, across the uuid switch (GTID number 1 < thousands before it).
      const versions = run.events.map((e) => e.source.position.version);
      for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
      // Two changes of one transaction: same sequence, increasing order.
      expect(seqOf(u1!.source.position.version)).toBe(seqOf(c2!.source.position.version));
      expect(run.dataBatches.some((b) => b.schemaChanges.some((s) => /ADD COLUMN extra/.test(s.ddl)))).toBe(
        true,
      );
      // The checkpoint is the server's executed set; its version counts the transactions in it.
      const [[g]] = (await conn.query('SELECT @@GLOBAL.gtid_executed AS g')) as unknown as [
        Array<{ g: string }>,
      ];
      await run.waitFor(
        (r) => String(r.lastPosition?.checkpoint.gtid) === g!.g.replace(/\s/g, ''),
        10_000,
        'the checkpoint to reach @@gtid_executed',
      );
      expect(run.lastPosition!.checkpoint.gtid).toContain(`${other}:1`);
      expect(seqOf(run.lastPosition!.version)).toBe(countGtids(g!.g));
      expect(run.lastPosition!.version & MAX_SUB).toBe(MAX_SUB);
    } finally {
      await run.stop();
    }
  });

  it('resumes from a checkpoint taken before a transaction under another uuid: exactly the later changes, same versions', async () => {
    await conn.query(`INSERT INTO t (id, name, tone) VALUES (10, 'ten', 'red')`);
    const first = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN, whenNoPosition: 'end' });
    let checkpoint: SourceRun['lastPosition'];
    let firstVersions: bigint[];
    const other = randomUUID();
    try {
      await first.waitFor(
        (r) => r.source.stats().reader?.connected === true,
        15_000,
        'the binlog connection',
      );
      await conn.query(`UPDATE t SET name = 'TEN' WHERE id = 10`);
      await first.waitForEvents(1);
      checkpoint = first.lastPosition;
      await conn.query(`SET GTID_NEXT = '${other}:1'`);
      await conn.query(`UPDATE t SET name = 'zehn' WHERE id = 10`);
      await conn.query(`SET GTID_NEXT = 'AUTOMATIC'`);
      await conn.query(`UPDATE t SET name = 'dix' WHERE id = 10`);
      await first.waitForEvents(3);
      firstVersions = first.events.map((e) => e.source.position.version);
    } finally {
      await first.stop();
    }
    expect(checkpoint).toBeDefined();
    const resumed = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN }, checkpoint);
    try {
      await resumed.waitForEvents(2);
      expect(resumed.events.map((e) => e.after?.name)).toEqual(['zehn', 'dix']);
      expect(resumed.events.map((e) => e.source.position.version)).toEqual(firstVersions.slice(1));
      expect(resumed.events[0]!.source.position.version).toBeGreaterThan(checkpoint!.version);
    } finally {
      await resumed.stop();
    }
  });

  it('the SDK commit stamp names each session its own GTID and the version CDC gives the same change, with concurrent commits', async () => {
    await conn.query(`REPLACE INTO t (id, name) VALUES (30, 'a'), (31, 'b')`);
    const a = await mysqlRoot(db);
    const b = await mysqlRoot(db);
    const run = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN, whenNoPosition: 'end' });
    try {
      await run.waitFor((r) => r.source.stats().reader?.connected === true, 15_000, 'the binlog connection');
      await a.query('BEGIN');
      await a.query(`UPDATE t SET name = 'a2' WHERE id = 30`);
      await b.query('BEGIN');
      await b.query(`UPDATE t SET name = 'b2' WHERE id = 31`);
      await a.query('COMMIT');
      const sb = await commitWithStamp(b); // the OK packet's own GTID (session_track_gtids)
      // Read after both committed: a's stamp must not be b's transaction (@@gtid_executed would say b's).
      const sa = await readCommitStamp(a);
      expect(sa.gtid).not.toBe(sb.gtid);
      await run.waitForEvents(2);
      const byId = new Map(run.events.map((e) => [e.key.id, e]));
      expect(byId.get(30)!.transaction?.id).toBe(sa.gtid);
      expect(byId.get(31)!.transaction?.id).toBe(sb.gtid);
      expect(byId.get(30)!.source.position.version).toBe(versionOf(sa, 0));
      expect(byId.get(31)!.source.position.version).toBe(versionOf(sb, 0));
    } finally {
      await run.stop();
      await a.end();
      await b.end();
    }
  });

  it('compressed transactions (binlog_transaction_compression=ON) are decoded: every row, in order, with their versions', async () => {
    await conn.query(`REPLACE INTO t (id, name) VALUES (40, 'x'), (41, 'y')`);
    const run = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN, whenNoPosition: 'end' });
    try {
      await run.waitFor((r) => r.source.stats().reader?.connected === true, 15_000, 'the binlog connection');
      await conn.query('SET SESSION binlog_transaction_compression = ON');
      await conn.query('BEGIN');
      await conn.query(`INSERT INTO t (id, name, doc) VALUES (42, REPEAT('z', 40), '{"k": [1, 2, 3]}')`);
      await conn.query(`UPDATE t SET name = 'x2' WHERE id = 40`);
      await conn.query('DELETE FROM t WHERE id = 41');
      await conn.query('COMMIT');
      await conn.query(`UPDATE t SET tone = 'green' WHERE id = 42`);
      await conn.query('SET SESSION binlog_transaction_compression = DEFAULT');
      await conn.query(`UPDATE t SET name = 'plain' WHERE id = 42`);
      await run.waitForEvents(5);
      expect(run.events.map((e) => `${e.op} ${e.key.id}`)).toEqual(['c 42', 'u 40', 'd 41', 'u 42', 'u 42']);
      expect(run.events[0]!.after).toMatchObject({ name: 'z'.repeat(40), doc: '{"k": [1, 2, 3]}' });
      expect(run.events[3]!.after).toMatchObject({ tone: 'green' });
      expect(run.events[4]!.after).toMatchObject({ name: 'plain' });
      const versions = run.events.map((e) => e.source.position.version);
      for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
      expect(run.error).toBeUndefined();
    } finally {
      await run.stop();
    }
  });

  it('MySQL 9 types: VECTOR (refused by zongji 0.9 as type 242) streams as a float array, GEOMETRY as the snapshot reads it, also inside a compressed transaction', async () => {
    await conn.query(
      'CREATE TABLE g (id INT PRIMARY KEY, v VECTOR(3), t1 VARCHAR(20), pt POINT, gm GEOMETRY, t2 TEXT) DEFAULT CHARSET=utf8mb4',
    );
    const run = new SourceRun({ tables: [`${db}.g`], connection: MYSQL_CONN, whenNoPosition: 'end' });
    try {
      await run.waitFor((r) => r.source.stats().reader?.connected === true, 15_000, 'the binlog connection');
      await conn.query(
        `INSERT INTO g VALUES (1, STRING_TO_VECTOR('[1.5, -2, 3.25]'), 'café 中文', ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), 'naïve 😀')`,
      );
      await conn.query('SET SESSION binlog_transaction_compression = ON');
      await conn.query(`INSERT INTO g VALUES (2, STRING_TO_VECTOR('[0.5, 0, -1]'), 'x', NULL, NULL, 'y')`);
      await conn.query('SET SESSION binlog_transaction_compression = DEFAULT');
      await run.waitForEvents(2);
      expect(run.error).toBeUndefined();
      const { columns } = await readTableColumns(conn, db, 'g');
      const col = (n: string) => columns.find((c) => c.name === n)!;
      const [rows] = (await conn.query('SELECT * FROM g ORDER BY id')) as unknown as [
        Array<Record<string, unknown>>,
      ];
      const [one, two] = run.events.map((e) => e.after!);
      // The expected values are the SQL literals above; the snapshot path (mysql2) must agree.
      expect(convertValue(col('v'), one!.v)).toEqual([1.5, -2, 3.25]);
      expect(convertValue(col('v'), two!.v)).toEqual([0.5, 0, -1]);
      expect(convertValue(col('v'), rows[0]!.v)).toEqual([1.5, -2, 3.25]);
      expect(one).toMatchObject({ t1: 'café 中文', t2: 'naïve 😀', pt: { x: 1, y: 2 } });
      expect(convertValue(col('gm'), one!.gm)).toEqual(convertValue(col('gm'), rows[0]!.gm));
      expect(convertValue(col('pt'), one!.pt)).toEqual(convertValue(col('pt'), rows[0]!.pt));
    } finally {
      await run.stop();
    }
  });

  for (const c of [
    {
      setting: 'binlog_row_value_options',
      session: `SET SESSION binlog_row_value_options = 'PARTIAL_JSON'`,
      write: `UPDATE t SET doc = JSON_SET(doc, '$.b', 2) WHERE id = 20`,
    },
  ]) {
    it(`a transaction written with ${c.setting} stops the stream with the fix, before its commit (never skipped)`, async () => {
      await conn.query(`REPLACE INTO t (id, name, doc) VALUES (20, 'json', '{"a": 1}')`);
      const run = new SourceRun({ tables: [`${db}.t`], connection: MYSQL_CONN, whenNoPosition: 'end' });
      try {
        await run.waitFor(
          (r) => r.source.stats().reader?.connected === true,
          15_000,
          'the binlog connection',
        );
        await conn.query(`UPDATE t SET name = 'before' WHERE id = 20`);
        await run.waitForEvents(1);
        const before = run.lastPosition!;
        await conn.query(c.session);
        await conn.query(c.write);
        await conn.query(`SET SESSION ${c.setting} = DEFAULT`);
        await conn.query(`UPDATE t SET name = 'after' WHERE id = 20`);
        await run.waitFor((r) => r.error !== undefined, 15_000, 'the stream to stop');
        const err = run.error as SynclineError;
        expect(err.code).toBe('SYNC_S1002');
        expect(err.message).toContain(c.setting);
        expect(err.message).toMatch(/Fix: SET GLOBAL/);
        // Nothing after the undecodable transaction came through, and no checkpoint moved past it.
        expect(run.events.map((e) => e.after?.name)).toEqual(['before']);
        expect(run.lastPosition!.checkpoint.gtid).toBe(before.checkpoint.gtid);
      } finally {
        await run.stop();
      }
    });
  }
});

/** The number of transactions in a MySQL GTID set text (independent of the code under test). */
function countGtids(set: string): bigint {
  let n = 0n;
  for (const entry of set.replace(/\s/g, '').split(',')) {
    for (const item of entry.split(':').slice(1)) {
      if (!/^\d/.test(item)) continue;
      const [a, b] = item.split('-');
      n += BigInt(b ?? a!) - BigInt(a!) + 1n;
    }
  }
  return n;
}
