/**
 * The one change-event envelope every source produces (modelled on Debezium's). See docs/events.md.
 */
export type Op = 'r' | 'c' | 'u' | 'd' | 't';

/** Column name → value as read from the source, before mapping (types: see mapping/convert.ts). */
export type Row = Record<string, unknown>;

export type Connector =
  | 'mysql-binlog'
  | 'polling'
  | 'outbox'
  | 'dual-write'
  | 'kafka'
  | 'canal'
  | 'maxwell'
  | 'debezium';

/**
 * Where an event sits in its source's history. `version` is the document version written with
 * version_type=external: it grows with the position, so a replayed or reordered older event can never
 * overwrite a newer one. The rest is the source's own resumable checkpoint (GTID, file+pos, cursor, id).
 */
export interface Position {
  /** Monotonic with the source position; unique per event within a transaction. Fits in a signed long. */
  readonly version: bigint;
  /** Serializable checkpoint data understood by the source that produced it. */
  readonly checkpoint: Readonly<Record<string, unknown>>;
  /** Human-readable, for logs and the admin API (e.g. "gtid 0-1-1234", "binlog.000003:4711"). */
  readonly label: string;
}

export interface SourceInfo {
  readonly connector: Connector;
  readonly database: string;
  readonly table: string;
  readonly position: Position;
  /** True for rows read by a snapshot (op 'r'). */
  readonly snapshot: boolean;
  /** Commit time at the source, epoch ms (0 when unknown). */
  readonly tsMs: number;
}

export interface ChangeEvent {
  readonly op: Op;
  /** Row before the change: for 'u' and 'd' (null for 'c', 'r', 't'). */
  readonly before: Row | null;
  /** Row after the change: for 'c', 'u', 'r' (null for 'd', 't'). */
  readonly after: Row | null;
  /** Primary-key (or configured unique-key) columns and their values; empty for 't'. */
  readonly key: Row;
  readonly source: SourceInfo;
  /** Source transaction id (GTID, XID, outbox transaction), when known. */
  readonly transaction?: { readonly id: string; readonly order: number };
}

/**
 * Version layout: the upper bits carry the source sequence (GTID seq_no, file index+offset, cursor…),
 * the low VERSION_SUB_BITS carry the event's order inside its transaction, so two changes of the same
 * row in one transaction still get increasing versions. 2^41 transactions × 2^22 events per transaction.
 */
export const VERSION_SUB_BITS = 22n;
export const MAX_SUB = (1n << VERSION_SUB_BITS) - 1n;
export const MAX_VERSION = (1n << 63n) - 1n;

export function composeVersion(sequence: bigint, order: number): bigint {
  const sub = BigInt(order) > MAX_SUB ? MAX_SUB : BigInt(order);
  return (sequence << VERSION_SUB_BITS) | sub;
}

export function describeEvent(ev: ChangeEvent): string {
  return `${ev.op} ${ev.source.database}.${ev.source.table} ${JSON.stringify(ev.key)} @ ${ev.source.position.label}`;
}
