import type { ChangeEvent, Op, Row } from '../core/change-event.js';
import { fromJson } from '../core/event-json.js';

/**
 * The Debezium-compatible JSON form of a change event: the envelope Debezium's JsonConverter writes with
 * `schemas.enable=false` (before, after, source, op, ts_ms, transaction), with a MySQL-connector-shaped
 * `source` block. Column values keep Syncline's raw representation (DATETIME as a string, DECIMAL as a
 * string — Debezium's decimal.handling.mode=string), bytes as base64 (binary.handling.mode=base64).
 * `source.syncline_version` carries the exact external version, so a Syncline consumer of this form
 * writes the same versions as one of the native form.
 */
export interface DebeziumEnvelope {
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: {
    version: string;
    connector: string;
    name: string;
    ts_ms: number;
    snapshot: 'true' | 'false';
    db: string;
    table: string;
    server_id: number;
    gtid: string | null;
    file: string;
    pos: number;
    row: number;
    syncline_version: string;
    syncline_position: string;
    syncline_connector: string;
  };
  op: Op;
  ts_ms: number;
  transaction: { id: string; total_order: number; data_collection_order: number } | null;
}

export function toDebezium(
  ev: ChangeEvent,
  pipeline: string,
): { envelope: DebeziumEnvelope; binaryColumns: string[] } {
  const binary = new Set<string>();
  const cp = ev.source.position.checkpoint;
  const envelope: DebeziumEnvelope = {
    before: ev.before && plainRow(ev.before, binary),
    after: ev.after && plainRow(ev.after, binary),
    source: {
      version: 'syncline',
      connector: 'mysql',
      name: pipeline,
      ts_ms: ev.source.tsMs,
      snapshot: ev.source.snapshot ? 'true' : 'false',
      db: ev.source.database,
      table: ev.source.table,
      server_id: 0,
      gtid: ev.transaction?.id ?? (typeof cp.gtid === 'string' ? cp.gtid : null),
      file: typeof cp.file === 'string' ? cp.file : '',
      pos: typeof cp.pos === 'number' ? cp.pos : 0,
      row: ev.transaction?.order ?? 0,
      syncline_version: ev.source.position.version.toString(),
      syncline_position: ev.source.position.label,
      syncline_connector: ev.source.connector,
    },
    op: ev.op,
    ts_ms: Date.now(),
    transaction: ev.transaction
      ? {
          id: ev.transaction.id,
          total_order: ev.transaction.order + 1,
          data_collection_order: ev.transaction.order + 1,
        }
      : null,
  };
  return { envelope, binaryColumns: [...binary] };
}

function plainRow(row: Row, binary: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (Buffer.isBuffer(v)) {
      binary.add(k);
      out[k] = v.toString('base64');
    } else if (typeof v === 'bigint') out[k] = v.toString();
    else out[k] = v;
  }
  return out;
}

/** True when a parsed Debezium envelope was written by Syncline's Kafka sink (exact decode below). */
export function isSynclineDebezium(v: unknown): v is DebeziumEnvelope {
  const source = (v as { source?: { syncline_version?: unknown } } | null)?.source;
  return typeof source?.syncline_version === 'string';
}

/**
 * The change event back from Syncline's own Debezium form. `keyJson` and `binaryColumns` come from the
 * syncline-key / syncline-binary headers. Throws on a malformed envelope (the caller dead-letters it).
 */
export function fromSynclineDebezium(
  env: DebeziumEnvelope,
  keyJson: string | undefined,
  binaryColumns: readonly string[],
): ChangeEvent {
  const s = env.source;
  if (!/^\d+$/.test(s.syncline_version)) throw new Error('source.syncline_version is not a decimal version');
  if (typeof s.db !== 'string' || typeof s.table !== 'string') throw new Error('source.db/table missing');
  const binary = new Set(binaryColumns);
  const row = (r: Record<string, unknown> | null): Row | null => {
    if (r === null || r === undefined) return null;
    if (typeof r !== 'object' || Array.isArray(r)) throw new Error('before/after must be objects or null');
    if (binary.size === 0) return r;
    const out: Row = {};
    for (const [k, v] of Object.entries(r))
      out[k] = binary.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64') : v;
    return out;
  };
  const before = row(env.before);
  const after = row(env.after);
  const key = keyJson !== undefined ? fromJson<Row>(keyJson) : {};
  const checkpoint: Record<string, unknown> = {};
  if (s.gtid) checkpoint.gtid = s.gtid;
  if (s.file) checkpoint.file = s.file;
  if (s.pos) checkpoint.pos = s.pos;
  return {
    op: env.op,
    before,
    after,
    key,
    source: {
      connector: (s.syncline_connector as ChangeEvent['source']['connector']) ?? 'debezium',
      database: s.db,
      table: s.table,
      position: {
        version: BigInt(s.syncline_version),
        checkpoint,
        label: s.syncline_position ?? `version ${s.syncline_version}`,
      },
      snapshot: s.snapshot === 'true' || s.snapshot === ('last' as string),
      tsMs: typeof s.ts_ms === 'number' ? s.ts_ms : 0,
    },
    ...(env.transaction && {
      transaction: { id: env.transaction.id, order: Math.max(0, env.transaction.total_order - 1) },
    }),
  };
}
