import type { ChangeEvent, Op, Row } from '../../core/change-event.js';
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
import { canalVersion, MAX_CANAL_SECONDS } from './versions.js';

/** Canal DML types and what they become; DDL messages other than TRUNCATE are not row changes. */
const DML: Record<string, Op> = { INSERT: 'c', UPDATE: 'u', DELETE: 'd' };

/** Canal renders BINARY/VARBINARY/BLOB as ISO-8859-1 text: one character per byte. */
const BINARY_TYPE = /^\s*(binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/i;

/**
 * A Canal flat message (canal.mq.flatMessage=true): one binlog rows event of one table, every value a
 * string (or null). UPDATE rows carry the changed columns' old values in `old[i]`. See docs/ingest.md.
 *
 * Version: `es` (binlog event time, seconds) | batch `id` | row index. FlatMessage carries no binlog
 * position; `es` follows binlog order and `id` orders the batches of one second within a Canal run.
 */
export function decodeCanal(body: unknown): ChangeEvent[] {
  const m = requireRecord('canal', 'message', body);
  const database = requireName('canal', 'database', m.database);
  const isDdl = m.isDdl;
  if (isDdl !== undefined && isDdl !== null && typeof isDdl !== 'boolean')
    throw invalid('canal', 'isDdl', `expected true or false, got ${describe(isDdl)}`);
  if (typeof m.type !== 'string' || m.type === '')
    throw invalid('canal', 'type', `expected INSERT, UPDATE, DELETE or a DDL type, got ${describe(m.type)}`);
  const type = m.type.toUpperCase();
  const dml = DML[type];
  if (!dml && type !== 'TRUNCATE') {
    if (isDdl === true || ['CREATE', 'ALTER', 'ERASE', 'QUERY', 'RENAME', 'CINDEX', 'DINDEX'].includes(type))
      return [];
    throw invalid(
      'canal',
      'type',
      `unknown type ${JSON.stringify(m.type)} (INSERT, UPDATE, DELETE, TRUNCATE)`,
    );
  }
  const table = requireName('canal', 'table', m.table);
  const es = esSeconds(m.es);
  const batchId = optionalCount('canal', 'id', m.id) ?? 0n;
  const tsMs = Number(es) * 1000;
  const label = (row: number) => `canal es ${es} id ${batchId} row ${row}`;
  const position = (row: number) => ({
    version: canalVersion(es, batchId, row),
    checkpoint: { es: Number(es), id: batchId.toString(), row },
    label: label(row),
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
        tsMs,
      }),
    ];
  }
  const op = dml!;
  const pkNames = stringList('canal', 'pkNames', m.pkNames);
  const binary = binaryColumns(m.mysqlType);
  if (!Array.isArray(m.data) || m.data.length === 0)
    throw invalid('canal', 'data', `expected a non-empty array of rows, got ${describe(m.data)}`);
  const old = m.old;
  if (old !== undefined && old !== null && !Array.isArray(old))
    throw invalid('canal', 'old', `expected an array of rows or null, got ${describe(old)}`);
  return m.data.map((raw, i) => {
    const data = decodeBinary(requireStringRow(`data[${i}]`, raw), binary);
    let before: Row | null = null;
    let after: Row | null = data;
    if (op === 'u') {
      const prior = (old as unknown[] | null | undefined)?.[i];
      // `old` holds only the changed columns: the row before is data overlaid with them
      before =
        prior === undefined || prior === null
          ? null
          : { ...data, ...decodeBinary(requireStringRow(`old[${i}]`, prior), binary) };
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
      tsMs,
    });
  });
}

function esSeconds(v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || !Number.isInteger(v))
    throw invalid(
      'canal',
      'es',
      `expected the binlog execute time in epoch milliseconds, got ${describe(v)}`,
    );
  // Canal writes milliseconds; some Canal-compatible producers write seconds.
  const seconds = BigInt(v < 1e11 ? v : Math.floor(v / 1000));
  if (seconds > MAX_CANAL_SECONDS) throw invalid('canal', 'es', 'beyond the year 2106');
  return seconds;
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

function binaryColumns(mysqlType: unknown): Set<string> {
  const out = new Set<string>();
  if (!isRecord(mysqlType)) return out;
  for (const [column, t] of Object.entries(mysqlType))
    if (typeof t === 'string' && BINARY_TYPE.test(t)) out.add(column);
  return out;
}

function decodeBinary(row: Row, binary: ReadonlySet<string>): Row {
  if (binary.size === 0) return row;
  const out: Row = { ...row };
  for (const c of binary) if (typeof out[c] === 'string') out[c] = Buffer.from(out[c] as string, 'latin1');
  return out;
}
