import type { ChangeEvent, Connector, Op, Position, Row } from '../../core/change-event.js';
import { SynclineError } from '../../core/errors.js';

/** The foreign formats Syncline ingests (docs/ingest.md). */
export type IngestFormat = 'canal' | 'maxwell' | 'debezium';
export const INGEST_FORMATS: readonly IngestFormat[] = ['canal', 'maxwell', 'debezium'];

/** One message as a transport delivers it: a Kafka record (key, value, topic) or one item of an HTTP body. */
export interface IngestMessage {
  readonly key?: unknown;
  /** The parsed message body; null is a Kafka tombstone (Debezium only). */
  readonly value: unknown | null;
  /** Kafka topic, when known (Debezium tombstones name their table only through it). */
  readonly topic?: string;
}

/** Message → change events (several for a Canal message with many rows; none for DDL it ignores). */
export type Decoder = (message: IngestMessage) => ChangeEvent[];

/** The rejection every decoder throws: EVENT_INVALID with "<format>: <field>: <reason>". */
export function invalid(format: IngestFormat, field: string, reason: string): SynclineError {
  return new SynclineError('EVENT_INVALID', `${format}: ${field}: ${reason}`, {
    details: { format, field },
  });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

export function requireRecord(format: IngestFormat, field: string, v: unknown): Record<string, unknown> {
  if (!isRecord(v)) throw invalid(format, field, `expected an object, got ${describe(v)}`);
  return v;
}

export function requireName(format: IngestFormat, field: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw invalid(format, field, `expected a non-empty name, got ${describe(v)}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (v.length > 256 || /[\u0000-\u001f]/.test(v)) throw invalid(format, field, 'not a valid name');
  return v;
}

/** A non-negative integer given as a number or a digit string (Kafka JSON and lossless parsing give both). */
export function optionalCount(format: IngestFormat, field: string, v: unknown): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n) return v;
  throw invalid(format, field, `expected a non-negative integer, got ${describe(v)}`);
}

/** A row of column → value; values stay as the format gave them (the mapping converts, see foreign-values.ts). */
export function requireRow(format: IngestFormat, field: string, v: unknown): Row {
  const row = requireRecord(format, field, v);
  for (const k of Object.keys(row)) {
    if (k === '' || k.length > 256)
      throw invalid(format, `${field}`, `column name ${JSON.stringify(k)} is not valid`);
  }
  return row;
}

/** The key columns' values, picked from the row (columns the row lacks are left out). */
export function pickKey(row: Row | null, names: readonly string[] | undefined): Row {
  const key: Row = {};
  if (!row || !names) return key;
  for (const n of names) if (n in row) key[n] = row[n];
  return key;
}

export function stringList(format: IngestFormat, field: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === ''))
    throw invalid(format, field, `expected an array of column names, got ${describe(v)}`);
  return v as string[];
}

export interface EventParts {
  connector: Connector;
  op: Op;
  database: string;
  table: string;
  before: Row | null;
  after: Row | null;
  key: Row;
  position: Position;
  snapshot?: boolean;
  tsMs: number;
  transaction?: { id: string; order: number };
}

export function makeEvent(p: EventParts): ChangeEvent {
  return {
    op: p.op,
    before: p.before,
    after: p.after,
    key: p.key,
    source: {
      connector: p.connector,
      database: p.database,
      table: p.table,
      position: p.position,
      snapshot: p.snapshot ?? p.op === 'r',
      tsMs: p.tsMs,
    },
    ...(p.transaction && { transaction: p.transaction }),
  };
}
