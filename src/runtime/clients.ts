import mysql from 'mysql2/promise';
import { Pool as HttpPool } from 'undici';
import type { SynclineConfig } from '../config/schema.js';

/** The connection pools one process shares: MariaDB queries and the search engine's HTTP pool. */
export interface Clients {
  db: mysql.Pool;
  search: HttpPool;
  searchUrl: URL;
  close(): Promise<void>;
}

/**
 * The query pool that snapshots, polling and stores share. Values must read exactly as the binlog
 * reader sees them (docs/mapping.md): dates and JSON as text, big numbers as strings, and a UTC session
 * so TIMESTAMP text is UTC whatever the server's zone.
 */
export function createDbPool(config: SynclineConfig): mysql.Pool {
  const pool = mysql.createPool({
    uri: config.mysql.url,
    connectionLimit: config.mysql.poolSize,
    connectTimeout: config.mysql.connectTimeoutMs,
    timezone: config.mysql.timezone,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
    jsonStrings: true,
  });
  pool.pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

export function createClients(config: SynclineConfig): Clients {
  const db = createDbPool(config);
  const searchUrl = new URL(config.search.url);
  const search = new HttpPool(searchUrl.origin, {
    connections: config.search.connections,
    headersTimeout: config.search.requestTimeoutMs,
    bodyTimeout: config.search.requestTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  return {
    db,
    search,
    searchUrl,
    async close() {
      await Promise.allSettled([db.end(), search.close()]);
    },
  };
}
