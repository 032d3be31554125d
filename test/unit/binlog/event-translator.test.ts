import { readFileSync } from 'node:fs';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { EventTranslator } from '../../../src/sources/mysql-binlog/streaming/event-translator.js';
import { GtidState, gtidText } from '../../../src/sources/mysql-binlog/streaming/gtid-state.js';
import type { RawBinlogEvent, RowsEvent } from '../../../src/sources/mysql-binlog/streaming/raw-event.js';
import {
  type ColumnSchemaLike,
  negativeTime,
} from '../../../src/sources/mysql-binlog/streaming/row-values.js';
import { compileTableFilter } from '../../../src/sources/mysql-binlog/streaming/table-filter.js';
import type { TableMetadata } from '../../../src/sources/mysql-binlog/streaming/table-metadata.js';
import { TransactionAssembler } from '../../../src/sources/mysql-binlog/streaming/transaction-assembler.js';
import { decodeValue, type RecordedEvent, type Recording } from '../../fixtures/binlog/codec.js';

/**
 * The translation fed with what zongji 0.9.0 really emitted for the workload of
 * test/fixtures/binlog/record.ts on MariaDB 10.11 (events.json; GTIDs and binlog offsets are the
 * recording's). Expected values come from that workload's SQL.
 */
const recording = JSON.parse(
  readFileSync(new URL('../../fixtures/binlog/events.json', import.meta.url), 'utf8'),
) as Recording;

const DB = 'syncline_binlog_fixture';
const TS = 1796293582000; // the recording's binlog timestamps (second precision)
const FILE = 'binlog.000001';

/** A recorded event as zongji hands it over: its fields plus getEventName(). Fresh objects per call. */
function zongjiEvent(e: RecordedEvent): AnyBinlogEvent {
  const fields = decodeValue(e.fields) as Record<string, unknown>;
  return { ...fields, getEventName: () => e.name } as unknown as AnyBinlogEvent;
}

function translateAll(events = recording.events, t = new EventTranslator(GtidState.parse(recording.start))) {
  const out: RawBinlogEvent[] = [];
  for (const e of events) {
    out.push(...t.translate(zongjiEvent(e), e.columnSchemas as ColumnSchemaLike[] | undefined));
  }
  return { out, translator: t };
}

/** One line per raw event, enough to see the group structure. */
function outline(ev: RawBinlogEvent): string {
  switch (ev.kind) {
    case 'begin':
      return `begin ${gtidText(ev.gtid)}${ev.standalone ? ' standalone' : ''}${ev.xaPrepare ? ` xa-prepare ${ev.xaPrepare}` : ''}`;
    case 'rows':
      return `${ev.op} ${ev.database}.${ev.table} ×${ev.rows.length}`;
    case 'statement':
      return `statement ${ev.sql.replace(/\s+/g, ' ').slice(0, 48)}`;
    case 'commit':
      return `commit ${ev.position} ${ev.file}:${ev.pos}${ev.xa ? ` xa-${ev.xa.outcome} ${ev.xa.xid}` : ''}`;
    default:
      return ev.kind;
  }
}

const ROLLED = "X'726f6c6c6564',X'',1"; // 'rolled'
const KEPT = "X'6b657074',X'6272616e6368',7"; // 'kept', 'branch', 7

describe('event translation of recorded zongji events', () => {
  it('decides the groups: transactions, standalone DDL and TRUNCATE, XA prepare / rollback / commit, one phase', () => {
    const { out, translator } = translateAll();
    expect(out.map(outline)).toEqual([
      'begin 0-1-8115 standalone',
      `statement CREATE TABLE ${DB}.types ( id `,
      `commit 0-1-8115 ${FILE}:64171211`,
      'begin 0-1-8117 standalone',
      `statement CREATE TABLE ${DB}.pairs (a IN`,
      `commit 0-1-8117 ${FILE}:64189901`,
      'begin 0-1-8119',
      `insert ${DB}.types ×2`,
      `commit 0-1-8119 ${FILE}:64206269`,
      'begin 0-1-8121',
      `update ${DB}.types ×1`,
      `commit 0-1-8121 ${FILE}:64226407`,
      'begin 0-1-8123',
      `update ${DB}.types ×1`,
      `commit 0-1-8123 ${FILE}:64245147`,
      'begin 0-1-8125',
      `delete ${DB}.types ×1`,
      `commit 0-1-8125 ${FILE}:64261470`,
      'begin 0-1-8128',
      `insert ${DB}.pairs ×2`,
      `update ${DB}.pairs ×1`,
      `insert ${DB}.types ×1`,
      `commit 0-1-8128 ${FILE}:64279123`,
      'begin 0-1-8129 standalone',
      `statement ALTER TABLE ${DB}.types ADD CO`,
      `commit 0-1-8129 ${FILE}:64279307`,
      'begin 0-1-8130',
      `insert ${DB}.types ×1`,
      `commit 0-1-8130 ${FILE}:64279765`,
      'begin 0-1-8131 standalone',
      `statement TRUNCATE TABLE ${DB}.pairs`,
      `commit 0-1-8131 ${FILE}:64279917`,
      // XA END writes nothing; the XA_PREPARE event ends the group
      `begin 0-1-8132 xa-prepare ${ROLLED}`,
      `insert ${DB}.types ×1`,
      `commit 0-1-8132 ${FILE}:64280480 xa-prepare ${ROLLED}`,
      'begin 0-1-8133 standalone',
      `commit 0-1-8133 ${FILE}:64280627 xa-rollback ${ROLLED}`,
      `begin 0-1-8134 xa-prepare ${KEPT}`,
      `insert ${DB}.types ×1`,
      `update ${DB}.types ×1`,
      `commit 0-1-8134 ${FILE}:64281770 xa-prepare ${KEPT}`,
      'begin 0-1-8135 standalone',
      `commit 0-1-8135 ${FILE}:64281927 xa-commit ${KEPT}`,
      // XA COMMIT … ONE PHASE: MariaDB logs a plain transaction
      'begin 0-1-8136',
      `insert ${DB}.types ×1`,
      `commit 0-1-8136 ${FILE}:64282373`,
    ]);
    expect(translator.committed.toString()).toBe('0-1-8136');
    expect(translator.inGroup).toBe(false);
  });

  it('begin events carry the positions before and after their group; commits the commit time', () => {
    const { out } = translateAll();
    const begins = out.filter((e) => e.kind === 'begin');
    expect(begins.slice(0, 2).map((b) => [b.positionBefore, b.positionAfter, b.timestampMs])).toEqual([
      ['0-1-8114', '0-1-8115', TS],
      ['0-1-8115', '0-1-8117', TS], // the recording kept only the workload's groups
    ]);
    expect(out.filter((e) => e.kind === 'commit').every((c) => c.timestampMs === TS)).toBe(true);
  });

  it('rows carry column names, the binlog primary key and the values the snapshot pool reads', () => {
    const rows = translateAll().out.filter((e): e is RowsEvent => e.kind === 'rows');
    const insert = rows[0]!;
    expect(insert.columns).toEqual([
      'id',
      'big',
      'ubig',
      'price',
      'f',
      'd',
      'dt',
      'ts',
      'day',
      'tm',
      'yr',
      'name',
      'body',
      'bin',
      'bits',
      'kind',
      'flags',
      'doc',
    ]);
    expect(insert.primaryKey).toEqual(['id']);
    expect(insert.timestampMs).toBe(TS);
    expect(insert.rows).toEqual([
      {
        id: 1,
        big: '9007199254740993', // BIGINT always a string, as the pool's bigNumberStrings gives it
        ubig: '18446744073709551615',
        price: '1234.50',
        f: 1.100000023841858, // the binlog's float32; the mapping renders FLOAT
        d: 0.1,
        dt: '2024-01-02 03:04:05.123456',
        ts: '2024-01-02 03:04:05.678', // TIMESTAMP in the connection's zone (Z)
        day: '2024-01-02',
        tm: '-12:30:00', // zongji 0.9.0 delivered '-12:29:64' (recorded): repaired, see row-values.ts
        yr: 2024,
        name: '华为 Mate',
        body: 'long text',
        bin: Buffer.from('00ff10', 'hex'),
        bits: Buffer.from([0b1010]),
        kind: 'b',
        flags: 'x,y',
        doc: '{"k":[1,2.5,"z"]}', // MariaDB JSON is LONGTEXT: the text as written
      },
      {
        id: 2,
        big: '-42', // a small BIGINT too
        ubig: '0',
        price: '-0.01',
        f: -851500,
        d: 977.1706419996917,
        dt: null,
        ts: null,
        day: null,
        tm: null,
        yr: null,
        name: null,
        body: null,
        bin: null,
        bits: null,
        kind: null,
        flags: null,
        doc: null,
      },
    ]);
    // UPDATE … SET id = 3 WHERE id = 2: a before/after pair
    const moved = rows[2]!.rows as Array<{ before: Record<string, unknown>; after: Record<string, unknown> }>;
    expect(moved.map((p) => [p.before.id, p.after.id, p.after.big])).toEqual([[2, 3, '-42']]);
    // the composite key of pairs, and the column added by ALTER TABLE in the next row of types
    expect(rows[4]!.primaryKey).toEqual(['a', 'b']);
    expect(rows[4]!.rows).toEqual([
      { a: 1, b: 'x', note: 'first' },
      { a: 1, b: 'y|z', note: 'pipe' },
    ]);
    expect(rows[7]!.columns.at(-1)).toBe('extra');
    expect(rows[7]!.rows).toEqual([expect.objectContaining({ id: 5, name: 'after alter', extra: 55 })]);
  });

  it('leaves the zongji events as it got them (adjusted rows are copies)', () => {
    const t = new EventTranslator(GtidState.parse(recording.start));
    const firstInsert = recording.events.findIndex((e) => e.name === 'writerows');
    const given = recording.events.slice(0, firstInsert + 1).map((e) => ({ e, ev: zongjiEvent(e) }));
    const out = given.flatMap(({ e, ev }) =>
      t.translate(ev, e.columnSchemas as ColumnSchemaLike[] | undefined),
    );
    const zongjiRows = (given.at(-1)!.ev as unknown as { rows: Array<Record<string, unknown>> }).rows;
    expect(zongjiRows.map((r) => [r.big, r.tm])).toEqual([
      ['9007199254740993', '-12:29:64'],
      [-42, null],
    ]);
    const rows = (out.at(-1) as RowsEvent).rows as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.big, r.tm])).toEqual([
      ['9007199254740993', '-12:30:00'],
      ['-42', null],
    ]);
  });

  it('a reset (new connection) drops the open group and resumes at the last commit', () => {
    const events = recording.events;
    const firstXaRow = events.findIndex(
      (e) => e.name === 'writerows' && JSON.stringify(e.fields).includes('xa rolled back'),
    );
    const t = new EventTranslator(GtidState.parse(recording.start));
    translateAll(events.slice(0, firstXaRow), t);
    expect(t.inGroup).toBe(true);
    expect(t.committed.toString()).toBe('0-1-8131');
    t.reset();
    expect(t.inGroup).toBe(false);
    // table ids are forgotten: a rows event without its TableMap yields nothing
    expect(t.translate(zongjiEvent(events[firstXaRow]!))).toEqual([]);
    expect(t.committed.toString()).toBe('0-1-8131');
  });

  it('an XA_PREPARE event flagged one-phase commits at once (MySQL logs XA COMMIT … ONE PHASE that way)', () => {
    const t = new EventTranslator(GtidState.parse('0-1-10'));
    const gtid = {
      getEventName: () => 'mariadbgtid',
      seqNo: 11,
      domainId: 0,
      serverId: 1,
      standalone: false,
    };
    const prepare = {
      getEventName: () => 'xaprepare',
      onePhase: true,
      xidFormatId: 1,
      xidGtrid: Buffer.from('one'),
      xidBqual: Buffer.alloc(0),
      nextPosition: 900,
      timestamp: 5000,
    };
    t.translate({ ...gtid, timestamp: 5000, nextPosition: 0 } as unknown as AnyBinlogEvent);
    expect(t.translate(prepare as unknown as AnyBinlogEvent)).toEqual([
      {
        kind: 'commit',
        gtid: { domainId: 0, serverId: 1, seqNo: 11n },
        position: '0-1-11',
        file: '',
        pos: 900,
        timestampMs: 5000,
      },
    ]);
  });

  it('takes the xid of an XA decision from its statement when the GTID event carries none', () => {
    const t = new EventTranslator(GtidState.parse('0-1-10'));
    const gtid = { getEventName: () => 'mariadbgtid', seqNo: 11, domainId: 0, serverId: 1, standalone: true };
    t.translate({ ...gtid, timestamp: 1, nextPosition: 0 } as unknown as AnyBinlogEvent);
    const q = {
      getEventName: () => 'query',
      query: "XA ROLLBACK X'6f6c64',X'',1",
      schema: '',
      nextPosition: 70,
      timestamp: 1,
    };
    expect(t.translate(q as unknown as AnyBinlogEvent)).toEqual([
      expect.objectContaining({ kind: 'commit', xa: { xid: "X'6f6c64',X'',1", outcome: 'rollback' } }),
    ]);
  });

  it('heartbeats pass between groups, not inside one', () => {
    const t = new EventTranslator(GtidState.parse(recording.start));
    const hb = { getEventName: () => 'heartbeat', binlogName: FILE, nextPosition: 64282373, timestamp: 0 };
    expect(t.translate(hb as unknown as AnyBinlogEvent)).toEqual([
      { kind: 'heartbeat', file: FILE, pos: 64282373 },
    ]);
    const gtid = recording.events.find((e) => e.name === 'mariadbgtid')!;
    t.translate(zongjiEvent(gtid));
    expect(t.translate(hb as unknown as AnyBinlogEvent)).toEqual([]);
  });
});

describe('recorded events through translation and assembly', () => {
  const metadata: TableMetadata = {
    keyColumns: async (_d, _t, fromBinlog) => fromBinlog ?? [],
    jsonColumns: async () => [],
    invalidate: () => {},
  };

  it('change events and schema changes: the rolled-back XA transaction never appears, the committed one at its COMMIT', async () => {
    const assembler = new TransactionAssembler({ tables: compileTableFilter([`${DB}.*`]), metadata });
    const events: ChangeEvent[] = [];
    const ddl: string[] = [];
    const checkpoints: string[] = [];
    for (const raw of translateAll().out) {
      for (const c of await assembler.push(raw)) {
        events.push(...c.events);
        ddl.push(...c.schemaChanges.map((s) => `${s.kind} ${s.table}`));
        if (c.position) checkpoints.push(String(c.position.checkpoint.gtid));
      }
    }
    const line = (e: ChangeEvent) =>
      `${e.op} ${e.source.table} ${JSON.stringify(e.key)} ${e.transaction?.id}#${e.transaction?.order} v=${e.source.position.version >> 22n}:${e.source.position.version & 0x3fffffn}`;
    expect(events.map(line)).toEqual([
      'c types {"id":1} 0-1-8119#0 v=8119:0',
      'c types {"id":2} 0-1-8119#1 v=8119:1',
      'u types {"id":1} 0-1-8121#0 v=8121:0',
      'd types {"id":2} 0-1-8123#0 v=8123:0', // the key changed: the document moves
      'c types {"id":3} 0-1-8123#1 v=8123:1',
      'd types {"id":3} 0-1-8125#0 v=8125:0',
      'c pairs {"a":1,"b":"x"} 0-1-8128#0 v=8128:0',
      'c pairs {"a":1,"b":"y|z"} 0-1-8128#1 v=8128:1',
      'u pairs {"a":1,"b":"x"} 0-1-8128#2 v=8128:2',
      'c types {"id":4} 0-1-8128#3 v=8128:3',
      'c types {"id":5} 0-1-8130#0 v=8130:0',
      't pairs {} 0-1-8131#0 v=8131:0',
      'c types {"id":11} 0-1-8135#0 v=8135:0', // prepared at 8134, committed at 8135
      'u types {"id":1} 0-1-8135#1 v=8135:1',
      'c types {"id":12} 0-1-8136#0 v=8136:0',
    ]);
    expect(ddl).toEqual(['create types', 'create pairs', 'alter types']);
    // while 'kept' was prepared (8134), the checkpoint stayed at the commit before its prepare (8133)
    expect(checkpoints.slice(-4)).toEqual(['0-1-8133', '0-1-8133', '0-1-8135', '0-1-8136']);
  });
});

describe('negative TIME repair', () => {
  it('puts back what zongji 0.9.0 decodes wrongly, and leaves every other value alone', () => {
    // left: what zongji delivered on MariaDB 10.11; right: what SELECT prints for the same stored value
    const cases: Array<[string, string]> = [
      ['-12:29:64', '-12:30:00'],
      ['-00:00:64', '-00:01:00'],
      ['-00:63:64', '-01:00:00'],
      ['-99:63:64', '-100:00:00'],
      ['-12:29:64.000', '-12:30:00.000'],
      ['-00:63:64.000000', '-01:00:00.000000'],
      ['-00:00:01', '-00:00:01'],
      ['-838:59:59', '-838:59:59'],
      ['-12:30:00.25', '-12:30:00.25'],
      ['-00:00:00.5', '-00:00:00.5'],
    ];
    expect(cases.map(([zongji]) => negativeTime(zongji))).toEqual(cases.map(([, select]) => select));
  });
});
