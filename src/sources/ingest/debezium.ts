import {
  type ChangeEvent,
  composeVersion,
  type Op,
  type Position,
  type Row,
} from '../../core/change-event.js';
import {
  base64Bytes,
  bitsFromLittleEndian,
  daysToDate,
  decimalFromBytes,
  durationToTime,
  epochToWall,
  isoToUtc,
} from '../../mapping/foreign-values.js';
import {
  describe,
  type IngestMessage,
  invalid,
  isRecord,
  makeEvent,
  optionalCount,
  requireName,
  requireRecord,
  requireRow,
} from './decode-util.js';
import { binlogFileIndex, binlogVersion, MAX_BINLOG_POS, MAX_FILE_INDEX } from './versions.js';

const OPS: ReadonlySet<string> = new Set(['c', 'u', 'd', 'r', 't']);

/** Field schema of the Kafka Connect JSON converter (schemas.enable=true). */
interface FieldSchema {
  readonly type?: string;
  readonly name?: string;
  readonly parameters?: Record<string, unknown>;
}

/**
 * A Debezium MySQL/MariaDB change event as the JSON converter writes it, with (`{schema, payload}`) or
 * without (the payload alone) the schema part; `value: null` is a tombstone. With the schema, logical
 * types (io.debezium.time.*, Decimal, Bits, bytes) are decoded here; without it the mapping decodes
 * them from the target table's column types (docs/ingest.md#values).
 *
 * Version: source.file + source.pos + source.row (every Debezium MySQL/MariaDB event has them,
 * snapshot rows included); source.gtid's sequence number only when file/pos are missing.
 * A tombstone carries no position: it becomes a delete with version 0 that the ingest drops (the delete
 * before it did the work). Schema changes, transaction BEGIN/END and heartbeats decode to [].
 */
export function decodeDebezium(message: IngestMessage): ChangeEvent[] {
  if (!isRecord(message))
    throw invalid('debezium', 'message', `expected {key, value}, got ${describe(message)}`);
  const key = keyPayload(message.key);
  if (message.value === null || message.value === undefined) return [tombstone(message, key)];
  const envelope = requireRecord('debezium', 'value', message.value);
  if (debeziumRoutine(message) !== undefined) return [];
  const withSchema = 'payload' in envelope;
  const payload = withSchema ? requireRecord('debezium', 'payload', envelope.payload) : envelope;
  const schema = withSchema && isRecord(envelope.schema) ? envelope.schema : undefined;
  const at = withSchema ? 'payload.' : '';
  const op = payload.op;
  if (op === undefined && !('source' in payload))
    throw invalid(
      'debezium',
      `${at}op`,
      'missing: this looks like a bare row, not a change event; send the Debezium envelope (remove the ExtractNewRecordState / unwrap transform)',
    );
  if (typeof op !== 'string' || !OPS.has(op))
    throw invalid('debezium', `${at}op`, `expected one of c, u, d, r, t, got ${describe(op)}`);
  const source = requireRecord('debezium', `${at}source`, payload.source);
  const database = requireName('debezium', `${at}source.db`, source.db);
  const table = requireName('debezium', `${at}source.table`, source.table);
  const fields = rowSchema(schema);
  const row = (name: 'before' | 'after'): Row | null => {
    const v = payload[name];
    if (v === null || v === undefined) return null;
    const r = requireRow('debezium', `${at}${name}`, v);
    return fields ? decodeRow(r, fields, `${at}${name}`) : r;
  };
  const before = row('before');
  const after = row('after');
  if ((op === 'c' || op === 'r' || op === 'u') && !after)
    throw invalid('debezium', `${at}after`, `op "${op}" needs the row after the change`);
  if (op === 'd' && !before && Object.keys(key).length === 0)
    throw invalid('debezium', `${at}before`, 'a delete needs the row before it or a message key');
  const position = positionOf(source, at);
  const tsMs = numberOr0(source.ts_ms) || numberOr0(payload.ts_ms);
  const tx = isRecord(payload.transaction) ? payload.transaction : undefined;
  const order = tx ? optionalCount('debezium', `${at}transaction.total_order`, tx.total_order) : undefined;
  const snapshot = source.snapshot;
  return [
    makeEvent({
      connector: 'debezium',
      op: op as Op,
      database,
      table,
      before: op === 'c' || op === 'r' || op === 't' ? null : before,
      after: op === 'd' || op === 't' ? null : after,
      key: op === 't' ? {} : Object.keys(key).length > 0 ? key : {},
      position,
      snapshot: op === 'r' || snapshot === true || (typeof snapshot === 'string' && snapshot !== 'false'),
      tsMs,
      ...(tx &&
        typeof tx.id === 'string' && {
          transaction: { id: tx.id, order: order !== undefined && order > 0n ? Number(order - 1n) : 0 },
        }),
    }),
  ];
}

/** What Debezium sends besides row changes; ignored (and counted) by the ingest, never an error. */
export type DebeziumRoutine = 'schema-change' | 'transaction' | 'heartbeat';

/**
 * Schema-change records (`include.schema.changes`: ddl, databaseName, tableChanges), transaction
 * metadata (`provide.transaction.metadata`: status BEGIN/END with the transaction id) and heartbeats
 * (`heartbeat.interval.ms`: `{"ts_ms": …}` on `__debezium-heartbeat.<prefix>`); undefined for anything else.
 */
export function debeziumRoutine(message: IngestMessage): DebeziumRoutine | undefined {
  const value = message.value;
  if (!isRecord(value)) return undefined;
  const payload = 'payload' in value && 'schema' in value ? value.payload : value;
  if (!isRecord(payload) || 'op' in payload) return undefined;
  if (typeof payload.ddl === 'string' || 'tableChanges' in payload || 'databaseName' in payload)
    return 'schema-change';
  if ((payload.status === 'BEGIN' || payload.status === 'END') && typeof payload.id === 'string')
    return 'transaction';
  const keys = Object.keys(payload);
  if (
    (keys.length === 1 && keys[0] === 'ts_ms') ||
    (typeof message.topic === 'string' && message.topic.startsWith('__debezium-heartbeat'))
  )
    return 'heartbeat';
  return undefined;
}

function numberOr0(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** The key's payload: {schema, payload} or the bare struct; a primitive key names no columns. */
function keyPayload(key: unknown): Row {
  if (!isRecord(key)) return {};
  if ('payload' in key && 'schema' in key) return isRecord(key.payload) ? { ...key.payload } : {};
  return { ...key };
}

function positionOf(source: Record<string, unknown>, at: string): Position {
  const row = Number(optionalCount('debezium', `${at}source.row`, source.row) ?? 0n);
  const pos = optionalCount('debezium', `${at}source.pos`, source.pos);
  if (typeof source.file === 'string' && source.file !== '' && pos !== undefined) {
    const index = binlogFileIndex(source.file);
    if (index === undefined)
      throw invalid(
        'debezium',
        `${at}source.file`,
        `expected a binlog file name like mysql-bin.000003, got ${describe(source.file)}`,
      );
    if (index > MAX_FILE_INDEX || pos > MAX_BINLOG_POS)
      throw invalid('debezium', `${at}source.pos`, `${source.file}:${pos} is beyond the versionable range`);
    return {
      version: binlogVersion(index, pos, row),
      checkpoint: { file: source.file, pos: Number(pos), row },
      label: `${source.file}:${pos}#${row}`,
    };
  }
  if (typeof source.gtid === 'string') {
    // MariaDB "0-1-1234" or MySQL "3E11FA47-…:1234": the sequence number is the last part
    const m = /[-:](\d{1,19})$/.exec(source.gtid.trim());
    if (m)
      return {
        version: composeVersion(BigInt(m[1]!), row),
        checkpoint: { gtid: source.gtid, row },
        label: `gtid ${source.gtid}#${row}`,
      };
  }
  throw invalid(
    'debezium',
    `${at}source`,
    'has neither file+pos nor a gtid, so the change cannot be ordered against others: send the source block as the connector writes it (a transform that drops source.file/pos must keep them, e.g. ExtractNewRecordState add.fields=file,pos,row)',
  );
}

/**
 * A tombstone: Debezium's compaction marker after a delete; the table comes from the key schema or the
 * topic. It carries no position, so it cannot be ordered against the row's other changes: the ingest
 * never writes it (the delete event before it does the delete; see IngestService).
 */
function tombstone(message: IngestMessage, key: Row): ChangeEvent {
  if (Object.keys(key).length === 0)
    throw invalid('debezium', 'key', 'a tombstone (null value) needs the message key of the deleted row');
  const name = isRecord(message.key) && isRecord(message.key.schema) ? message.key.schema.name : undefined;
  // "<topic prefix>.<database>.<table>.Key" or the topic "<topic prefix>.<database>.<table>"
  const path = typeof name === 'string' ? name.replace(/\.Key$/, '') : message.topic;
  const parts = typeof path === 'string' ? path.split('.') : [];
  if (parts.length < 2)
    throw invalid(
      'debezium',
      'topic',
      'a tombstone needs its topic (<prefix>.<database>.<table>) or a key schema name',
    );
  const database = requireName('debezium', 'topic', parts[parts.length - 2]);
  const table = requireName('debezium', 'topic', parts[parts.length - 1]);
  return makeEvent({
    connector: 'debezium',
    op: 'd',
    database,
    table,
    before: null,
    after: null,
    key,
    position: { version: 0n, checkpoint: { tombstone: true }, label: 'tombstone' },
    tsMs: 0,
  });
}

/** True for the delete a tombstone became (version 0, to be resolved by the writer). */
export function isTombstoneEvent(ev: ChangeEvent): boolean {
  return ev.source.connector === 'debezium' && ev.source.position.checkpoint.tombstone === true;
}

/** Column → field schema, from the `after` (or `before`) struct of the envelope schema. */
function rowSchema(schema: Record<string, unknown> | undefined): Map<string, FieldSchema> | undefined {
  if (!schema || !Array.isArray(schema.fields)) return undefined;
  for (const f of schema.fields) {
    if (!isRecord(f) || (f.field !== 'after' && f.field !== 'before') || !Array.isArray(f.fields)) continue;
    const out = new Map<string, FieldSchema>();
    for (const c of f.fields)
      if (isRecord(c) && typeof c.field === 'string') out.set(c.field, c as FieldSchema);
    return out;
  }
  return undefined;
}

function decodeRow(row: Row, fields: ReadonlyMap<string, FieldSchema>, at: string): Row {
  const out: Row = {};
  for (const [column, v] of Object.entries(row)) {
    const f = fields.get(column);
    try {
      out[column] = f ? decodeValue(f, v) : v;
    } catch (e) {
      throw invalid('debezium', `${at}.${column}`, `${(e as Error).message} (schema ${f?.name ?? f?.type})`);
    }
  }
  return out;
}

const integral = (v: unknown): v is number | string =>
  (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));

/** A value by its Kafka Connect schema: Debezium's logical types into the readers' representations. */
function decodeValue(f: FieldSchema, v: unknown): unknown {
  if (v === null || v === undefined) return v;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`expected ${what}, got ${describe(v)}`);
  };
  switch (f.name) {
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      need(integral(v), 'days since 1970-01-01');
      return daysToDate(v as number);
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      need(integral(v), 'epoch milliseconds');
      return epochToWall(v as number, 1000n);
    case 'io.debezium.time.MicroTimestamp':
      need(integral(v), 'epoch microseconds');
      return epochToWall(v as number, 1_000_000n);
    case 'io.debezium.time.NanoTimestamp':
      need(integral(v), 'epoch nanoseconds');
      return epochToWall(v as number, 1_000_000_000n);
    case 'io.debezium.time.ZonedTimestamp':
      need(typeof v === 'string', 'an ISO-8601 timestamp');
      return isoToUtc(v as string);
    case 'io.debezium.time.MicroTime':
      need(integral(v), 'microseconds');
      return durationToTime(v as number, 1_000_000n);
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      need(integral(v), 'milliseconds');
      return durationToTime(v as number, 1000n);
    case 'io.debezium.time.NanoTime':
      need(integral(v), 'nanoseconds');
      return durationToTime(v as number, 1_000_000_000n);
    case 'org.apache.kafka.connect.data.Decimal': {
      if (typeof v === 'number') return v;
      const bytes = typeof v === 'string' ? base64Bytes(v) : undefined;
      need(bytes !== undefined, 'base64 of an unscaled decimal');
      return decimalFromBytes(bytes!, Number(f.parameters?.scale ?? 0));
    }
    case 'io.debezium.data.VariableScaleDecimal': {
      need(isRecord(v) && typeof v.value === 'string', '{scale, value}');
      const r = v as { scale?: unknown; value: string };
      const bytes = base64Bytes(r.value);
      need(bytes !== undefined, 'base64 of an unscaled decimal');
      return decimalFromBytes(bytes!, Number(r.scale ?? 0));
    }
    case 'io.debezium.data.Bits': {
      const bytes = typeof v === 'string' ? base64Bytes(v) : undefined;
      need(bytes !== undefined, 'base64 bits');
      return bitsFromLittleEndian(bytes!);
    }
  }
  if (f.type === 'bytes') {
    const bytes = typeof v === 'string' ? base64Bytes(v) : undefined;
    need(bytes !== undefined, 'base64 bytes');
    return bytes;
  }
  return v;
}
