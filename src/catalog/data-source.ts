import 'reflect-metadata';
import mysql2 from 'mysql2';
import { DataSource } from 'typeorm';
import type { SynclineConfig } from '../config/schema.js';
import { CATALOG_ENTITIES } from './entities.js';

export interface CatalogDataSourceOptions {
  /** Overrides the database of mysql.url (tests use one database per file). */
  database?: string;
}

/**
 * The API's own TypeORM pool on mysql2 (not initialized: call `initialize()`). Every pooled session
 * runs in UTC, so CURRENT_TIMESTAMP defaults agree with the mapping's datetimeZone default, and with
 * a statement timeout, so a runaway statement becomes a 503 instead of holding a connection: MariaDB's
 * max_statement_time (every statement), MySQL's max_execution_time (read-only SELECTs only).
 */
export function createCatalogDataSource(
  config: Pick<SynclineConfig, 'mysql' | 'api'>,
  opts: CatalogDataSourceOptions = {},
): DataSource {
  const url = new URL(config.mysql.url);
  if (opts.database !== undefined) url.pathname = `/${opts.database}`;
  const statementSeconds = config.api.dbStatementTimeoutMs / 1000;
  // The pool's 'connection' event fires before a new connection's first command is queued, so the
  // session settings precede every query, the very first one included.
  const driver = {
    ...mysql2,
    createPool(options: mysql2.PoolOptions) {
      const pool = mysql2.createPool(options);
      pool.on('connection', (conn) => {
        conn.query(`SET time_zone = '+00:00'`);
        if (statementSeconds > 0) {
          // mysql2 knows the server from its handshake (MySQL has no max_statement_time)
          const mariadb = (conn as unknown as { _isMariaDB?: boolean })._isMariaDB !== false;
          conn.query(
            mariadb
              ? `SET max_statement_time = ${statementSeconds}`
              : `SET max_execution_time = ${Math.round(statementSeconds * 1000)}`,
          );
        }
      });
      return pool;
    },
  };
  return new DataSource({
    type: 'mariadb',
    driver,
    url: url.toString(),
    entities: CATALOG_ENTITIES,
    synchronize: false,
    logging: false,
    poolSize: config.mysql.poolSize,
    connectTimeout: config.mysql.connectTimeoutMs,
    timezone: 'Z',
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}
