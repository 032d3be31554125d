import { describe, expect, it } from 'vitest';
import { MAX_SUB } from '../../../src/core/change-event.js';
import {
  advance,
  formatGtidPosition,
  type Gtid,
  parseGtidPosition,
} from '../../../src/sources/mysql-binlog/streaming/gtid.js';
import type {
  RawBinlogEvent,
  RowsEvent,
  XaOutcome,
} from '../../../src/sources/mysql-binlog/streaming/raw-event.js';
import { compileTableFilter } from '../../../src/sources/mysql-binlog/streaming/table-filter.js';
import type { TableMetadata } from '../../../src/sources/mysql-binlog/streaming/table-metadata.js';
import {
  type AssembledChunk,
  TransactionAssembler,
} from '../../../src/sources/mysql-binlog/streaming/transaction-assembler.js';

/** Keys from the binlog's primary key, else from a fixed table (stands in for INFORMATION_SCHEMA). */
class StubKeys implements TableMetadata {
  lookups = 0;
  invalidated: string[] = [];
  constructor(
    private readonly table: Record<string, string[]> = {},
    private readonly json: Record<string, string[]> = {},
  ) {}
  async keyColumns(d: string, t: string, fromBinlog: readonly string[] | undefined) {
    if (fromBinlog?.length) return fromBinlog;
    this.lookups += 1;
    return this.table[`${d}.${t}`] ?? [];
  }
  async jsonColumns(d: string, t: string) {
    return this.json[`${d}.${t}`] ?? [];
  }
  invalidate(d: string, t: string) {
    this.invalidated.push(`${d}.${t}`);
  }
}

/** Builds the reader's event groups the way a MariaDB binlog delivers them. */
class Binlog {
  private pos = parseGtidPosition('0-1-99');
  private filePos = 1000;
  private seq = 99n;

  tx(
    body: RawBinlogEvent[],
    opts: { standalone?: boolean; domain?: number; xa?: XaOutcome; tsMs?: number } = {},
  ): RawBinlogEvent[] {
    this.seq += 1n;
    const gtid: Gtid = { domainId: opts.domain ?? 0, serverId: 1, seqNo: this.seq };
    const before = this.pos;
    const after = advance(this.pos, gtid);
    this.pos = after;
    this.filePos += 500;
    return [
      {
        kind: 'begin',
        gtid,
        positionBefore: formatGtidPosition(before),
        positionAfter: formatGtidPosition(after),
        // MariaDB writes XA COMMIT / XA ROLLBACK as a standalone group of its own
        standalone: opts.standalone ?? (opts.xa !== undefined && opts.xa.outcome !== 'prepare'),
        ...(opts.xa?.outcome === 'prepare' && { xaPrepare: opts.xa.xid }),
        timestampMs: opts.tsMs ?? 1_700_000_000_000,
      },
      ...body,
      {
        kind: 'commit',
        gtid,
        position: formatGtidPosition(after),
        file: 'binlog.000001',
        pos: this.filePos,
        timestampMs: opts.tsMs ?? 1_700_000_000_000,
        ...(opts.xa && { xa: opts.xa }),
      },
    ];
  }
}

/** pk null: the TableMap carried no primary key (binlog_row_metadata below FULL). */
function rows(
  op: RowsEvent['op'],
  table: string,
  data: RowsEvent['rows'],
  pk: string[] | null = ['id'],
): RowsEvent {
  return {
    kind: 'rows',
    op,
    database: 'shop',
    table,
    columns: [],
    primaryKey: pk ?? undefined,
    rows: data,
    timestampMs: 1_700_000_000_123,
  };
}

async function feed(a: TransactionAssembler, evs: RawBinlogEvent[]): Promise<AssembledChunk[]> {
  const out: AssembledChunk[] = [];
  for (const e of evs) out.push(...(await a.push(e)));
  return out;
}

const make = (keys = new StubKeys(), max?: number) =>
  new TransactionAssembler({
    tables: compileTableFilter(['shop.items', 'shop.orders']),
    metadata: keys,
    ...(max !== undefined && { maxTransactionEvents: max }),
  });

describe('transaction assembler', () => {
  it('one chunk per transaction; c/u/d per row of multi-row events; versions = seq << 22 | order', async () => {
    const b = new Binlog();
    const a = make();
    const chunks = await feed(a, [
      ...b.tx([
        rows('insert', 'items', [
          { id: 1, n: 'a' },
          { id: 2, n: 'b' },
        ]),
      ]),
      ...b.tx([
        rows('update', 'items', [{ before: { id: 1, n: 'a' }, after: { id: 1, n: 'A' } }]),
        rows('delete', 'orders', [{ id: 7 }]),
        rows('insert', 'elsewhere', [{ id: 9 }]),
      ]),
    ]);
    expect(chunks).toHaveLength(2);
    const [first, second] = chunks as [AssembledChunk, AssembledChunk];
    expect(first.events.map((e) => [e.op, e.key, e.transaction])).toEqual([
      ['c', { id: 1 }, { id: '0-1-100', order: 0 }],
      ['c', { id: 2 }, { id: '0-1-100', order: 1 }],
    ]);
    expect(second.events.map((e) => `${e.op} ${e.source.table}`)).toEqual(['u items', 'd orders']);
    expect(second.events[0]!.before).toEqual({ id: 1, n: 'a' });
    expect(second.events[0]!.after).toEqual({ id: 1, n: 'A' });
    expect(second.events[1]!.after).toBeNull();
    expect(first.events[1]!.source.position.version).toBe((100n << 22n) | 1n);
    expect(second.events[0]!.source.position.version).toBe(101n << 22n);
    expect(first.position).toEqual({
      version: (100n << 22n) | MAX_SUB,
      checkpoint: { gtid: '0-1-100', file: 'binlog.000001', pos: 1500 },
      label: 'gtid 0-1-100',
    });
    // events carry the commit's checkpoint too, and the row event's own timestamp
    expect(first.events[0]!.source.position.checkpoint).toEqual(first.position!.checkpoint);
    expect(first.events[0]!.source.tsMs).toBe(1_700_000_000_123);
    expect(first.commitTsMs).toBe(1_700_000_000_000);
  });

  it('a transaction touching only other tables yields an empty chunk that still carries the position', async () => {
    const chunks = await feed(make(), new Binlog().tx([rows('insert', 'elsewhere', [{ id: 1 }])]));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.events).toEqual([]);
    expect(chunks[0]!.position?.checkpoint.gtid).toBe('0-1-100');
  });

  it('an update that changes the key becomes d(old) + c(new)', async () => {
    const [c] = await feed(
      make(),
      new Binlog().tx([rows('update', 'items', [{ before: { id: 1 }, after: { id: 2 } }])]),
    );
    expect(c!.events.map((e) => [e.op, e.key, e.before, e.after])).toEqual([
      ['d', { id: 1 }, { id: 1 }, null],
      ['c', { id: 2 }, null, { id: 2 }],
    ]);
  });

  it('TRUNCATE is op t with an empty key; DDL becomes a schema change and invalidates cached keys', async () => {
    const keys = new StubKeys({ 'shop.items': ['id'] });
    const b = new Binlog();
    const chunks = await feed(make(keys), [
      ...b.tx([{ kind: 'statement', sql: 'TRUNCATE TABLE items', schema: 'shop', timestampMs: 5 }], {
        standalone: true,
      }),
      ...b.tx(
        [{ kind: 'statement', sql: 'ALTER TABLE items ADD COLUMN c INT', schema: 'shop', timestampMs: 6 }],
        {
          standalone: true,
        },
      ),
      ...b.tx(
        [{ kind: 'statement', sql: 'ALTER TABLE nope ADD COLUMN c INT', schema: 'shop', timestampMs: 7 }],
        {
          standalone: true,
        },
      ),
      ...b.tx(
        [{ kind: 'statement', sql: 'RENAME TABLE shop.tmp TO shop.orders', schema: '', timestampMs: 8 }],
        {
          standalone: true,
        },
      ),
    ]);
    const [t, alter, other, rename] = chunks as [
      AssembledChunk,
      AssembledChunk,
      AssembledChunk,
      AssembledChunk,
    ];
    expect(t.events.map((e) => [e.op, e.key, e.before, e.after, e.source.table])).toEqual([
      ['t', {}, null, null, 'items'],
    ]);
    expect(alter.events).toEqual([]);
    expect(alter.schemaChanges.map((s) => [s.kind, s.database, s.table, s.ddl])).toEqual([
      ['alter', 'shop', 'items', 'ALTER TABLE items ADD COLUMN c INT'],
    ]);
    expect(alter.schemaChanges[0]!.position).toEqual(alter.position);
    expect(other.schemaChanges).toEqual([]); // not a captured table
    expect(rename.schemaChanges.map((s) => [s.kind, s.table, s.renamedTo])).toEqual([
      ['rename', 'tmp', { database: 'shop', table: 'orders' }],
    ]);
    expect(keys.invalidated).toEqual(['shop.items', 'shop.nope', 'shop.tmp', 'shop.orders']);
  });

  it('keys come from the binlog primary key, else the resolver; none gives an empty key and one warning', async () => {
    const keys = new StubKeys({ 'shop.orders': ['code'] });
    const warnings: string[] = [];
    const a = new TransactionAssembler({
      tables: compileTableFilter(['shop.*']),
      metadata: keys,
      onWarning: (w) => warnings.push(w),
    });
    const b = new Binlog();
    const [c] = await feed(a, [
      ...b.tx([
        rows('insert', 'orders', [{ id: 1, code: 'X' }], null),
        rows('insert', 'logs', [{ msg: 'a' }], null),
        rows('insert', 'logs', [{ msg: 'b' }], null),
      ]),
    ]);
    expect(c!.events.map((e) => e.key)).toEqual([{ code: 'X' }, {}, {}]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/shop\.logs has no primary key/);
  });

  it('keeps MariaDB JSON columns as the binlog text, exactly as the snapshot pool reads them (jsonStrings)', async () => {
    // Parsing belongs to the mapping, which keeps integers beyond 2^53 exact; JSON.parse here would not.
    const a = make(new StubKeys({}, { 'shop.items': ['js'] }));
    const [c] = await feed(
      a,
      new Binlog().tx([rows('insert', 'items', [{ id: 1, js: '{"a":[1,2.5],"big":12345678901234567890}' }])]),
    );
    expect(c!.events.map((e) => e.after)).toEqual([
      { id: 1, js: '{"a":[1,2.5],"big":12345678901234567890}' },
    ]);
  });

  it('splits a transaction larger than maxTransactionEvents: leading parts have no position', async () => {
    const a = make(new StubKeys(), 3);
    const data = Array.from({ length: 7 }, (_, i) => ({ id: i }));
    const chunks = await feed(
      a,
      new Binlog().tx([rows('insert', 'items', data.slice(0, 4)), rows('insert', 'items', data.slice(4))]),
    );
    expect(chunks.map((c) => [c.events.length, c.position === undefined])).toEqual([
      [3, true],
      [3, true],
      [1, false],
    ]);
    const orders = chunks.flatMap((c) => c.events.map((e) => e.transaction!.order));
    expect(orders).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(chunks[0]!.events[0]!.source.position.checkpoint).toEqual({ gtid: '0-1-100' });
  });

  it('a reconnect drops the open transaction; its replay is assembled whole with the same versions', async () => {
    const b = new Binlog();
    const tx = b.tx([rows('insert', 'items', [{ id: 1 }, { id: 2 }])]);
    const a = make();
    const cut = await feed(a, [tx[0]!, tx[1]!, { kind: 'reconnected', from: '0-1-99', attempt: 1 }]);
    expect(cut).toEqual([]);
    expect(a.inTransaction).toBe(false);
    const replay = await feed(a, tx);
    expect(replay).toHaveLength(1);
    expect(replay[0]!.events.map((e) => e.source.position.version)).toEqual([
      100n << 22n,
      (100n << 22n) | 1n,
    ]);
  });

  it('keeps every domain in the checkpoint; the version uses the sequence of the transaction’s own domain', async () => {
    const b = new Binlog();
    const a = make();
    await feed(a, b.tx([rows('insert', 'items', [{ id: 1 }])]));
    const [c] = await feed(a, b.tx([rows('insert', 'items', [{ id: 2 }])], { domain: 1 }));
    expect(c!.position!.checkpoint.gtid).toBe('0-1-100,1-1-101');
    expect(c!.events[0]!.source.position.version >> 22n).toBe(101n);
  });

  describe('XA transactions', () => {
    const XID = "X'6b657074',X'6272616e6368',7";
    const prepare = { xid: XID, outcome: 'prepare' } as const;

    it('holds a prepared XA transaction and drops it at XA ROLLBACK; the checkpoint never passes the prepare', async () => {
      const b = new Binlog();
      const a = make();
      const [committed] = await feed(a, b.tx([rows('insert', 'items', [{ id: 1 }])])); // 0-1-100
      const [prepared] = await feed(
        a,
        b.tx([rows('insert', 'items', [{ id: 2 }, { id: 3 }])], { xa: prepare }),
      ); // 101
      expect(prepared!.events).toEqual([]);
      // held at the position before the prepare, which is the previous commit's (file and pos included)
      expect(prepared!.position!.checkpoint).toEqual(committed!.position!.checkpoint);
      expect(prepared!.reached).toBe('0-1-101');
      expect(a.heldXa).toEqual([XID]);
      const [other] = await feed(a, b.tx([rows('insert', 'orders', [{ id: 9 }])])); // 102
      expect(other!.events.map((e) => e.key)).toEqual([{ id: 9 }]);
      expect(other!.position!.checkpoint).toEqual({ gtid: '0-1-100', file: 'binlog.000001', pos: 1500 });
      expect(other!.reached).toBe('0-1-102');
      const [rolledBack] = await feed(a, b.tx([], { xa: { xid: XID, outcome: 'rollback' } })); // 103
      expect(rolledBack!.events).toEqual([]);
      expect(rolledBack!.position!.checkpoint).toEqual({ gtid: '0-1-103', file: 'binlog.000001', pos: 3000 });
      expect(a.heldXa).toEqual([]);
    });

    it('emits a held XA transaction at XA COMMIT, versioned by the COMMIT’s GTID', async () => {
      const b = new Binlog();
      const a = make();
      const chunks = await feed(a, [
        ...b.tx(
          [
            rows('insert', 'items', [{ id: 1, n: 'a' }]),
            rows('update', 'items', [{ before: { id: 1, n: 'a' }, after: { id: 1, n: 'b' } }]),
          ],
          { xa: prepare },
        ), // 0-1-100
        ...b.tx([rows('update', 'items', [{ before: { id: 5 }, after: { id: 5 } }])]), // 101
        ...b.tx([], { xa: { xid: XID, outcome: 'commit' } }), // 102
      ]);
      const [prepared, between, commit] = chunks as [AssembledChunk, AssembledChunk, AssembledChunk];
      expect(prepared.position!.checkpoint).toEqual({ gtid: '0-1-99' });
      expect(between.position!.checkpoint).toEqual({ gtid: '0-1-99' });
      expect(commit.events.map((e) => [e.op, e.key, e.transaction, e.source.position.version])).toEqual([
        ['c', { id: 1 }, { id: '0-1-102', order: 0 }, 102n << 22n],
        ['u', { id: 1 }, { id: '0-1-102', order: 1 }, (102n << 22n) | 1n],
      ]);
      // above the transaction committed between the prepare and the commit
      expect(commit.events[0]!.source.position.version).toBeGreaterThan(
        between.events[0]!.source.position.version,
      );
      expect(commit.position).toEqual({
        version: (102n << 22n) | MAX_SUB,
        checkpoint: { gtid: '0-1-102', file: 'binlog.000001', pos: 2500 },
        label: 'gtid 0-1-102',
      });
      expect(commit.gtid).toBe('0-1-102');
    });

    it('holds the checkpoint at the oldest of several undecided XA transactions', async () => {
      const b = new Binlog();
      const a = make();
      const other = "X'6f74686572',X'',1";
      await feed(a, b.tx([rows('insert', 'items', [{ id: 1 }])], { xa: prepare })); // 100
      await feed(a, b.tx([rows('insert', 'items', [{ id: 2 }])], { xa: { xid: other, outcome: 'prepare' } })); // 101
      const [c2] = await feed(a, b.tx([], { xa: { xid: other, outcome: 'commit' } })); // 102
      expect(c2!.events.map((e) => e.key)).toEqual([{ id: 2 }]);
      expect(c2!.position!.checkpoint).toEqual({ gtid: '0-1-99' });
      const [c1] = await feed(a, b.tx([], { xa: { xid: XID, outcome: 'commit' } })); // 103
      expect(c1!.events.map((e) => [e.key, e.source.position.version])).toEqual([[{ id: 1 }, 103n << 22n]]);
      expect(c1!.position!.checkpoint.gtid).toBe('0-1-103');
    });

    it('never splits a prepared XA transaction; it is split at XA COMMIT, the position on the last part', async () => {
      const a = make(new StubKeys(), 3);
      const b = new Binlog();
      const data = Array.from({ length: 7 }, (_, i) => ({ id: i }));
      const prepared = await feed(a, b.tx([rows('insert', 'items', data)], { xa: prepare }));
      expect(prepared.map((c) => c.events.length)).toEqual([0]);
      const commit = await feed(a, b.tx([], { xa: { xid: XID, outcome: 'commit' } }));
      expect(commit.map((c) => [c.events.length, c.position === undefined])).toEqual([
        [3, true],
        [3, true],
        [1, false],
      ]);
      expect(commit.flatMap((c) => c.events.map((e) => e.transaction!.order))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    });

    it('a reconnect keeps held XA transactions (their groups were complete)', async () => {
      const a = make();
      const b = new Binlog();
      await feed(a, b.tx([rows('insert', 'items', [{ id: 1 }])], { xa: prepare }));
      await feed(a, [{ kind: 'reconnected', from: '0-1-100', attempt: 1 }]);
      const [c] = await feed(a, b.tx([], { xa: { xid: XID, outcome: 'commit' } }));
      expect(c!.events.map((e) => e.key)).toEqual([{ id: 1 }]);
    });

    it('warns about an XA COMMIT whose prepare it never saw, and about an XA transaction undecided for long', async () => {
      const warnings: string[] = [];
      const a = new TransactionAssembler({
        tables: compileTableFilter(['shop.items']),
        metadata: new StubKeys(),
        onWarning: (w) => warnings.push(w),
      });
      const b = new Binlog();
      await feed(a, b.tx([], { xa: { xid: "X'6f6c64',X'',1", outcome: 'commit' } }));
      expect(warnings).toEqual([
        expect.stringMatching(
          /XA COMMIT X'6f6c64',X'',1 \(gtid 0-1-100\) decides a transaction prepared before/,
        ),
      ]);
      await feed(a, b.tx([rows('insert', 'items', [{ id: 1 }])], { xa: prepare, tsMs: 1_000_000 }));
      await feed(a, b.tx([rows('insert', 'items', [{ id: 2 }])], { tsMs: 1_030_000 }));
      await feed(a, b.tx([rows('insert', 'items', [{ id: 3 }])], { tsMs: 1_061_000 }));
      await feed(a, b.tx([rows('insert', 'items', [{ id: 4 }])], { tsMs: 1_120_000 }));
      expect(warnings.slice(1)).toEqual([
        `XA transaction ${XID} (prepared at gtid 0-1-101) is still undecided after 61 s: checkpoints stay at 0-1-100 until XA COMMIT or XA ROLLBACK (a restart re-reads from there)`,
      ]);
    });
  });
});
