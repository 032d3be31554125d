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
import { binlogFileIndex, binlogVersion, MAX_BINLOG_POS, MAX_FILE_INDEX, MAX_ROW_ORDER } from './versions.js';

const DML: Record<string, Op> = { insert: 'c', update: 'u', delete: 'd', 'bootstrap-insert': 'r' };
/** Not row changes: bootstrap markers, DDL (output_ddl), Maxwell's heartbeats. */
const IGNORED = /^(bootstrap-start|bootstrap-complete|table-|database-|heartbeat)/;

/** What kind of routine record a Maxwell message is (for the ignored count), or undefined for a row. */
export function maxwellRoutine(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.type !== 'string' || DML[body.type]) return undefined;
  if (!IGNORED.test(body.type)) return undefined;
  if (body.type.startsWith('bootstrap-')) return 'bootstrap-marker';
  return body.type.startsWith('heartbeat') ? 'heartbeat' : 'ddl';
}

/**
 * One Maxwell row (JSON producer output). `data` is the whole row, `old` the changed columns' previous
 * values (update). `position` ("binlog.000003:4711", output_binlog_position) and `xoffset` (the row's
 * index in its transaction, output_xoffset; absent on the commit row) give the version. The key comes
 * from `primary_key`/`primary_key_columns` (output_primary_keys / output_primary_key_columns) or from
 * the Kafka key Maxwell writes ({"database":…, "table":…, "pk.id": 1}). See docs/ingest.md.
 */
export function decodeMaxwell(body: unknown, kafkaKey?: unknown): ChangeEvent[] {
  const m = requireRecord('maxwell', 'message', body);
  if (typeof m.type !== 'string' || m.type === '')
    throw invalid(
      'maxwell',
      'type',
      `expected insert, update, delete or bootstrap-insert, got ${describe(m.type)}`,
    );
  const op = DML[m.type];
  if (!op) {
    if (IGNORED.test(m.type)) return [];
    throw invalid(
      'maxwell',
      'type',
      `unknown type ${JSON.stringify(m.type)} (insert, update, delete, bootstrap-insert)`,
    );
  }
  const database = requireName('maxwell', 'database', m.database);
  const table = requireName('maxwell', 'table', m.table);
  const data = requireRow('maxwell', 'data', m.data);
  let before: Row | null = null;
  let after: Row | null = data;
  if (op === 'u') {
    if (m.old !== undefined && m.old !== null) before = { ...data, ...requireRow('maxwell', 'old', m.old) };
  } else if (op === 'd') {
    before = data;
    after = null;
  }
  const xid = optionalCount('maxwell', 'xid', m.xid);
  const xoffset = optionalCount('maxwell', 'xoffset', m.xoffset);
  if (m.commit !== undefined && m.commit !== null && typeof m.commit !== 'boolean')
    throw invalid('maxwell', 'commit', `expected true or false, got ${describe(m.commit)}`);
  const at = parsePosition(m.position, op);
  // the commit row has no xoffset: it is the last row of its transaction. Other rows without one cannot be
  // ordered: every row of a transaction (of a multi-row statement too) carries the same position.
  if (xoffset === undefined && m.commit !== true && op !== 'r' && at)
    throw invalid(
      'maxwell',
      'xoffset',
      'missing: run Maxwell with output_commit_info=true and output_xoffset=true (the rows of one transaction share their position)',
    );
  const order = xoffset !== undefined ? Number(xoffset) : m.commit === true ? MAX_ROW_ORDER : 0;
  const position = at
    ? {
        version: binlogVersion(at.index, at.pos, order),
        checkpoint: { file: at.file, pos: Number(at.pos), xoffset: order },
        label: `${at.file}:${at.pos}#${order}`,
      }
    : { version: 1n, checkpoint: {}, label: 'maxwell bootstrap' };
  return [
    makeEvent({
      connector: 'maxwell',
      op,
      database,
      table,
      before,
      after,
      key: keyOf(m, kafkaKey, data),
      position,
      tsMs: tsMsOf(m.ts),
      ...(xid !== undefined && { transaction: { id: xid.toString(), order } }),
    }),
  ];
}

/** `position` "binlog.000003:4711" (output_binlog_position); undefined for a bootstrap row without one. */
function parsePosition(v: unknown, op: Op): { file: string; index: bigint; pos: bigint } | undefined {
  if (v === undefined || v === null) {
    // A bootstrap row without a position is a snapshot read: the lowest version, any change wins.
    if (op === 'r') return undefined;
    throw invalid('maxwell', 'position', 'missing: run Maxwell with output_binlog_position=true');
  }
  const m = typeof v === 'string' ? /^(.+):(\d{1,10})$/.exec(v) : null;
  const file = m?.[1];
  const index = file ? binlogFileIndex(file) : undefined;
  if (!m || !file || index === undefined)
    throw invalid('maxwell', 'position', `expected "<binlog file>.<number>:<offset>", got ${describe(v)}`);
  const pos = BigInt(m[2]!);
  if (index > MAX_FILE_INDEX || pos > MAX_BINLOG_POS)
    throw invalid('maxwell', 'position', `${v} is beyond the versionable range`);
  return { file, index, pos };
}

function keyOf(m: Record<string, unknown>, kafkaKey: unknown, data: Row): Row {
  const columns = stringList('maxwell', 'primary_key_columns', m.primary_key_columns);
  if (m.primary_key !== undefined && m.primary_key !== null && columns) {
    const values = Array.isArray(m.primary_key) ? m.primary_key : [m.primary_key];
    if (values.length !== columns.length)
      throw invalid(
        'maxwell',
        'primary_key',
        `has ${values.length} values for ${columns.length} primary_key_columns`,
      );
    return Object.fromEntries(columns.map((c, i) => [c, values[i]]));
  }
  if (isRecord(kafkaKey)) {
    // Maxwell's default Kafka key: {"database":"shop","table":"products","pk.id":7}
    const key: Row = {};
    for (const [k, v] of Object.entries(kafkaKey))
      if (k.startsWith('pk.') && k.length > 3) key[k.slice(3)] = v;
    if (Object.keys(key).length > 0) return key;
  }
  if (Array.isArray(kafkaKey) && Array.isArray(kafkaKey[2])) {
    // the array key form: ["shop","products",[{"id":7}]]
    const key: Row = {};
    for (const part of kafkaKey[2]) if (isRecord(part)) Object.assign(key, part);
    if (Object.keys(key).length > 0) return key;
  }
  // no key in the message: the mapping takes its key columns from the row
  return pickKey(data, columns);
}

function tsMsOf(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw invalid('maxwell', 'ts', `expected epoch seconds, got ${describe(v)}`);
  // row events carry seconds, DDL events milliseconds
  return v < 1e11 ? v * 1000 : Math.floor(v);
}
