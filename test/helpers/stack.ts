import mysql from 'mysql2/promise';
import { resolveConfig } from '../../src/config/load.js';
import type { SynclineConfig } from '../../src/config/schema.js';
import { SearchClient } from '../../src/sinks/search/client.js';

/**
 * The source server the integration tests run against: MariaDB 10.11 on 3307 (the default project) or
 * MySQL 9.7 on 3308 (the vitest project "mysql", which sets SYNCLINE_TEST_SOURCE=mysql). Root on both has
 * no password over TCP from 127.0.0.1 (local test servers only).
 */
export const TEST_SOURCE: 'mariadb' | 'mysql' =
  process.env.SYNCLINE_TEST_SOURCE === 'mysql' ? 'mysql' : 'mariadb';
export const MARIADB_PORT = 3307;
export const MYSQL_PORT = 3308;
/** Port of the selected source server (use this, not MARIADB_PORT, in tests that run on both). */
export const SOURCE_PORT = TEST_SOURCE === 'mysql' ? MYSQL_PORT : MARIADB_PORT;

/** Statements that differ between the two source servers (MySQL 8.4 renamed MASTER STATUS). */
export const SOURCE_SQL =
  TEST_SOURCE === 'mysql'
    ? { binlogStatus: 'SHOW BINARY LOG STATUS', executedGtids: 'SELECT @@GLOBAL.gtid_executed AS p' }
    : { binlogStatus: 'SHOW MASTER STATUS', executedGtids: 'SELECT @@GLOBAL.gtid_binlog_pos AS p' };

/** A checkpoint label at a GTID position: MariaDB `domain-server-seq`, MySQL a GTID set `uuid:1-n[,…]`. */
export const GTID_LABEL = TEST_SOURCE === 'mysql' ? /^gtid [0-9a-f-]{36}:\d+(-\d+)?/ : /^gtid \d+-\d+-\d+$/;

/** Config of the local test stack, with overrides merged in (validated like a user's). */
export function testConfig(overrides: Record<string, unknown> = {}): SynclineConfig {
  // The global setup owns the stack: a test config never starts servers, whichever URLs it names.
  const stack = { manage: false, ...(overrides.stack as Record<string, unknown> | undefined) };
  // Unnamed mysql.url: the selected source's syncline user (the default follows stack.mariadb.port only).
  const mysqlOverride = overrides.mysql as Record<string, unknown> | undefined;
  const mysql =
    TEST_SOURCE === 'mysql' &&
    mysqlOverride?.url === undefined &&
    process.env.SYNCLINE_MYSQL_URL === undefined
      ? { ...mysqlOverride, url: `mysql://syncline:syncline@127.0.0.1:${MYSQL_PORT}/syncline_demo` }
      : mysqlOverride;
  return resolveConfig({ ...overrides, stack, ...(mysql && { mysql }) }, process.env);
}
export const SEARCH_URL = 'http://127.0.0.1:9200';

/** A root connection to the selected source server (loopback only, no password). */
export function rootConnection(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port: SOURCE_PORT,
    user: 'root',
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(database && { database }),
  });
}

export function searchClient(url = SEARCH_URL): SearchClient {
  return new SearchClient({ url });
}

/** A unique, index- and table-safe name for one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.toLowerCase();
}

/** Creates database `db` on the selected source server and returns a small root pool on it. */
export async function createDatabasePool(db: string, connectionLimit = 4): Promise<mysql.Pool> {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE ${db}`);
  await c.end();
  return mysql.createPool({
    host: '127.0.0.1',
    port: SOURCE_PORT,
    user: 'root',
    database: db,
    connectionLimit,
  });
}
