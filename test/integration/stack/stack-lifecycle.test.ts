import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { LocalStack } from '../../../src/stack/stack.js';
import { testConfig } from '../../helpers/stack.js';

/**
 * Lifecycle of a stack with its own data dir and ports, so killing and restarting it never disturbs the
 * shared stack the other tests use.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-stack-'));
const PORT = 13317;
const stack = new LocalStack(
  testConfig({
    stack: { dataDir, mariadb: { port: PORT }, opensearch: { port: 19201 }, kafka: { port: 19093 } },
  }),
);

afterAll(async () => {
  await stack.down();
  rmSync(dataDir, { recursive: true, force: true });
});

async function query(sql: string): Promise<unknown[]> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root' });
  try {
    const [rows] = await c.query(sql);
    return rows as unknown[];
  } finally {
    await c.end();
  }
}

describe('local stack lifecycle (MariaDB on its own port and data dir)', () => {
  it('up initialises, is healthy with binlog ROW/FULL and GTID, and a second up is a no-op', async () => {
    await stack.up(['mariadb']);
    const [vars] = (await query(
      'SELECT @@log_bin AS log_bin, @@binlog_format AS fmt, @@binlog_row_image AS img, @@binlog_row_metadata AS meta, @@gtid_strict_mode AS gtid, @@port AS port, @@bind_address AS bind',
    )) as Array<Record<string, unknown>>;
    expect(vars).toMatchObject({
      log_bin: 1,
      fmt: 'ROW',
      img: 'FULL',
      meta: 'FULL',
      gtid: 1,
      port: PORT,
      bind: '127.0.0.1',
    });
    const dbs = (await query('SHOW DATABASES')) as Array<{ Database: string }>;
    expect(dbs.map((d) => d.Database)).toEqual(expect.arrayContaining(['syncline_demo', 'syncline']));

    const pid = stack.servers.mariadb.pid();
    const t0 = Date.now();
    expect(await stack.servers.mariadb.up()).toBe('already-up');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stack.servers.mariadb.pid()).toBe(pid);
  });

  it('status is truthful after kill -9, and up recovers', async () => {
    const before = (await stack.status()).find((s) => s.name === 'mariadb')!;
    expect(before.state).toBe('up');
    expect(before.version).toMatch(/MariaDB/);
    expect(before.pid).toBeGreaterThan(0);
    expect(before.dataDir).toBe(path.join(dataDir, 'mariadb'));
    process.kill(before.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const after = (await stack.status()).find((s) => s.name === 'mariadb')!;
    expect(after.state).toBe('down');
    expect(after.note).toMatch(/stale pid file/);
    expect(await stack.servers.mariadb.up()).toBe('started');
  });

  it('down then up keeps the data', async () => {
    await query('CREATE TABLE IF NOT EXISTS syncline_demo.keepme (id INT PRIMARY KEY)');
    await query('INSERT INTO syncline_demo.keepme VALUES (1), (2), (3)');
    const [r] = await stack.down(['mariadb']);
    expect(r?.outcome).toBe('stopped');
    expect((await stack.status()).find((s) => s.name === 'mariadb')!.state).toBe('down');
    await stack.up(['mariadb']);
    expect(await query('SELECT COUNT(*) AS n FROM syncline_demo.keepme')).toEqual([{ n: 3 }]);
  });

  it('a port already taken gives a clear error within seconds, and status names the holder', async () => {
    const other = new LocalStack(
      testConfig({ stack: { dataDir: path.join(dataDir, 'other'), mariadb: { port: 13327 } } }),
    );
    const blocker = net.createServer().listen(13327, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const t0 = Date.now();
      const err = await other.up(['mariadb']).catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(isSynclineError(err, 'PORT_IN_USE')).toBe(true);
      expect((err as Error).message).toMatch(
        /port 13327 on 127\.0\.0\.1 is already in use by node \(pid \d+\)/,
      );
      const st = (await other.status()).find((s) => s.name === 'mariadb')!;
      expect(st.state).toBe('foreign');
    } finally {
      blocker.close();
    }
  });
});
