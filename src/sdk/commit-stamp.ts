import { composeVersion } from '../core/change-event.js';
import { errorMessage, SynclineError } from '../core/errors.js';
import {
  type AnyGtid,
  GtidState,
  gtidText,
  parseAnyGtid,
} from '../sources/mysql-binlog/streaming/gtid-state.js';

/**
 * The GTID of one committed transaction and its version sequence: the sequence part of every dual-write
 * version of that transaction. The binlog source versions the same change as composeVersion(sequence,
 * order) where sequence counts the transactions executed up to this one (see docs/guarantees.md,
 * "Versions"), so a dual-write and the later CDC event of the same change carry the same version, and any
 * later transaction a higher one.
 */
export interface CommitStamp {
  /** MariaDB `domain-server-seq`, MySQL `uuid[:tag]:number`. */
  readonly gtid: string;
  /** The version sequence (named after MariaDB's seq_no, which it equals on a one-domain server). */
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

/**
 * A stamp from a GTID text (`domain-server-seq` or `uuid[:tag]:number`), e.g. one a caller read itself.
 * `executed`: the server's @@gtid_binlog_pos / @@gtid_executed read after the commit; without it the
 * sequence is the GTID's own number, which is the version sequence only on a server whose history has one
 * domain (MariaDB) or one server uuid (MySQL).
 */
export function stampOf(gtid: string, executed?: string): CommitStamp {
  let g: AnyGtid;
  let state: GtidState | undefined;
  try {
    g = parseAnyGtid(gtid);
    state = executed === undefined ? undefined : GtidState.parse(executed);
  } catch (e) {
    throw new SynclineError('DUAL_WRITE_NO_VERSION', `not a GTID: ${errorMessage(e)}`);
  }
  const own = 'source' in g ? g.gno : g.seqNo;
  return { gtid: gtidText(g), seqNo: state ? state.sequenceThrough(g) : own };
}

/**
 * Reads the GTID the server assigned to this session's last binlogged transaction, on the session that
 * ran COMMIT, with the server's executed GTIDs in the same statement (for the version sequence):
 * MariaDB `@@last_gtid`; MySQL the session's last transaction in
 * performance_schema.events_transactions_current (the value session_track_gtids=OWN_GTID puts in the
 * COMMIT's OK packet, which a later query cannot see; @@gtid_executed alone would name other sessions'
 * transactions under concurrency). Call it right after the commit and before the connection goes back
 * to a pool: another transaction on the same connection would replace it. Refuses (SYNC_S1101) when there
 * is none (binlog off, nothing binlogged yet on this connection, performance_schema off) and when it is
 * handed a pool instead of a connection.
 */
export async function readCommitStamp(session: SqlSession): Promise<CommitStamp> {
  const target = sessionOf(session);
  let result: unknown;
  let mysql = false;
  try {
    result = await target.query(
      'SELECT @@SESSION.last_gtid AS last_gtid, @@GLOBAL.gtid_binlog_pos AS executed',
    );
  } catch (e) {
    if ((e as { errno?: number }).errno !== 1193) {
      throw new SynclineError('DUAL_WRITE_NO_VERSION', `reading @@last_gtid failed: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    mysql = true; // no @@last_gtid: MySQL
  }
  if (mysql) {
    try {
      result = await target.query(
        'SELECT t.GTID AS last_gtid, @@GLOBAL.gtid_executed AS executed FROM performance_schema.events_transactions_current t WHERE t.THREAD_ID = PS_CURRENT_THREAD_ID()',
      );
    } catch (e) {
      throw new SynclineError(
        'DUAL_WRITE_NO_VERSION',
        `reading this session's last GTID from performance_schema.events_transactions_current failed: ${errorMessage(e)}. ` +
          'Fix: performance_schema=ON (the default) and GRANT SELECT ON performance_schema.* to the application user',
        { cause: e },
      );
    }
  }
  const rows = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
  const row = Array.isArray(rows)
    ? (rows[0] as { last_gtid?: unknown; executed?: unknown } | undefined)
    : undefined;
  const gtid = text(row?.last_gtid).trim();
  if (gtid === '' || (mysql && !gtid.includes(':'))) {
    throw new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      mysql
        ? `this connection's last transaction has no GTID (${gtid || 'none'}): binary logging or gtid_mode is off, no transaction of this connection has been binlogged, or the transaction instrument of performance_schema is disabled (performance_schema_consumer_events_transactions_current)`
        : '@@last_gtid is empty on this connection: binary logging is off (log_bin), or no transaction of this connection has been binlogged',
    );
  }
  // Several GTIDs (one per domain) are not possible for one transaction; take the last one if a
  // server ever reports a list.
  return stampOf(gtid.split(',').pop()!.trim(), text(row?.executed));
}

/**
 * Runs COMMIT on `session` and returns its stamp. On MySQL the GTID comes from the COMMIT's own OK packet
 * (session_track_gtids=OWN_GTID, set here for the session; mysql2 exposes it as stateChanges.gtids), which
 * is right even where performance_schema does not count the transaction as this session's (an XA COMMIT
 * of a branch prepared by another session); the executed set for the version sequence is read right
 * after. Elsewhere (MariaDB, or a driver that does not expose the OK packet) it is readCommitStamp.
 */
export async function commitWithStamp(session: SqlSession): Promise<CommitStamp> {
  const target = sessionOf(session);
  let tracking = false;
  try {
    await target.query('SET SESSION session_track_gtids = OWN_GTID');
    tracking = true;
  } catch {
    // MariaDB: no such variable; its @@last_gtid is exact
  }
  const result = await target.query('COMMIT');
  const ok = (Array.isArray(result) ? result[0] : result) as
    | { stateChanges?: { gtids?: string[] } }
    | undefined;
  const own = ok?.stateChanges?.gtids?.filter((g) => g.trim() !== '') ?? [];
  if (!tracking || own.length === 0) return readCommitStamp(target);
  const rows = (await target.query('SELECT @@GLOBAL.gtid_executed AS executed')) as unknown;
  const list = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows;
  const executed = Array.isArray(list) ? text((list[0] as { executed?: unknown } | undefined)?.executed) : '';
  return stampOf(own[own.length - 1]!.trim(), executed);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : '';
}

/** The session to query: refuses pools and DataSources, unwraps a transactional EntityManager. */
function sessionOf(s: SqlSession): SqlSession {
  const o = s as unknown as Record<string, unknown>;
  if (typeof o.getConnection === 'function' || typeof o.createQueryRunner === 'function') {
    throw new SynclineError(
      'DUAL_WRITE_NO_VERSION',
      'the commit GTID must be read on the connection that ran COMMIT, not on a pool or DataSource (which may pick another connection)',
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
