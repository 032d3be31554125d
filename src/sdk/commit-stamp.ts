import { composeVersion } from '../core/change-event.js';
import { errorMessage, SynclineError } from '../core/errors.js';
import { formatGtid, type Gtid, parseGtid } from '../sources/mysql-binlog/streaming/gtid.js';

/**
 * The GTID of one committed transaction: the sequence part of every dual-write version of that
 * transaction. The binlog source versions the same change as composeVersion(seq_no, order) (see
 * transaction-assembler.ts), so a dual-write and the later CDC event of the same change carry the same
 * version, and any later transaction (higher seq_no) a higher one.
 */
export interface CommitStamp {
  readonly gtid: string;
  readonly seqNo: bigint;
}

/** Anything that runs SQL on one session: a mysql2 connection, a TypeORM QueryRunner or transactional EntityManager. */
export interface SqlSession {
  query(sql: string, values?: unknown): Promise<unknown>;
}

/** The version of the `order`-th change (0-based, in write order) of a committed transaction. */
export function versionOf(stamp: CommitStamp, order = 0): bigint {
  return composeVersion(stamp.seqNo, order);
}

/** A stamp from a GTID text (`domain-server-seq`), e.g. one a caller read itself. */
export function stampOf(gtid: string): CommitStamp {
  let g: Gtid;
  try {
    g = parseGtid(gtid);
  } catch (e) {
    throw new SynclineError('DUAL_WRITE_NO_VERSION', `not a MariaDB GTID: ${errorMessage(e)}`);
  }
  return { gtid: formatGtid(g), seqNo: g.seqNo };
}

/**
 * Reads `@@last_gtid` — the GTID MariaDB assigned to this session's last binlogged transaction — on the
 * session that ran COMMIT. Call it right after the commit and before the connection goes back to a
 * pool: another transaction on the same connection would overwrite it. Refuses (SYNC_S1101) when there
 * is no such variable (MySQL), when it is empty (binlog off, or nothing binlogged yet on this
 * connection), and when it is handed a pool instead of a connection.
 */
export async function readCommitStamp(session: SqlSession): Promise<CommitStamp> {
  const target = sessionOf(session);
  let result: unknown;
  try {
    result = await target.query('SELECT @@SESSION.last_gtid AS last_gtid');
  } catch (e) {
    const errno = (e as { errno?: number }).errno;
    if (errno === 1193) {
      throw new SynclineError(
        'DUAL_WRITE_NO_VERSION',
        'this server has no @@last_gtid (MySQL?): dual-write versions need MariaDB GTIDs; on MySQL use the outbox write path or CDC',
        { cause: e },
      );
    }
    throw new SynclineError('DUAL_WRITE_NO_VERSION', `reading @@last_gtid failed: ${errorMessage(e)}`, {
      cause: e,
    });
  }
  const rows = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
  const text = Array.isArray(rows) ? (rows[0] as { last_gtid?: unknown } | undefined)?.last_gtid : undefined;
  const gtid = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : '';
  if (gtid.trim() === '') {
    throw new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      '@@last_gtid is empty on this connection: binary logging is off (log_bin), or no transaction of this connection has been binlogged',
    );
  }
  // Several GTIDs (one per domain) are not possible for one transaction; take the last one if a
  // server ever reports a list.
  return stampOf(gtid.split(',').pop()!.trim());
}

/** The session to query: refuses pools and DataSources, unwraps a transactional EntityManager. */
function sessionOf(s: SqlSession): SqlSession {
  const o = s as unknown as Record<string, unknown>;
  if (typeof o.getConnection === 'function' || typeof o.createQueryRunner === 'function') {
    throw new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      '@@last_gtid must be read on the connection that ran COMMIT, not on a pool or DataSource (which may pick another connection)',
    );
  }
  if ('queryRunner' in o && typeof o.transaction === 'function') {
    const qr = o.queryRunner as (SqlSession & { isReleased?: boolean }) | undefined;
    if (!qr || qr.isReleased) {
      throw new SynclineError(
        'DUAL_WRITE_NO_VERSION',
        'this EntityManager has no live QueryRunner: pass the transaction’s manager (or QueryRunner) before it is released',
      );
    }
    return qr;
  }
  return s;
}
