import type mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { assertBinlogPreflight, runBinlogPreflight } from '../../../src/sources/mysql-binlog/preflight.js';
import { TEST_SOURCE } from '../../helpers/stack.js';
import { BINLOG_CONN, preflightFixture } from './helpers.js';

const fx = preflightFixture('t_binlog_preflight');
let db: string;
let conn: mysql.Connection;
beforeAll(() => {
  ({ db, conn } = fx);
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

  it('warns about patterns that match nothing', async () => {
    const r = await runBinlogPreflight({ connection: BINLOG_CONN, tables: [`${db}.missing`, `${db}.zz_*`] });
    expect(r.problems).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/table .*missing does not exist/);
    expect(r.warnings.join('\n')).toMatch(/no table matches '.*zz_\*' yet/);
  });
});
