import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { decodeCanal, decodeMaxwell, parseIngestJson } from '../../../src/sources/ingest/index.js';

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

  it('batches really share one id and one es second (what the old es|id version collided on)', () => {
    const rows = messages.filter((m) => m.type === 'UPDATE' && m.table === 'types');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(new Set(rows.map((m) => `${m.id}/${m.es}`)).size).toBe(1);
  });

  it('every change of a document outranks the one before it, TRUNCATE included', () => {
    expectOrderedPerDocument(messages.filter((m) => m.type !== 'QUERY').flatMap((m) => decodeCanal(m)));
  });

  it('QUERY records (empty database and table) are ignored, not refused', () => {
    const queries = messages.filter((m) => m.type === 'QUERY');
    expect(queries.length).toBeGreaterThan(10);
    expect(queries[0]).toMatchObject({ database: '', table: '', isDdl: false });
    for (const q of queries) expect(decodeCanal(q)).toEqual([]);
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
