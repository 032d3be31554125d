import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { runBinlogPreflight } from '../../../src/sources/mysql-binlog/preflight.js';
import { BinlogReader } from '../../../src/sources/mysql-binlog/streaming/binlog-reader.js';
import { positionOf } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { MARIADB_PORT, rootConnection, uniqueName } from '../../helpers/stack.js';
import { BINLOG_CONN, preflightFixture, randomServerId } from './helpers.js';

/**
 * Binlog preflight checks spelled in MariaDB's terms — its grants (BINLOG MONITOR), GTID positions
 * (domain-server-seq) and XA RECOVER — run in the "mariadb" project only (vitest.config.ts). MySQL's
 * counterparts: mysql-preflight.test.ts; the checks both servers share: preflight.test.ts.
 */
const fx = preflightFixture('t_binlog_preflight_m');
let db: string;
let conn: mysql.Connection;
let weakUser: string;
beforeAll(() => {
  ({ db, conn, weakUser } = fx);
});

const messages = (r: Awaited<ReturnType<typeof runBinlogPreflight>>) =>
  r.problems.map((p) => `${p.kind}: ${p.message}`);

describe('binlog preflight on MariaDB', () => {
  it('a user without REPLICATION SLAVE / BINLOG MONITOR / SELECT gets each grant spelled out', async () => {
    const weak = { ...BINLOG_CONN, url: `mysql://${weakUser}:pw@127.0.0.1:${MARIADB_PORT}/` };
    const r = await runBinlogPreflight({
      connection: weak,
      tables: [`${db}.good`, `${db}.nopk`],
      keyColumns: { [`${db}.nopk`]: ['a'] },
    });
    const m = messages(r);
    expect(m).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `lacks REPLICATION SLAVE, needed to read the binlog: GRANT REPLICATION SLAVE ON \\*\\.\\* TO '${weakUser}'@'127.0.0.1'`,
        ),
      ),
    );
    expect(m).toContainEqual(expect.stringMatching(/lacks BINLOG MONITOR.*GRANT BINLOG MONITOR ON \*\.\*/));
    // SELECT granted on `good` only
    expect(m).toContainEqual(expect.stringMatching(new RegExp(`lacks SELECT on ${db}\\.nopk`)));
    expect(m.some((x) => x.includes(`SELECT on ${db}.good`))).toBe(false);

    // and the reader itself refuses with a typed error instead of retrying forever
    const reader = new BinlogReader({ connection: weak, serverId: randomServerId(), start: { gtid: '' } });
    await reader.start();
    const err = await reader.next(undefined, 10_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    await reader.close();
    expect(isSynclineError(err, 'PREFLIGHT_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/REPLICATION SLAVE/);
  });

  it('a checkpoint ahead of the server (binlog reset, other server) is POSITION_PURGED', async () => {
    const r = await runBinlogPreflight({
      connection: BINLOG_CONN,
      tables: [`${db}.good`],
      checkpoint: positionOf('0-1-99999999999'),
    });
    expect(messages(r)).toEqual([
      expect.stringMatching(
        /^POSITION_PURGED: checkpoint GTID 0-1-99999999999 is ahead of the server's binlog/,
      ),
    ]);
  });

  it('warns, when there is no checkpoint, about XA transactions prepared and undecided on the server', async () => {
    const xid = uniqueName('pf');
    const c = await rootConnection(db);
    try {
      await c.query(`XA START '${xid}'`);
      await c.query('INSERT INTO good VALUES (1, 1)');
      await c.query(`XA END '${xid}'`);
      await c.query(`XA PREPARE '${xid}'`);
      const r = await runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] });
      expect(r.problems).toEqual([]);
      expect(r.warnings.join('\n')).toMatch(
        new RegExp(`XA transaction\\(s\\) are prepared and undecided on the server \\([^)]*'${xid}'`),
      );
      // with a checkpoint the stream re-reads the prepare itself: nothing to warn about
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS p');
      const resumed = await runBinlogPreflight({
        connection: BINLOG_CONN,
        tables: [`${db}.good`],
        checkpoint: positionOf(String(rows[0]!.p)),
      });
      expect(resumed.warnings.join('\n')).not.toMatch(/XA transaction/);
    } finally {
      await c.query(`XA ROLLBACK '${xid}'`).catch(() => {});
      await c.end();
    }
  });
});
