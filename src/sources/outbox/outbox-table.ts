import type { ChangeEvent, Row } from '../../core/change-event.js';
import { composeVersion } from '../../core/change-event.js';
import { SynclineError } from '../../core/errors.js';
import { fromJson, toJson } from '../../core/event-json.js';
import { quoteId, splitTable } from '../mysql-binlog/table-patterns.js';

/**
 * The outbox table (docs/outbox.md): one row per entity change, written in the entity's transaction.
 *   id               BIGINT AUTO_INCREMENT — the read order (not the version: ids are handed out at
 *                    insert, not at commit)
 *   aggregate_table  `database.table` of the changed row
 *   aggregate_key    JSON of the key columns
 *   op               c | u | d
 *   payload          JSON of the row after the change (NULL for d); optional: the relay indexes the
 *                    row as it is when it ships, not this
 *   created_at       commit-side timestamp, for lag
 * JSON is Syncline's event JSON (bigints as {"$bigint"}, bytes as {"$base64"}).
 */
export const OUTBOX_COLUMNS = ['id', 'aggregate_table', 'aggregate_key', 'op', 'payload', 'created_at'];

export type OutboxOp = 'c' | 'u' | 'd';

/** `database.table` → its parts; undefined unless both are non-empty. */
function split(qualified: string): { database: string; table: string } | undefined {
  const i = qualified.indexOf('.');
  if (i <= 0 || i === qualified.length - 1) return undefined;
  return splitTable(qualified);
}

/** `database.table`, quoted for SQL. */
export function quoteTable(qualified: string): string {
  const parts = split(qualified);
  if (!parts)
    throw new SynclineError('CONFIG_INVALID', `outbox table must be database.table, got "${qualified}"`);
  return `${quoteId(parts.database)}.${quoteId(parts.table)}`;
}

export function outboxDdl(qualified: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteTable(qualified)} (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    aggregate_table VARCHAR(200) NOT NULL,
    aggregate_key JSON NOT NULL,
    op CHAR(1) NOT NULL,
    payload JSON NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}

/** The INSERT of one change and its parameters (run it in the entity's transaction). */
export function outboxInsert(
  qualified: string,
  aggregate: string,
  op: OutboxOp,
  key: Row,
  row: Row | null,
): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO ${quoteTable(qualified)} (aggregate_table, aggregate_key, op, payload) VALUES (?, ?, ?, ?)`,
    params: [aggregate, toJson(key), op, row === null ? null : toJson(row)],
  };
}

/** One outbox row as the driver returns it. */
export interface OutboxRow {
  id: string | number | bigint;
  aggregate_table: string;
  aggregate_key: string | Buffer;
  op: string;
  payload: string | Buffer | null;
  created_at: string | Date;
}

/** An outbox row as a change event, or why it cannot be one. */
export type ParsedOutboxRow =
  | { readonly ok: true; readonly id: bigint; readonly event: ChangeEvent }
  | { readonly ok: false; readonly id: bigint; readonly event: ChangeEvent; readonly error: string };

/**
 * The change an outbox row announces, as written (key, op, payload), or why the row is malformed. The
 * relay takes only the table, key and op from it and reads the row itself (outbox-source.ts); the
 * version here, composeVersion(id, 0), is the row's own and only labels a dead letter.
 */
export function parseOutboxRow(r: OutboxRow, outboxTable: string): ParsedOutboxRow {
  const id = BigInt(String(r.id));
  const parts = split(String(r.aggregate_table));
  const database = parts?.database ?? '';
  const table = parts?.table ?? String(r.aggregate_table);
  const position = {
    version: composeVersion(id, 0),
    checkpoint: { outboxTable, id: id.toString() },
    label: `outbox ${outboxTable} id ${id}`,
  };
  const tsMs = toMs(r.created_at);
  const base = (op: ChangeEvent['op'], key: Row, before: Row | null, after: Row | null): ChangeEvent => ({
    op,
    before,
    after,
    key,
    source: { connector: 'outbox', database, table, position, snapshot: false, tsMs },
    transaction: { id: `outbox:${id}`, order: 0 },
  });
  const bad = (error: string, key: Row = {}): ParsedOutboxRow => ({
    ok: false,
    id,
    error: `outbox row ${id}: ${error}`,
    event: base('u', key, null, null),
  });
  if (!database || !table) return bad(`aggregate_table "${r.aggregate_table}" is not database.table`);
  let key: unknown;
  let payload: unknown = null;
  try {
    key = fromJson(text(r.aggregate_key));
    if (r.payload !== null) payload = fromJson(text(r.payload));
  } catch (e) {
    return bad(`invalid JSON (${(e as Error).message})`);
  }
  if (!isRow(key)) return bad('aggregate_key is not a JSON object');
  switch (r.op) {
    case 'c':
    case 'u':
      if (payload !== null && !isRow(payload))
        return bad(`op ${r.op} with a payload that is not an object`, key);
      return { ok: true, id, event: base(r.op, key, null, payload) };
    case 'd':
      return { ok: true, id, event: base('d', key, key, null) };
    default:
      return bad(`unknown op ${JSON.stringify(r.op)}`, key);
  }
}

function text(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

function isRow(v: unknown): v is Row {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toMs(v: string | Date): number {
  if (v instanceof Date) return v.getTime();
  const ms = Date.parse(`${String(v).replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? 0 : ms;
}
