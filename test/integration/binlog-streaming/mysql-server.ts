import mysql from 'mysql2/promise';
import type { BinlogConnectionConfig } from '../../../src/sources/mysql-binlog/streaming/connection.js';
import { createDatabase } from './helpers.js';

/**
 * The MySQL 9.x server of the binlog tests: the stack's (127.0.0.1:3308, `syncline stack up --with
 * mysql`) unless SYNCLINE_TEST_MYSQL_URL names another. Root for setup, the `syncline` user
 * (caching_sha2_password) for streaming.
 */
export const MYSQL_URL = process.env.SYNCLINE_TEST_MYSQL_URL ?? 'mysql://syncline:syncline@127.0.0.1:3308/';
export const MYSQL_ROOT_URL = process.env.SYNCLINE_TEST_MYSQL_ROOT_URL ?? 'mysql://root@127.0.0.1:3308/';

export const MYSQL_CONN: BinlogConnectionConfig = { url: MYSQL_URL, timezone: 'Z', connectTimeoutMs: 5000 };

export function mysqlRoot(database?: string): Promise<mysql.Connection> {
  const u = new URL(MYSQL_ROOT_URL);
  return mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(database && { database }),
  });
}

/** A fresh database on that MySQL server (createDatabase of helpers.ts with the MySQL root). */
export function createMysqlDatabase(
  prefix: string,
): Promise<{ db: string; conn: mysql.Connection; drop(): Promise<void> }> {
  return createDatabase(prefix, () => mysqlRoot());
}
