import { errorMessage, SynclineError } from '../../../core/errors.js';

interface MysqlError extends Error {
  code?: string;
  errno?: number;
  fatal?: boolean;
  sqlMessage?: string;
}

/** Network-level failures: the server restarts, a proxy drops us, a timeout. Reconnect. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_SOCKET_CLOSED',
]);

/** Server errors worth a retry: shutting down, too many connections, lost connection, killed. */
const TRANSIENT_ERRNOS = new Set([
  1040, 1053, 1077, 1152, 1158, 1159, 1160, 1161, 1927, 2002, 2003, 2006, 2013,
]);

const ACCESS_ERRNOS = new Set([1044, 1045, 1142, 1227, 1698]);

/**
 * MariaDB answers a dump request whose GTID state it cannot serve with 1236 (ER_MASTER_FATAL_ERROR_READING_BINLOG)
 * and a message naming the cause; 1945/1950/1955 (ER_GTID_POSITION_NOT_FOUND_IN_BINLOG[2],
 * ER_GTID_START_FROM_BINLOG_HOLE) when the position is not in the binlog at all (reset, diverged).
 */
const PURGED_MESSAGE =
  /purged|could not find (gtid state|first log)|not in the master'?s binlog|too old|binlog .*missing|missing the gtid|not found in binlog/i;
const POSITION_ERRNOS = new Set([1945, 1950, 1955]);

export type Classified =
  | { readonly transient: true; readonly cause: Error }
  | { readonly transient: false; readonly error: SynclineError };

/** Decides whether a binlog connection error is worth a reconnect, or ends the stream with a catalog error. */
export function classifyBinlogError(e: unknown, where: string, from: string): Classified {
  if (e instanceof SynclineError) return { transient: false, error: e };
  const err = (e instanceof Error ? e : new Error(String(e))) as MysqlError;
  const msg = err.sqlMessage ?? err.message;
  if (
    err.errno !== undefined &&
    (POSITION_ERRNOS.has(err.errno) || (err.errno === 1236 && PURGED_MESSAGE.test(msg)))
  ) {
    return {
      transient: false,
      error: new SynclineError(
        'POSITION_PURGED',
        `${where}: the server can no longer stream from GTID position '${from}': ${msg} (error ${err.errno})`,
        { cause: err, details: { errno: err.errno, from } },
      ),
    };
  }
  if (err.errno === 1236) {
    return {
      transient: false,
      error: new SynclineError(
        'SOURCE_UNREACHABLE',
        `${where}: the server stopped the binlog stream: ${msg} (error 1236)`,
        {
          cause: err,
          details: { errno: err.errno, from },
        },
      ),
    };
  }
  // zongji cannot decode a column type: every reconnect would stop at the same row, so this is final.
  const unsupported =
    /Unsupported type "(\d+)" on column "([^"]*)" of the table "([^"]*)" in the database "([^"]*)"/.exec(msg);
  if (unsupported) {
    const [, type, column, table, database] = unsupported;
    return {
      transient: false,
      error: new SynclineError(
        'PREFLIGHT_FAILED',
        `${where}: column ${database}.${table}.${column} has binlog type ${type}, which the binlog reader cannot decode; streaming stopped before its row (checkpoint ${from || 'the start'}). ` +
          `Fix: leave ${database}.${table} out of the pipeline's tables, or change the column to a supported type, then re-snapshot`,
        { cause: err, details: { type: Number(type), database, table, column } },
      ),
    };
  }
  if (err.errno !== undefined && ACCESS_ERRNOS.has(err.errno)) {
    return {
      transient: false,
      error: new SynclineError(
        'PREFLIGHT_FAILED',
        `${where}: access denied: ${msg}. The binlog user needs REPLICATION SLAVE, BINLOG MONITOR (REPLICATION CLIENT on MySQL) and SELECT: ` +
          `GRANT REPLICATION SLAVE, BINLOG MONITOR, SELECT ON *.* TO '<user>'@'<host>'`,
        { cause: err, details: { errno: err.errno } },
      ),
    };
  }
  if (
    (err.code !== undefined && TRANSIENT_CODES.has(err.code)) ||
    (err.errno !== undefined && TRANSIENT_ERRNOS.has(err.errno)) ||
    err.fatal === true
  ) {
    return { transient: true, cause: err };
  }
  // Anything else (a decoding problem, an unexpected server error): reconnecting at the last commit is the
  // safe move, and the attempt limit turns a persistent failure into SOURCE_UNREACHABLE.
  return { transient: true, cause: err };
}

export function unreachable(where: string, attempts: number, cause: unknown): SynclineError {
  return new SynclineError(
    'SOURCE_UNREACHABLE',
    `${where}: binlog stream failed ${attempts} time(s) in a row; last error: ${errorMessage(cause)}`,
    { cause, details: { attempts } },
  );
}
