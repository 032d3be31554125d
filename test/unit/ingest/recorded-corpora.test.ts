import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import type { ColumnType } from '../../../src/mapping/column-types.js';
import { convertValue } from '../../../src/mapping/convert.js';
import { adaptForeignValue } from '../../../src/mapping/foreign-values.js';
import {
  decodeCanal,
  decodeMaxwell,
  parseIngestJson,
  routineKind,
} from '../../../src/sources/ingest/index.js';

/**
 * The decoders on what the real tools wrote (test/fixtures/ingest/{canal,maxwell}/stream.ndjson, recorded
 * from Canal 1.1.7 and Maxwell 1.22.6 by record.sh there): the defects of issue 13 part B, each checked on
 * real messages. The end-to-end check (index = tables, replay harmless) is the conformance test.
 */
const lines = (tool: string): unknown[] =>
  readFileSync(new URL(`../../fixtures/ingest/${tool}/stream.ndjson`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseIngestJson(l));

const docKey = (e: ChangeEvent) => `${e.source.table}/${JSON.stringify(e.key)}`;

/** Every change of one document must get a strictly higher version than the change before it. */
function expectOrderedPerDocument(events: ChangeEvent[]): void {
  const last = new Map<string, bigint>();
  let truncateAt = 0n;
  for (const e of events) {
    const v = e.source.position.version;
    expect(v > truncateAt || e.op === 't', `${e.source.position.label} after a TRUNCATE`).toBe(true);
    if (e.op === 't') {
      truncateAt = v;
      continue;
    }
    const before = last.get(docKey(e));
    if (before !== undefined) expect(v > before, `${docKey(e)} at ${e.source.position.label}`).toBe(true);
    last.set(docKey(e), v);
  }
}

describe('Canal 1.1.7 flat messages as recorded', () => {
  const messages = lines('canal') as Array<Record<string, unknown>>;

  it('changes of one row really share a batch id and an es second (what the old es|id version collided on)', () => {
    const seen = new Map<string, number>();
    for (const m of messages.filter((x) => x.type === 'UPDATE' || x.type === 'DELETE' || x.type === 'INSERT'))
      for (const row of m.data as Array<Record<string, unknown>>) {
        const k = `${m.id}/${Math.floor(Number(m.es) / 1000)}/${m.table}/${row.id}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    expect(Math.max(...seen.values())).toBeGreaterThanOrEqual(2);
  });

  it('every change of a document outranks the one before it, TRUNCATE included', () => {
    expectOrderedPerDocument(messages.filter((m) => m.type !== 'QUERY').flatMap((m) => decodeCanal(m)));
  });

  it('QUERY records (empty database and table) are ignored, not refused', () => {
    const queries = messages.filter((m) => m.type === 'QUERY');
    expect(queries.length).toBeGreaterThan(10);
    expect(queries[0]).toMatchObject({ database: '', table: '', isDdl: false });
    for (const q of queries) expect(decodeCanal(q)).toEqual([]);
    expect(routineKind('canal', { value: queries[0] })).toBe('query');
    const truncate = messages.find((m) => m.type === 'TRUNCATE')!;
    expect(routineKind('canal', { value: truncate })).toBeUndefined();
  });

  it('ENUM indexes and SET masks become the definition values', () => {
    const first = messages.find((m) => m.type === 'INSERT' && m.table === 'types')!;
    const row = (first.data as Array<Record<string, unknown>>)[0]!;
    expect([row.en, row.st]).toEqual(['3', '7']);
    const [ev] = decodeCanal(first);
    expect([ev!.after!.en, ev!.after!.st]).toEqual(['large', 'red,green,blue']);
    const empty = decodeCanal(first)[1]!.after!;
    expect([empty.en, empty.st]).toEqual(['small', '']);
  });

  it('a message without its binlog position is refused, naming the fields to send', () => {
    const { logfileName: _n, logfileOffset: _o, ...bare } = messages[1]!;
    let error: unknown;
    try {
      decodeCanal(bare);
    } catch (e) {
      error = e;
    }
    expect(isSynclineError(error, 'EVENT_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(
      /^canal: logfileOffset: missing: .*logfileName and logfileOffset/,
    );
  });
});

describe('Maxwell 1.22.6 rows as recorded', () => {
  const rows = lines('maxwell') as Array<Record<string, unknown>>;

  it('rows of one statement share a position; xoffset orders them', () => {
    const churn = rows.filter((m) => m.table === 'churn' && m.type === 'insert');
    expect(new Set(churn.slice(0, 20).map((m) => m.position)).size).toBe(1);
    const events = rows.flatMap((m) => decodeMaxwell(m));
    expectOrderedPerDocument(events);
    const versions = events.map((e) => e.source.position.version);
    for (let i = 1; i < versions.length; i++) expect(versions[i]! > versions[i - 1]!).toBe(true);
  });

  it('a row without xoffset (output_xoffset off) is refused, naming the setting', () => {
    const { xoffset: _x, ...bare } = rows.find((m) => typeof m.xoffset === 'number')!;
    expect(() => decodeMaxwell(bare)).toThrow(
      /maxwell: xoffset: missing: run Maxwell with .*output_xoffset=true/,
    );
  });
});

/** A column as INFORMATION_SCHEMA describes it on MariaDB 10.11. */
function column(name: string, type: string, columnType: string, precision: number | null = null): ColumnType {
  return {
    name,
    type,
    columnType,
    unsigned: false,
    precision,
    scale: null,
    fsp: null,
    length: null,
    enumValues: null,
    setValues: null,
    isTinyint1: false,
    charset: null,
    nullable: true,
  };
}

describe('Maxwell values → the document value the binlog path gives', () => {
  const first = (lines('maxwell') as Array<{ data: Record<string, unknown> }>)[0]!.data;
  const toDoc = (col: ColumnType, v: unknown) => convertValue(col, adaptForeignValue('maxwell', col, v));

  it('BIT(64) max (exact digits past 2^53) → its eight bytes', () => {
    expect(first.b64).toBe('18446744073709551615');
    expect(toDoc(column('b64', 'bit', 'bit(64)', 64), first.b64)).toBe(
      Buffer.alloc(8, 0xff).toString('base64'),
    );
    expect(toDoc(column('b12', 'bit', 'bit(12)', 12), first.b12)).toBe(
      Buffer.from([0x0a, 0xaa]).toString('base64'),
    );
  });

  it("MariaDB's JSON column (LONGTEXT underneath), sent as text → the parsed value", () => {
    expect(typeof first.js).toBe('string');
    const mariadbJson = column('js', 'json', 'longtext');
    expect(toDoc(mariadbJson, first.js)).toEqual(JSON.parse(first.js as string));
    // MySQL's native JSON arrives parsed: a string there is a JSON string value
    expect(toDoc(column('js', 'json', 'json'), '{"a":1}')).toBe('{"a":1}');
  });
});
