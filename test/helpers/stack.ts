import mysql from 'mysql2/promise';
import { resolveConfig } from '../../src/config/load.js';
import type { SynclineConfig } from '../../src/config/schema.js';
import { SearchClient } from '../../src/sinks/search/client.js';

/** Config of the local test stack, with overrides merged in (validated like a user's). */
export function testConfig(overrides: Record<string, unknown> = {}): SynclineConfig {
  // The global setup owns the stack: a test config never starts servers, whichever URLs it names.
  const stack = { manage: false, ...(overrides.stack as Record<string, unknown> | undefined) };
  return resolveConfig({ ...overrides, stack }, process.env);
}

export const MARIADB_PORT = 3307;
export const SEARCH_URL = 'http://127.0.0.1:9200';

/** A root connection to the local MariaDB (loopback only, no password). */
export function rootConnection(database?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port: MARIADB_PORT,
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

/** Creates database `db` on the local MariaDB and returns a small root pool on it. */
export async function createDatabasePool(db: string, connectionLimit = 4): Promise<mysql.Pool> {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE ${db}`);
  await c.end();
  return mysql.createPool({
    host: '127.0.0.1',
    port: MARIADB_PORT,
    user: 'root',
    database: db,
    connectionLimit,
  });
}
