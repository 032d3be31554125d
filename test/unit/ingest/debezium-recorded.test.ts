import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { adaptForeignValue } from '../../../src/mapping/foreign-values.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import {
  debeziumRoutine,
  decodeDebezium,
  type IngestMessage,
  isTombstoneEvent,
  parseIngestJson,
} from '../../../src/sources/ingest/index.js';
import { col, table } from '../mapping/helpers.js';

/** The real Debezium 3.5.0 output (test/fixtures/ingest/debezium/record.sh), one Kafka record per line. */
const VARIANTS = [
  'schema-default',
  'plain-default',
  'schema-string-connect-precise',
  'plain-double-micro-precise',
];
const corpus = (variant: string): IngestMessage[] =>
  readFileSync(new URL(`../../fixtures/ingest/debezium/${variant}.ndjson`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseIngestJson(l) as IngestMessage);

describe.each(VARIANTS)('recorded Debezium corpus %s', (variant) => {
  const messages = corpus(variant);

  it('every record decodes: routine records (schema change, BEGIN/END, heartbeat) to nothing, never an error', () => {
    const kinds = new Map<string, number>();
    const events: ChangeEvent[] = [];
    for (const m of messages) {
      const kind = debeziumRoutine(m) ?? (m.value === null ? 'tombstone' : 'change');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const out = decodeDebezium(m);
      if (kind === 'change') expect(out).toHaveLength(1);
      else if (kind === 'tombstone') expect(out.every(isTombstoneEvent)).toBe(true);
      else expect(out).toEqual([]);
      events.push(...out.filter((e) => !isTombstoneEvent(e)));
    }
    expect([...kinds.keys()].sort()).toEqual([
      'change',
      'heartbeat',
      'schema-change',
      'tombstone',
      'transaction',
    ]);
    expect(new Set(events.map((e) => e.op))).toEqual(new Set(['r', 'c', 'u', 'd', 't']));
  });

  it('versions are unique per document and grow in stream order (source file/pos/row)', () => {
    const last = new Map<string, bigint>();
    for (const m of messages) {
      for (const ev of decodeDebezium(m)) {
        if (isTombstoneEvent(ev) || ev.op === 't') continue;
        const key = `${ev.source.table}|${JSON.stringify(ev.key)}`;
        const v = ev.source.position.version;
        const before = last.get(key);
        if (before !== undefined) expect(v, `${key} at ${ev.source.position.label}`).toBeGreaterThan(before);
        last.set(key, v);
      }
    }
    expect(last.size).toBeGreaterThan(5);
  });
});

describe('Debezium input that cannot be used is refused naming what to change', () => {
  const change = (source: Record<string, unknown>) => ({
    key: { id: 1 },
    value: { op: 'c', before: null, after: { id: 1 }, source: { db: 'shop', table: 't', ...source } },
  });
  const reason = (m: IngestMessage): string => {
    try {
      decodeDebezium(m);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('a change without file/pos or gtid cannot be ordered: 400 naming the source fields to keep', () => {
    expect(reason(change({}))).toMatch(/source: has neither file\+pos nor a gtid.*add\.fields=file,pos,row/);
    expect(reason(change({ file: 'binlog.000002', pos: 4, row: 0 }))).toBe('accepted');
    expect(reason(change({ gtid: '0-1-77' }))).toBe('accepted');
  });

  it('a bare row (ExtractNewRecordState) is refused naming the transform', () => {
    expect(reason({ key: { id: 1 }, value: { id: 1, name: 'x' } })).toMatch(/op: missing.*unwrap/);
  });
});

describe('Debezium values by column type', () => {
  const bu = col('bigint', { name: 'bu', unsigned: true });
  const bi = col('bigint', { name: 'bi' });
  const ts = col('timestamp', { name: 'ts', fsp: 6 });

  it('BIGINT UNSIGNED in the default long mode: two’s complement → the unsigned value', () => {
    expect(adaptForeignValue('debezium', bu, -1)).toBe('18446744073709551615');
    expect(adaptForeignValue('debezium', bu, '-9223372036854775808')).toBe('9223372036854775808');
    expect(adaptForeignValue('debezium', bu, 42)).toBe(42);
    expect(adaptForeignValue('debezium', bi, -1)).toBe(-1);
    // precise mode without the schema: base64 of the unscaled bytes
    expect(adaptForeignValue('debezium', bu, 'AP//////////')).toBe('18446744073709551615');
  });

  it('a zero TIMESTAMP streamed as epoch 0 is null (as the snapshot sends it)', () => {
    expect(adaptForeignValue('debezium', ts, '1970-01-01T00:00:00Z')).toBeNull();
    expect(adaptForeignValue('debezium', ts, '1970-01-01T00:00:01Z')).toBe('1970-01-01T00:00:01.000000Z');
  });

  it('the recorded rows map to documents: max BIGINT UNSIGNED and zero timestamps', () => {
    const m = new TableMapping(
      { table: 'syncline_dbz_corpus.types', index: 'types' },
      table([col('int', { name: 'id', nullable: false }), bu, ts, col('timestamp', { name: 'ts6', fsp: 6 })]),
    );
    for (const variant of ['schema-default', 'plain-default']) {
      const rows = corpus(variant)
        .flatMap((msg) => decodeDebezium(msg))
        .filter((e) => e.source.table === 'types' && e.after && (e.after as { id: number }).id === 1)
        .map((e) => {
          const { id, bu, ts, ts6 } = e.after as Record<string, unknown>;
          const op = m.toOps({ ...e, before: null, after: { id, bu, ts, ts6 }, key: { id } })[0]!;
          return op.action === 'index' ? op.doc : undefined;
        });
      expect(rows[0], variant).toEqual({
        id: 1,
        bu: '18446744073709551615',
        ts: '2038-01-19T03:14:07.000000Z',
        ts6: '2024-01-02T03:04:05.654321Z',
      });
      expect(rows.at(-1), variant).toEqual({ id: 1, bu: '18446744073709551615', ts: null, ts6: null });
    }
  });
});
