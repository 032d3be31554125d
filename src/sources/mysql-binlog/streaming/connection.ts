import type { ConnectionOptions } from 'mysql2';
import mysql from 'mysql2/promise';

/** Where and how the binlog is read: `mysql.url`, `mysql.timezone`, `mysql.connectTimeoutMs` of the config. */
export interface BinlogConnectionConfig {
  readonly url: string;
  /** Zone TIMESTAMP values are rendered in ('Z', '+08:00'); must equal the snapshot session's time_zone. */
  readonly timezone?: string;
  readonly connectTimeoutMs?: number;
}

/**
 * mysql2 options shared by the binlog connection (through zongji) and the control queries. The database
 * of the URL is left out: the binlog is server-wide, and a missing demo schema must not stop capture.
 * dateStrings keeps DATE/DATETIME exactly as written and renders TIMESTAMP (stored as epoch seconds in
 * the binlog) in `timezone`; zongji reads these options from the binlog connection's config.
 */
export function connectionOptions(cfg: BinlogConnectionConfig): ConnectionOptions {
  const u = new URL(cfg.url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new Error(`mysql.url must start with mysql:// (got ${u.protocol}//)`);
  }
  return {
    host: decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectTimeout: cfg.connectTimeoutMs ?? 10_000,
    dateStrings: true,
    timezone: cfg.timezone ?? 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    // MySQL's binary JSON as text with exact 64-bit numerals (zongji reads it from the binlog connection's
    // config), as the snapshot's jsonStrings pool reads it and as MariaDB logs JSON (LONGTEXT).
    jsonStrings: true,
    charset: 'utf8mb4',
  };
}

/** user@host:port, for messages (never the password). */
export function describeServer(cfg: BinlogConnectionConfig): string {
  try {
    const u = new URL(cfg.url);
    return `${decodeURIComponent(u.username) || '(no user)'}@${u.hostname}:${u.port || 3306}`;
  } catch {
    return '(invalid mysql.url)';
  }
}

/** A short-lived control connection (position look-ups, preflight). */
export function controlConnection(cfg: BinlogConnectionConfig): Promise<mysql.Connection> {
  return mysql.createConnection(connectionOptions(cfg));
}

/** A small pool for the source's own queries (primary keys, lag polling). */
export function controlPool(cfg: BinlogConnectionConfig, size = 2): mysql.Pool {
  return mysql.createPool({ ...connectionOptions(cfg), connectionLimit: size, maxIdle: size });
}
