import type {
  AnyBinlogEvent,
  DeleteRowsEvent,
  GtidEvent,
  HeartbeatEvent,
  MariadbGtidEvent,
  QueryEvent,
  RotateEvent,
  TableMapEvent,
  UpdateRowsEvent,
  WriteRowsEvent,
  XaPrepareEvent,
} from '@vlasky/zongji';
import type { Row } from '../../../core/change-event.js';
import { SynclineError } from '../../../core/errors.js';
import { type AnyGtid, type GtidState, gtidText, parseAnyGtid } from './gtid-state.js';
import type { RawBinlogEvent, RowsEvent, XaId, XaOutcome } from './raw-event.js';
import { type ColumnSchemaLike, rowNormalizer } from './row-values.js';

/** The binlog events the reader asks zongji for; translate() ignores any other. */
export const TRANSLATED_EVENTS = [
  'rotate',
  'mariadbgtid',
  'gtid',
  'anonymousgtid',
  'query',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'xid',
  'xaprepare',
  'heartbeat',
  'transactionpayload',
  'partialupdaterows',
] as const;

/**
 * MySQL event types zongji 0.9 cannot decode (it skips their bytes): a transaction in one of them must
 * stop the stream before its commit, never be skipped. Each names the setting that avoids it.
 */
const UNDECODED: Record<string, { readonly what: string; readonly fix: string }> = {
  transactionpayload: {
    what: 'a compressed transaction (TRANSACTION_PAYLOAD_EVENT, binlog_transaction_compression=ON)',
    fix: 'SET GLOBAL binlog_transaction_compression=OFF (and in my.cnf); sessions keep their value until they reconnect',
  },
  partialupdaterows: {
    what: 'a partial JSON update (PARTIAL_UPDATE_ROWS_EVENT, binlog_row_value_options=PARTIAL_JSON)',
    fix: "SET GLOBAL binlog_row_value_options='' (and in my.cnf); sessions keep their value until they reconnect",
  },
};

interface TableInfo {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[] | undefined;
  readonly normalize: ((row: Row) => Row) | undefined;
}

interface OpenGroup {
  readonly gtid: AnyGtid;
  /** MariaDB tells it in the GTID event; on MySQL a group whose first statement is not BEGIN / XA START is. */
  standalone: boolean | undefined;
  readonly after: GtidState;
  readonly xid?: XaId;
}

/**
 * zongji's binlog events → the reader's raw events (raw-event.ts), with the transaction boundaries
 * decided. A fold over the event stream: no I/O, no clock, the events given are not modified, and the
 * output depends only on the events given since construction or reset(), so it is tested by feeding it
 * events recorded from a real server (test/fixtures/binlog/).
 *
 * State: the GTID position after the last commit (where a reconnect resumes), the open group, the table
 * ids of the current connection and the binlog file. Row objects are passed on as zongji made them unless
 * a value needs adjusting (row-values.ts), which yields a copy.
 */
export class EventTranslator {
  private done: GtidState;
  private open: OpenGroup | undefined;
  private readonly tables = new Map<number, TableInfo>();
  private file = '';

  constructor(committed: GtidState) {
    this.done = committed;
  }

  /** The GTID position (MariaDB) or set (MySQL) after the last commit translated. */
  get committed(): GtidState {
    return this.done;
  }

  /** True inside an event group (between its GTID event and its commit). */
  get inGroup(): boolean {
    return this.open !== undefined;
  }

  /** A new connection resumes at `committed`: the open group replays in full, table ids start over. */
  reset(): void {
    this.open = undefined;
    this.tables.clear();
  }

  /**
   * One zongji event → the raw events it completes (usually zero or one). `columnSchemas`: for a TableMap,
   * zongji's cached column description of that table (the BIGINT normalisation reads it).
   */
  translate(ev: AnyBinlogEvent, columnSchemas?: readonly ColumnSchemaLike[]): RawBinlogEvent[] {
    switch (ev.getEventName()) {
      case 'rotate':
        this.file = (ev as RotateEvent).binlogName;
        return [];
      case 'heartbeat': {
        if (this.open) return [];
        const hb = ev as HeartbeatEvent;
        return [{ kind: 'heartbeat', file: hb.binlogName, pos: hb.nextPosition }];
      }
      case 'mariadbgtid':
        return [this.begin(ev as MariadbGtidEvent)];
      case 'gtid':
        return [this.beginMysql((ev as GtidEvent).gtid, ev.timestamp)];
      case 'anonymousgtid':
        return [this.beginMysql(undefined)];
      case 'transactionpayload':
      case 'partialupdaterows':
        throw this.undecodedError(ev.getEventName());
      case 'query':
        return this.query(ev as QueryEvent);
      case 'xid':
        return this.commit(ev);
      case 'xaprepare': {
        // Ends an XA PREPARE group: its rows wait for XA COMMIT / XA ROLLBACK. A one-phase commit written
        // this way (MySQL does; MariaDB 10.11 logs XA COMMIT … ONE PHASE as a plain transaction) commits now.
        const x = ev as XaPrepareEvent;
        if (x.onePhase) return this.commit(x);
        const xid = this.open?.xid ?? xaId(x.xidGtrid, x.xidBqual, x.xidFormatId);
        return this.commit(x, { xid, outcome: 'prepare' });
      }
      case 'tablemap': {
        const t = ev as TableMapEvent;
        const columns = t.columnNames ?? columnSchemas?.map((c) => c.COLUMN_NAME) ?? [];
        const primaryKey =
          t.primaryKey && t.columnNames
            ? t.primaryKey.map((i) => t.columnNames![i]!).filter(Boolean)
            : undefined;
        this.tables.set(t.tableId, {
          database: t.schemaName,
          table: t.tableName,
          columns,
          primaryKey,
          normalize: rowNormalizer(columnSchemas),
        });
        return [];
      }
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        return this.rows(ev as WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent);
      default:
        return [];
    }
  }

  private begin(g: MariadbGtidEvent): RawBinlogEvent {
    const gtid: AnyGtid = { domainId: g.domainId, serverId: g.serverId, seqNo: BigInt(g.seqNo) };
    // XA PREPARE and XA COMMIT/ROLLBACK groups name their XA transaction in the GTID event.
    const xid = g.preparedXa || g.completedXa ? xaId(g.xidGtrid, g.xidBqual, g.xidFormatId) : undefined;
    return this.openGroup(gtid, g.standalone, g.timestamp, xid, g.preparedXa && xid !== undefined);
  }

  /** MySQL: whether the group is a transaction or a lone DDL is known only from its first statement. */
  private beginMysql(gtid: string | undefined, timestampMs = 0): RawBinlogEvent {
    if (gtid === undefined) {
      throw new SynclineError(
        'PREFLIGHT_FAILED',
        'the binlog has an anonymous transaction (no GTID): streaming needs gtid_mode=ON. Fix: SET GLOBAL enforce_gtid_consistency=ON, then gtid_mode through OFF_PERMISSIVE, ON_PERMISSIVE to ON',
      );
    }
    return this.openGroup(parseAnyGtid(gtid), undefined, timestampMs, undefined, false);
  }

  private openGroup(
    gtid: AnyGtid,
    standalone: boolean | undefined,
    timestampMs: number,
    xid: XaId | undefined,
    xaPrepare: boolean,
  ): RawBinlogEvent {
    const after = this.done.add(gtid);
    this.open = { gtid, standalone, after, ...(xid !== undefined && { xid }) };
    return {
      kind: 'begin',
      gtid,
      positionBefore: this.done.toString(),
      positionAfter: after.toString(),
      sequence: after.count,
      standalone: standalone ?? false,
      ...(xaPrepare && xid !== undefined && { xaPrepare: xid }),
      timestampMs,
    };
  }

  /** The stop for an event type that cannot be decoded (`transactionpayload`, `partialupdaterows`). */
  undecodedError(name: string): SynclineError {
    const u = UNDECODED[name]!;
    const at = this.open ? `transaction ${gtidText(this.open.gtid)}` : 'the next transaction';
    return new SynclineError(
      'PREFLIGHT_FAILED',
      `the binlog holds ${u.what} at ${at}, which this reader cannot decode: streaming stopped before it (the checkpoint stays at ${this.done.toString() || 'the start'}). Fix: ${u.fix}; transactions already written that way stay undecodable, so re-snapshot (delete the checkpoint) after changing it`,
      {
        details: {
          event: name,
          at: this.open ? gtidText(this.open.gtid) : undefined,
          checkpoint: this.done.toString(),
        },
      },
    );
  }

  private query(q: QueryEvent): RawBinlogEvent[] {
    const head = q.query.trim().toUpperCase();
    if (!this.open) return [];
    if (this.open.standalone === undefined)
      this.open.standalone = !(head === 'BEGIN' || head.startsWith('XA START'));
    if (head === 'BEGIN') return [];
    if (head === 'COMMIT' || head === 'ROLLBACK') return this.commit(q);
    // The XA decision group: "XA COMMIT X'…',X'…',n" / "XA ROLLBACK …" (the server logs the id in hex).
    if (head.startsWith('XA COMMIT') || head.startsWith('XA ROLLBACK')) {
      const rollback = head.startsWith('XA ROLLBACK');
      const xid =
        this.open.xid ??
        q.query
          .trim()
          .slice(rollback ? 12 : 10)
          .trim();
      return this.commit(q, { xid, outcome: rollback ? 'rollback' : 'commit' });
    }
    // XA START opens (MySQL logs it), XA END closes the XA branch before XA PREPARE: no data
    if (head.startsWith('XA END') || head.startsWith('XA START')) return [];
    const statement: RawBinlogEvent = {
      kind: 'statement',
      sql: q.query,
      schema: q.schema,
      timestampMs: q.timestamp,
    };
    return this.open.standalone ? [statement, ...this.commit(q)] : [statement];
  }

  private rows(r: WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent): RawBinlogEvent[] {
    const info = this.tables.get(r.tableId);
    if (info && !this.open && this.done.flavour === 'mysql') {
      // MySQL writes every row event inside a GTID group: rows outside one mean the group's boundaries
      // were misread, and dropping them would lose changes silently.
      throw new SynclineError(
        'INTERNAL',
        `row event for ${info.database}.${info.table} outside a transaction after ${this.done.toString()}: streaming stopped before it`,
      );
    }
    if (!info || !this.open) return [];
    const name = r.getEventName();
    const op = name === 'writerows' ? 'insert' : name === 'updaterows' ? 'update' : 'delete';
    // Rows from Syncline's row decoder (row-decoder.ts) carry final values already.
    const normalize = 'normalized' in r ? undefined : info.normalize;
    let rows = r.rows as RowsEvent['rows'];
    if (normalize && op === 'update') {
      rows = (r.rows as Array<{ before: Row; after: Row }>).map((p) => ({
        before: normalize(p.before),
        after: normalize(p.after),
      }));
    } else if (normalize) rows = (r.rows as Row[]).map(normalize);
    return [
      {
        kind: 'rows',
        op,
        database: info.database,
        table: info.table,
        columns: info.columns,
        primaryKey: info.primaryKey,
        rows,
        timestampMs: r.timestamp,
      },
    ];
  }

  /** Closes the open group; its commit event carries the binlog coordinates just after it. */
  private commit(ev: AnyBinlogEvent, xa?: XaOutcome): RawBinlogEvent[] {
    const g = this.open;
    if (!g) return [];
    this.open = undefined;
    this.done = g.after;
    return [
      {
        kind: 'commit',
        gtid: g.gtid,
        position: g.after.toString(),
        file: this.file,
        pos: ev.nextPosition,
        timestampMs: ev.timestamp,
        ...(xa && { xa }),
      },
    ];
  }
}

/** The server's notation of an XA id (as in its logged "XA COMMIT X'…',X'…',n"), so both sources agree. */
function xaId(gtrid: Buffer | undefined, bqual: Buffer | undefined, formatId: number | undefined): XaId {
  return `X'${gtrid?.toString('hex') ?? ''}',X'${bqual?.toString('hex') ?? ''}',${formatId ?? 1}`;
}
