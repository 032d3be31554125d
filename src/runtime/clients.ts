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

export function createClients(config: SynclineConfig): Clients {
  const db = mysql.createPool({
    uri: config.mysql.url,
    connectionLimit: config.mysql.poolSize,
    connectTimeout: config.mysql.connectTimeoutMs,
    timezone: config.mysql.timezone,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
  });
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
