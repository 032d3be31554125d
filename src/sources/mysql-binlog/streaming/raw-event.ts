import type { Row } from '../../../core/change-event.js';
import type { AnyGtid } from './gtid-state.js';

/**
 * What the reader hands to the transaction assembler: zongji's events reduced to what CDC needs, with
 * transaction boundaries already decided (the reader must know them anyway to reconnect at one).
 *
 *   begin → (rows | statement)* → commit          one event group (transaction or standalone DDL)
 *   heartbeat                                      the server had nothing more to send
 *   reconnected                                    the stream restarted at the last commit: an open
 *                                                  group seen so far is incomplete and replays in full
 */
export type RawBinlogEvent =
  | BeginEvent
  | RowsEvent
  | StatementEvent
  | CommitEvent
  | HeartbeatEvent
  | ReconnectedEvent;

export interface BeginEvent {
  readonly kind: 'begin';
  readonly gtid: AnyGtid;
  /** The full GTID position (all domains / the whole MySQL set) before this group: resuming there replays it. */
  readonly positionBefore: string;
  /** The full GTID position (all domains / the whole MySQL set) once this group commits. */
  readonly positionAfter: string;
  /**
   * The version sequence of this group: the number of transactions executed once it commits
   * (GtidState.count of positionAfter). Defaults to the MariaDB sequence number when absent.
   */
  readonly sequence?: bigint;
  /** Standalone group (DDL): no XID, ends after its statement. */
  readonly standalone: boolean;
  /** An XA PREPARE group: its rows are not committed yet (XA COMMIT or XA ROLLBACK decides, later). */
  readonly xaPrepare?: XaId;
  readonly timestampMs: number;
}

/** An XA transaction id in the server's own notation: `X'<gtrid hex>',X'<bqual hex>',<formatID>`. */
export type XaId = string;

/**
 * How an XA group ends. `prepare`: the rows before it are prepared, not committed; `commit`/`rollback`:
 * the decision on an earlier prepare, in a group of its own with no rows.
 */
export interface XaOutcome {
  readonly xid: XaId;
  readonly outcome: 'prepare' | 'commit' | 'rollback';
}

export type RowsOp = 'insert' | 'update' | 'delete';

export interface RowsEvent {
  readonly kind: 'rows';
  readonly op: RowsOp;
  readonly database: string;
  readonly table: string;
  /** Column names in table order (from binlog_row_metadata=FULL, else INFORMATION_SCHEMA via zongji). */
  readonly columns: readonly string[];
  /** Primary-key columns from binlog_row_metadata=FULL; undefined when the server did not send them. */
  readonly primaryKey: readonly string[] | undefined;
  /** insert/delete: the rows; update: before/after pairs. */
  readonly rows: readonly Row[] | readonly { before: Row; after: Row }[];
  readonly timestampMs: number;
}

/** A statement inside a group other than BEGIN/COMMIT: DDL, TRUNCATE, … */
export interface StatementEvent {
  readonly kind: 'statement';
  readonly sql: string;
  /** The session's default database when the statement ran ('' when none). */
  readonly schema: string;
  readonly timestampMs: number;
}

export interface CommitEvent {
  readonly kind: 'commit';
  readonly gtid: AnyGtid;
  /** The full GTID position after this group. */
  readonly position: string;
  /** Binlog coordinates just after the commit (a safe file+pos resume point). */
  readonly file: string;
  readonly pos: number;
  readonly timestampMs: number;
  /** Set when the group is an XA PREPARE, XA COMMIT or XA ROLLBACK (XA COMMIT … ONE PHASE is a plain commit). */
  readonly xa?: XaOutcome;
}

export interface HeartbeatEvent {
  readonly kind: 'heartbeat';
  readonly file: string;
  readonly pos: number;
}

export interface ReconnectedEvent {
  readonly kind: 'reconnected';
  /** The GTID position the new stream resumed after. */
  readonly from: string;
  readonly attempt: number;
}

/** Buffer weight: rows for row events (they dominate memory), 1 for anything else. */
export function eventWeight(ev: RawBinlogEvent): number {
  return ev.kind === 'rows' ? Math.max(1, ev.rows.length) : 1;
}
