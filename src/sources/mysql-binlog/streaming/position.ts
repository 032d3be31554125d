import type { Connection, RowDataPacket } from 'mysql2/promise';
import { composeVersion, MAX_SUB, type Position } from '../../../core/change-event.js';
import { SynclineError } from '../../../core/errors.js';
import type { ReaderStart } from './binlog-reader.js';
import { type BinlogConnectionConfig, controlConnection } from './connection.js';
import { type AnyGtid, type Flavour, GtidState, gtidText } from './gtid-state.js';

/**
 * Binlog checkpoints: `{ gtid, file, pos }` where gtid is a MariaDB GTID position ("0-1-1234[,1-2-55…]")
 * or a MySQL GTID set ("uuid:1-91[:tag:1-5],…"). The GTID text is authoritative (valid across failover);
 * file+pos are kept for people and as a fallback when a checkpoint has no gtid.
 */
export interface BinlogCheckpoint {
  readonly gtid: string;
  readonly file?: string;
  readonly pos?: number;
}

export function readCheckpoint(p: Position): BinlogCheckpoint | undefined {
  const c = p.checkpoint;
  if (typeof c.gtid === 'string') {
    return {
      gtid: c.gtid,
      ...(typeof c.file === 'string' && { file: c.file }),
      ...(typeof c.pos === 'number' && { pos: c.pos }),
    };
  }
  return undefined;
}

/** Where the reader starts for a checkpoint (`undefined`: `whenNone`). */
export function startPointOf(from: Position | undefined, whenNone: 'end' | 'beginning' = 'end'): ReaderStart {
  if (!from) return whenNone === 'end' ? 'end' : { gtid: '' };
  const c = from.checkpoint;
  if (typeof c.gtid === 'string') return { gtid: c.gtid };
  if (typeof c.file === 'string' && typeof c.pos === 'number') return { file: c.file, pos: c.pos };
  throw new Error(`checkpoint ${from.label} has neither a gtid nor file+pos`);
}

/**
 * The Position of a GTID position / set text. Its version is the one of the last transaction in it:
 * composeVersion(count of executed transactions, MAX_SUB) (docs/guarantees.md, "Versions"). `last` only
 * labels it.
 */
export function positionOf(gtid: string, file?: string, pos?: number, last?: AnyGtid): Position {
  const state = GtidState.parse(gtid);
  const tail = last ? gtidText(last) : state.isEmpty ? undefined : shortLabel(state);
  return {
    version: composeVersion(state.count, Number(MAX_SUB)),
    checkpoint: { gtid, ...(file !== undefined && { file }), ...(pos !== undefined && { pos }) },
    label: tail ? `gtid ${tail}` : 'gtid (empty)',
  };
}

function shortLabel(state: GtidState): string {
  if (state.flavour === 'mariadb') {
    return gtidText(state.domains.reduce((m, g) => (g.seqNo > m.seqNo ? g : m)));
  }
  const text = state.toString();
  return text.length > 120 ? `${text.slice(0, 117)}… (${state.count} transactions)` : text;
}

/** What a server has executed, asked in its own dialect. */
export interface ServerGtids {
  readonly flavour: Flavour;
  /** MariaDB @@gtid_binlog_pos, MySQL @@gtid_executed. */
  readonly executed: GtidState;
  /** MySQL @@gtid_purged: transactions no longer in any binlog (MariaDB: empty, see preflight). */
  readonly purged: GtidState;
}

/**
 * `vars` (lower-case names from SHOW VARIABLES) with the GTID positions/sets re-read by `SELECT @@GLOBAL.…`:
 * SHOW VARIABLES cuts a value at 1,024 characters on MySQL, and a GTID set holding a few dozen server uuids
 * (after failovers, or transactions written with GTID_NEXT) is longer — parsed cut, it names a half uuid.
 */
export async function withFullGtidValues(
  conn: Pick<Connection, 'query'>,
  vars: Map<string, string>,
): Promise<Map<string, string>> {
  const names = ['gtid_binlog_pos', 'gtid_executed', 'gtid_purged'].filter((n) => vars.has(n));
  if (names.length === 0) return vars;
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${names.map((n) => `@@GLOBAL.${n} AS ${n}`).join(', ')}`,
  );
  const out = new Map(vars);
  for (const n of names) out.set(n, String(rows[0]?.[n] ?? ''));
  return out;
}

/**
 * Detects the GTID dialect once, by capability (which variables exist), not by version string: MariaDB
 * has gtid_binlog_pos, MySQL gtid_executed. Refuses a MySQL server without gtid_mode=ON.
 */
export async function serverGtids(conn: Connection): Promise<ServerGtids> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('gtid_binlog_pos', 'gtid_executed', 'gtid_purged', 'gtid_mode')",
  );
  const v = await withFullGtidValues(
    conn,
    new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value ?? '')])),
  );
  if (v.has('gtid_binlog_pos')) {
    return {
      flavour: 'mariadb',
      executed: GtidState.parse(v.get('gtid_binlog_pos')!),
      purged: GtidState.EMPTY,
    };
  }
  if (v.has('gtid_executed')) {
    const mode = (v.get('gtid_mode') ?? 'OFF').toUpperCase();
    if (mode !== 'ON') {
      throw new SynclineError(
        'PREFLIGHT_FAILED',
        `gtid_mode is ${mode}: binlog streaming from MySQL needs gtid_mode=ON (positions that survive failover). Fix: SET GLOBAL enforce_gtid_consistency=ON, then step gtid_mode through OFF_PERMISSIVE and ON_PERMISSIVE to ON, and put both in my.cnf`,
        { details: { variable: 'gtid_mode', value: mode } },
      );
    }
    return {
      flavour: 'mysql',
      executed: GtidState.parse(v.get('gtid_executed')!),
      purged: GtidState.parse(v.get('gtid_purged') ?? ''),
    };
  }
  throw new SynclineError(
    'PREFLIGHT_FAILED',
    'the server has neither gtid_binlog_pos (MariaDB) nor gtid_executed (MySQL): binlog streaming needs MariaDB 10.5+ or MySQL 8.0+',
  );
}

/**
 * The current end of the binlog as a Position (what a snapshot records before it starts reading, so
 * streaming resumes exactly after it). file/pos come from a second statement and are informational.
 */
export async function currentBinlogPosition(cfg: BinlogConnectionConfig): Promise<Position> {
  const conn = await controlConnection(cfg);
  try {
    const g = await serverGtids(conn);
    const row = await binlogStatus(conn, g.flavour);
    return positionOf(
      g.executed.toString(),
      row ? String(row.File) : undefined,
      row ? Number(row.Position) : undefined,
    );
  } finally {
    await conn.end().catch(() => {});
  }
}

/** SHOW MASTER STATUS (MariaDB) / SHOW BINARY LOG STATUS (MySQL 8.2+, the older name is gone in 8.4+). */
export async function binlogStatus(conn: Connection, flavour: Flavour): Promise<RowDataPacket | undefined> {
  if (flavour === 'mysql') {
    try {
      const [m] = await conn.query<RowDataPacket[]>('SHOW BINARY LOG STATUS');
      return m[0];
    } catch {
      // MySQL 8.0 / 8.1: the old statement
    }
  }
  const [m] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  return m[0];
}
