import type { ChangeEvent, Op, Row } from '../../core/change-event.js';
import { parseEnumValues } from '../../mapping/column-types.js';
import {
  describe,
  invalid,
  isRecord,
  makeEvent,
  optionalCount,
  pickKey,
  requireName,
  requireRecord,
  requireRow,
  stringList,
} from './decode-util.js';
import { binlogFileIndex, binlogVersion, MAX_BINLOG_POS, MAX_FILE_INDEX } from './versions.js';

/** Canal DML types and what they become. */
const DML: Record<string, Op> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd' };

/**
 * Canal entry types that are not row changes: DDL (CREATE, ALTER, ERASE = DROP, RENAME, CINDEX/DINDEX),
 * QUERY (the statement text MariaDB's annotate-rows / MySQL's rows-query events carry before each row
 * change, with an empty database and table), GTID, XA, heartbeats. Ignored, never refused.
 */
const ROUTINE = new Set([
  'CREATE',
  'ALTER',
  'ERASE',
  'QUERY',
  'RENAME',
  'CINDEX',
  'DINDEX',
  'GTID',
  'XACOMMIT',
  'XAROLLBACK',
  'MHEARTBEAT',
]);

/** Canal renders BINARY/VARBINARY/BLOB as ISO-8859-1 text: one character per byte. */
const BINARY_TYPE = /^\s*(binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/i;
const ENUM_TYPE = /^\s*enum\s*\(/i;
const SET_TYPE = /^\s*set\s*\(/i;

/** The reason a flat message without its binlog position is refused (docs/ingest.md#canal). */
const POSITION_HOWTO =
  "send each flat message with its entry header's binlog position, logfileName and logfileOffset " +
  '(the capture in engines/canal does: capture.position=true); Canal batch ids and `es` seconds do ' +
  'not order changes';

/** What kind of routine record a Canal message is (for the ignored count), or undefined for a row change. */
export function canalRoutine(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.type !== 'string') return undefined;
  const type = body.type.toUpperCase();
  if (DML[type] || type === 'TRUNCATE') return undefined;
  if (type === 'QUERY') return 'query';
  if (type === 'GTID') return 'gtid';
  if (type === 'XACOMMIT' || type === 'XAROLLBACK') return 'xa';
  if (type === 'MHEARTBEAT') return 'heartbeat';
  return ROUTINE.has(type) || body.isDdl === true ? 'ddl' : undefined;
}

/**
 * A Canal flat message (canal.mq.flatMessage=true): one binlog entry (rows event) of one table, every
 * value a string (or null). UPDATE rows carry the changed columns' old values in `old[i]`. See
 * docs/ingest.md#canal.
 *
 * Version: the entry's binlog position, `logfileName` index | `logfileOffset` | row index in `data` —
 * unique and in binlog order, whatever Canal's batching. Required: a message without it is refused.
 */
export function decodeCanal(body: unknown): ChangeEvent[] {
  const m = requireRecord('canal', 'message', body);
  const isDdl = m.isDdl;
  if (isDdl !== undefined && isDdl !== null && typeof isDdl !== 'boolean')
    throw invalid('canal', 'isDdl', `expected true or false, got ${describe(isDdl)}`);
  if (typeof m.type !== 'string' || m.type === '')
    throw invalid('canal', 'type', `expected INSERT, UPDATE, DELETE or a DDL type, got ${describe(m.type)}`);
  const type = m.type.toUpperCase();
  const dml = DML[type];
  if (!dml && type !== 'TRUNCATE') {
    if (isDdl === true || ROUTINE.has(type)) return [];
    throw invalid(
      'canal',
      'type',
      `unknown type ${JSON.stringify(m.type)} (INSERT, UPDATE, DELETE, TRUNCATE)`,
    );
  }
  const database = requireName('canal', 'database', m.database);
  const table = requireName('canal', 'table', m.table);
  const es = esMillis(m.es);
  const at = positionOf(m.logfileName, m.logfileOffset);
  const batchId = optionalCount('canal', 'id', m.id);
  const position = (row: number) => ({
    version: binlogVersion(at.index, at.offset, row),
    checkpoint: { file: at.file, pos: Number(at.offset), row },
    label: `${at.file}:${at.offset}#${row}${batchId !== undefined ? ` (canal batch ${batchId})` : ''}`,
  });
  if (type === 'TRUNCATE') {
    return [
      makeEvent({
        connector: 'canal',
        op: 't',
        database,
        table,
        before: null,
        after: null,
        key: {},
        position: position(0),
        tsMs: es,
      }),
    ];
  }
  const op = dml!;
  const pkNames = stringList('canal', 'pkNames', m.pkNames);
  const types = columnTypes(m.mysqlType);
  if (!Array.isArray(m.data) || m.data.length === 0)
    throw invalid('canal', 'data', `expected a non-empty array of rows, got ${describe(m.data)}`);
  const old = m.old;
  if (old !== undefined && old !== null && !Array.isArray(old))
    throw invalid('canal', 'old', `expected an array of rows or null, got ${describe(old)}`);
  return m.data.map((raw, i) => {
    const data = decodeValues(`data[${i}]`, requireStringRow(`data[${i}]`, raw), types);
    let before: Row | null = null;
    let after: Row | null = data;
    if (op === 'u') {
      const prior = (old as unknown[] | null | undefined)?.[i];
      // `old` holds only the changed columns: the row before is data overlaid with them
      before =
        prior === undefined || prior === null
          ? null
          : { ...data, ...decodeValues(`old[${i}]`, requireStringRow(`old[${i}]`, prior), types) };
    } else if (op === 'd') {
      before = data;
      after = null;
    }
    return makeEvent({
      connector: 'canal',
      op,
      database,
      table,
      before,
      after,
      key: pickKey(data, pkNames),
      position: position(i),
      tsMs: es,
    });
  });
}

function positionOf(file: unknown, offset: unknown): { file: string; index: bigint; offset: bigint } {
  if ((file === undefined || file === null) && (offset === undefined || offset === null))
    throw invalid('canal', 'logfileOffset', `missing: ${POSITION_HOWTO}`);
  if (typeof file !== 'string' || file === '')
    throw invalid(
      'canal',
      'logfileName',
      `expected a binlog file name, got ${describe(file)}; ${POSITION_HOWTO}`,
    );
  const index = binlogFileIndex(file);
  if (index === undefined)
    throw invalid('canal', 'logfileName', `expected "<binlog file>.<number>", got ${describe(file)}`);
  const pos = optionalCount('canal', 'logfileOffset', offset);
  if (pos === undefined) throw invalid('canal', 'logfileOffset', `missing: ${POSITION_HOWTO}`);
  if (index > MAX_FILE_INDEX || pos > MAX_BINLOG_POS)
    throw invalid('canal', 'logfileOffset', `${file}:${pos} is beyond the versionable range`);
  return { file, index, offset: pos };
}

/** `es`: the binlog event time in epoch milliseconds (seconds from some Canal-compatible producers). */
function esMillis(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || !Number.isInteger(v))
    throw invalid(
      'canal',
      'es',
      `expected the binlog execute time in epoch milliseconds, got ${describe(v)}`,
    );
  return v < 1e11 ? v * 1000 : v;
}

/** Canal values are strings or null; numbers and booleans from Canal-compatible producers are accepted. */
function requireStringRow(field: string, v: unknown): Row {
  const row = requireRow('canal', field, v);
  for (const [k, x] of Object.entries(row)) {
    if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
      throw invalid('canal', `${field}.${k}`, `expected a string or null, got ${describe(x)}`);
  }
  return row;
}

type ColumnKind = { kind: 'binary' } | { kind: 'enum' | 'set'; values: string[] };

/** Columns whose Canal text needs decoding, from `mysqlType` (the column definitions at capture time). */
function columnTypes(mysqlType: unknown): Map<string, ColumnKind> {
  const out = new Map<string, ColumnKind>();
  if (!isRecord(mysqlType)) return out;
  for (const [column, t] of Object.entries(mysqlType)) {
    if (typeof t !== 'string') continue;
    if (BINARY_TYPE.test(t)) out.set(column, { kind: 'binary' });
    else if (ENUM_TYPE.test(t)) out.set(column, { kind: 'enum', values: parseEnumValues(t) });
    else if (SET_TYPE.test(t)) out.set(column, { kind: 'set', values: parseEnumValues(t) });
  }
  return out;
}

/**
 * BINARY/BLOB text → bytes; ENUM and SET, which Canal writes as the binlog's index ("3") and bit mask
 * ("7"), → the value ("large") and the comma-joined members ("red,green,blue") of the definition.
 */
function decodeValues(field: string, row: Row, types: ReadonlyMap<string, ColumnKind>): Row {
  if (types.size === 0) return row;
  const out: Row = { ...row };
  for (const [c, t] of types) {
    const v = out[c];
    if (v === null || v === undefined) continue;
    const text = String(v);
    if (t.kind === 'binary') {
      if (typeof v === 'string') out[c] = Buffer.from(v, 'latin1');
    } else if (/^\d+$/.test(text)) {
      out[c] = t.kind === 'enum' ? enumValue(field, c, t.values, text) : setValue(field, c, t.values, text);
    }
  }
  return out;
}

function enumValue(field: string, column: string, values: readonly string[], text: string): string {
  const n = Number(text);
  // 0 is the empty string MySQL stores for a value the ENUM did not allow (non-strict mode)
  if (n === 0) return '';
  const v = values[n - 1];
  if (v === undefined)
    throw invalid('canal', `${field}.${column}`, `ENUM index ${text} is beyond its ${values.length} values`);
  return v;
}

function setValue(field: string, column: string, values: readonly string[], text: string): string {
  let mask = BigInt(text);
  if (mask >> BigInt(values.length) !== 0n)
    throw invalid(
      'canal',
      `${field}.${column}`,
      `SET bits ${text} name members beyond its ${values.length} values`,
    );
  const members: string[] = [];
  for (let i = 0; mask > 0n; i++, mask >>= 1n) if (mask & 1n) members.push(values[i]!);
  return members.join(',');
}
