import { randomUUID } from 'node:crypto';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBinlogPreflight } from '../../../src/sources/mysql-binlog/preflight.js';
import { currentBinlogPosition, positionOf } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { decideXa } from '../../helpers/xa.js';
import { createMysqlDatabase, MYSQL_CONN, MYSQL_ROOT_URL, MYSQL_URL, mysqlRoot } from './mysql-server.js';

/** Preflight against MySQL 9.x: the dialect, grants and GTID-set checkpoints, each problem with its fix. */
describe('binlog preflight on MySQL', () => {
  let db: string;
  let conn: mysql.Connection;
  let drop: () => Promise<void>;
  const user = `nogrant_${Date.now().toString(36)}`;

  beforeAll(async () => {
    ({ db, conn, drop } = await createMysqlDatabase('my_pre'));
    await conn.query('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED WITH caching_sha2_password BY 'pw'`);
    await conn.query(`GRANT SELECT ON \`${db}\`.* TO '${user}'@'%'`);
  });
  afterAll(async () => {
    await conn.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
    await drop();
  });

  it('a GTID set longer than SHOW VARIABLES shows (1,024 characters: dozens of server uuids) is read whole', async () => {
    // Each transaction under a uuid of its own (a failover each) adds ~40 characters to gtid_executed.
    const uuids = Array.from({ length: 30 }, () => randomUUID());
    for (const u of uuids) {
      await conn.query(`SET GTID_NEXT = '${u}:1'`);
      await conn.query('BEGIN');
      await conn.query('INSERT INTO t VALUES (-1, 0) ON DUPLICATE KEY UPDATE v = v + 1');
      await conn.query('COMMIT');
    }
    await conn.query(`SET GTID_NEXT = 'AUTOMATIC'`);
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.gtid_executed AS g');
    expect(String(rows[0]!.g).length).toBeGreaterThan(1024); // precondition: SHOW VARIABLES would cut it
    const at = await currentBinlogPosition(MYSQL_CONN);
    for (const u of uuids) expect(at.checkpoint.gtid).toContain(`${u}:1`);
    const r = await runBinlogPreflight({ connection: MYSQL_CONN, tables: [`${db}.t`], checkpoint: at });
    expect(r.problems.map((p) => p.message)).toEqual([]);
  });

  it('a well-configured server passes; the dialect is told by capability', async () => {
    const r = await runBinlogPreflight({ connection: MYSQL_CONN, tables: [`${db}.t`] });
    expect(r.server.flavor).toBe('mysql');
    expect(r.problems.map((p) => p.message)).toEqual([]);
    expect(r.tables).toEqual([`${db}.t`]);
  });

  it('a user without replication grants is told which GRANT to run', async () => {
    const u = new URL(MYSQL_URL);
    u.username = user;
    u.password = 'pw';
    const r = await runBinlogPreflight({ connection: { url: u.toString() }, tables: [`${db}.t`] });
    const messages = r.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/lacks REPLICATION SLAVE.*GRANT REPLICATION SLAVE ON \*\.\*/);
    expect(messages).toMatch(/lacks REPLICATION CLIENT.*GRANT REPLICATION CLIENT ON \*\.\*/);
  });

  it('warns, when there is no checkpoint, about XA transactions prepared and undecided on the server', async () => {
    const xid = `pf_${Date.now().toString(36)}`;
    const c = await mysqlRoot(db);
    await c.query(`XA START '${xid}'`);
    await c.query('INSERT INTO t VALUES (1, 1)');
    await c.query(`XA END '${xid}'`);
    await c.query(`XA PREPARE '${xid}'`);
    await c.end();
    try {
      // XA RECOVER needs XA_RECOVER_ADMIN (root has it); without it preflight says which grant to run
      const root = await runBinlogPreflight({ connection: { url: MYSQL_ROOT_URL }, tables: [`${db}.t`] });
      expect(root.warnings.join('\n')).toMatch(/1 XA transaction\(s\) are prepared and undecided/);
      const u = new URL(MYSQL_URL);
      u.username = user;
      u.password = 'pw';
      const weak = await runBinlogPreflight({ connection: { url: u.toString() }, tables: [`${db}.t`] });
      expect(weak.warnings.join('\n')).toMatch(/GRANT XA_RECOVER_ADMIN ON \*\.\*/);
    } finally {
      await decideXa(conn, `XA ROLLBACK '${xid}'`);
    }
  });

  it('a checkpoint with transactions the server never executed (another server, a reset) needs a re-snapshot', async () => {
    const [[row]] = (await conn.query('SELECT @@GLOBAL.gtid_executed AS g')) as unknown as [
      Array<{ g: string }>,
    ];
    const executed = row!.g.replace(/\s/g, '');
    const good = await runBinlogPreflight({
      connection: MYSQL_CONN,
      tables: [`${db}.t`],
      checkpoint: positionOf(executed),
    });
    expect(good.problems).toEqual([]);
    const foreign = `${randomUUID()}:1-5`;
    const r = await runBinlogPreflight({
      connection: MYSQL_CONN,
      tables: [`${db}.t`],
      checkpoint: positionOf(`${executed},${foreign}`),
    });
    expect(r.problems.map((p) => p.code)).toEqual(['SYNC_S1003']);
    expect(r.problems[0]!.message).toContain(foreign);
    const maria = await runBinlogPreflight({
      connection: MYSQL_CONN,
      tables: [`${db}.t`],
      checkpoint: positionOf('0-1-100'),
    });
    expect(maria.problems[0]!.message).toMatch(/MariaDB GTID position and the server is MySQL/);
  });
});
