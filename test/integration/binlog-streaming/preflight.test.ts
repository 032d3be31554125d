import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { assertBinlogPreflight, runBinlogPreflight } from '../../../src/sources/mysql-binlog/preflight.js';
import { BinlogReader } from '../../../src/sources/mysql-binlog/streaming/binlog-reader.js';
import { positionOf } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { MARIADB_PORT, rootConnection, TEST_SOURCE, uniqueName } from '../../helpers/stack.js';
import { BINLOG_CONN, createDatabase, randomServerId } from './helpers.js';

let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;
const weakUser = uniqueName('nrs');

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_binlog_preflight'));
  await conn.query(`
    CREATE TABLE good (id INT PRIMARY KEY, v INT);
    CREATE TABLE nopk (a INT NOT NULL, b INT, c INT, UNIQUE KEY (a));
  `);
  await conn.query(`CREATE USER '${weakUser}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
  await conn.query(`GRANT SELECT ON \`${db}\`.good TO '${weakUser}'@'127.0.0.1'`);
});
afterAll(async () => {
  await conn.query(`DROP USER IF EXISTS '${weakUser}'@'127.0.0.1'`);
  await drop();
});

const messages = (r: Awaited<ReturnType<typeof runBinlogPreflight>>) =>
  r.problems.map((p) => `${p.kind}: ${p.message}`);

/** Flips a global for the shortest possible time: other suites share this server. */
async function withGlobal<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT @@GLOBAL.${name} AS v`);
  const old = String(rows[0]!.v);
  await conn.query(`SET GLOBAL ${name} = ?`, [value]);
  try {
    return await fn();
  } finally {
    await conn.query(`SET GLOBAL ${name} = ?`, [old]);
  }
}

describe('binlog preflight', () => {
  it('passes on the local server for tables with a primary key', async () => {
    const r = await runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] });
    expect(messages(r)).toEqual([]);
    expect(r.server.flavor).toBe(TEST_SOURCE);
    expect(r.tables).toEqual([`${db}.good`]);
    await expect(
      assertBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] }),
    ).resolves.toBeDefined();
  });

  it('binlog_format STATEMENT: names the variable, its value and the fix', async () => {
    const r = await withGlobal('binlog_format', 'STATEMENT', () =>
      runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] }),
    );
    expect(messages(r)).toEqual([
      expect.stringMatching(
        /^PREFLIGHT_FAILED: binlog_format is STATEMENT; Syncline needs ROW .*SET GLOBAL binlog_format=ROW and binlog_format=ROW in my.cnf/,
      ),
    ]);
  });

  it('binlog_row_image MINIMAL: names the variable, its value and the fix', async () => {
    const r = await withGlobal('binlog_row_image', 'MINIMAL', () =>
      runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] }),
    );
    expect(messages(r)).toEqual([
      expect.stringMatching(
        /^PREFLIGHT_FAILED: binlog_row_image is MINIMAL; Syncline needs FULL .*SET GLOBAL binlog_row_image=FULL/,
      ),
    ]);
  });

  it('binlog_row_metadata MINIMAL is a warning on MariaDB, a failure with the fix on MySQL (ENUM/SET values need FULL)', async () => {
    const r = await withGlobal('binlog_row_metadata', 'MINIMAL', () =>
      runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.good`] }),
    );
    if (TEST_SOURCE === 'mysql') {
      expect(messages(r).join('\n')).toMatch(
        /binlog_row_metadata is MINIMAL.*SET GLOBAL binlog_row_metadata=FULL/,
      );
      return;
    }
    expect(r.problems).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(
      /binlog_row_metadata is MINIMAL.*SET GLOBAL binlog_row_metadata=FULL/,
    );
  });

  // MariaDB's grants / GTID positions / XA RECOVER FORMAT; MySQL's: mysql-preflight.test.ts
  it.skipIf(TEST_SOURCE === 'mysql')(
    'a user without REPLICATION SLAVE / BINLOG MONITOR / SELECT gets each grant spelled out',
    async () => {
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
    },
  );

  it('a table without a primary key is refused unless keyColumns name a key', async () => {
    const refused = await runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.*`] });
    expect(messages(refused)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^NO_PRIMARY_KEY: ${db}\\.nopk has no primary key: .*ALTER TABLE \`${db}\`\\.\`nopk\` ADD PRIMARY KEY .*or set keyColumns`,
        ),
      ),
    ]);
    await expect(
      assertBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.*`] }),
    ).rejects.toMatchObject({
      kind: 'NO_PRIMARY_KEY',
      code: 'SYNC_S1004',
    });

    const unique = await runBinlogPreflight({
      connection: BINLOG_CONN,
      tables: [`${db}.*`],
      keyColumns: { [`${db}.nopk`]: ['a'] },
    });
    expect(unique.problems).toEqual([]);

    const notUnique = await runBinlogPreflight({
      connection: BINLOG_CONN,
      tables: [`${db}.*`],
      keyColumns: { [`${db}.nopk`]: ['b'] },
    });
    expect(notUnique.problems).toEqual([]);
    expect(notUnique.warnings.join('\n')).toMatch(/keyColumns \(b\) are not a unique index/);

    const missing = await runBinlogPreflight({
      connection: BINLOG_CONN,
      tables: [`${db}.*`],
      keyColumns: { [`${db}.nopk`]: ['zz'] },
    });
    expect(messages(missing)).toEqual([
      expect.stringMatching(/keyColumns of .*nopk name column\(s\) zz that the table does not have/),
    ]);
  });

  it('several problems at once: PREFLIGHT_FAILED listing each', async () => {
    const err = await withGlobal('binlog_row_image', 'MINIMAL', () =>
      assertBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.*`] }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(isSynclineError(err, 'PREFLIGHT_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/2 problems[\s\S]*binlog_row_image is MINIMAL[\s\S]*SYNC_S1004/);
  });

  // MariaDB's grants / GTID positions / XA RECOVER FORMAT; MySQL's: mysql-preflight.test.ts
  it.skipIf(TEST_SOURCE === 'mysql')(
    'a checkpoint ahead of the server (binlog reset, other server) is POSITION_PURGED',
    async () => {
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
    },
  );

  it('warns about patterns that match nothing', async () => {
    const r = await runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.missing`, `${db}.zz_*`] });
    expect(r.problems).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/table .*missing does not exist/);
    expect(r.warnings.join('\n')).toMatch(/no table matches '.*zz_\*' yet/);
  });

  // MariaDB's grants / GTID positions / XA RECOVER FORMAT; MySQL's: mysql-preflight.test.ts
  it.skipIf(TEST_SOURCE === 'mysql')(
    'warns, when there is no checkpoint, about XA transactions prepared and undecided on the server',
    async () => {
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
    },
  );
});
