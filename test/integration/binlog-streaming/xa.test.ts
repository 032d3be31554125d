import type mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { type CommitStamp, readCommitStamp, stampOf } from '../../../src/sdk/commit-stamp.js';
import { GtidState } from '../../../src/sources/mysql-binlog/streaming/gtid-state.js';
import { currentBinlogPosition } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { rootConnection, TEST_SOURCE } from '../../helpers/stack.js';
import { decideXa as decideXaOn } from '../../helpers/xa.js';
import { BINLOG_CONN, createDatabase, SourceRun } from './helpers.js';

/**
 * XA transactions on the real server. MariaDB 10.11 writes an XA transaction's rows at XA PREPARE (a GTID
 * group flagged "prepared XA", the rows, XA END, an XA_PREPARE event) and the decision later as a group of
 * its own ("XA COMMIT X'…'" / "XA ROLLBACK X'…'"); XA COMMIT … ONE PHASE is logged as a plain transaction.
 */
let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;
const runs: SourceRun[] = [];
/** XA ids a test prepared: rolled back after it if still pending, so a failure leaves no locks behind. */
const pending = new Set<string>();

function run(...args: ConstructorParameters<typeof SourceRun>): SourceRun {
  const r = new SourceRun(...args);
  runs.push(r);
  return r;
}

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_binlog_xa'));
  await conn.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50))');
});

afterEach(async () => {
  for (const xid of [...pending]) await decideXa(`XA ROLLBACK '${xid}'`, xid).catch(() => {});
  pending.clear();
});

afterAll(async () => {
  for (const r of runs) await r.stop();
  await drop();
});

/**
 * XA START … XA PREPARE on a connection of its own, closed afterwards (the prepared branch outlives it);
 * returns the prepare's commit stamp (GTID and version sequence).
 */
async function prepareXa(xid: string, statements: readonly string[]): Promise<CommitStamp> {
  const c = await rootConnection(db);
  try {
    await c.query(`XA START '${xid}'`);
    for (const s of statements) await c.query(s);
    await c.query(`XA END '${xid}'`);
    await c.query(`XA PREPARE '${xid}'`);
    pending.add(xid);
    return await readCommitStamp(c);
  } finally {
    await c.end();
  }
}

async function decideXa(sql: string, xid: string): Promise<CommitStamp> {
  const gtid = await decideXaOn(conn, sql);
  pending.delete(xid);
  // SELECT, not SHOW VARIABLES: that cuts a long MySQL GTID set at 1,024 characters
  const [[row]] = (await conn.query(
    TEST_SOURCE === 'mysql' ? 'SELECT @@GLOBAL.gtid_executed AS v' : 'SELECT @@GLOBAL.gtid_binlog_pos AS v',
  )) as unknown as [Array<{ v: string }>];
  return stampOf(gtid, row!.v);
}

const lastGtid = () => readCommitStamp(conn);

const keysOf = (evs: readonly ChangeEvent[]) => evs.map((e) => `${e.op} ${JSON.stringify(e.key)}`);
/** The version sequence of a committed transaction (docs/guarantees.md: transactions executed up to it). */
const seqOf = (stamp: CommitStamp) => stamp.seqNo;
/** The version sequence a checkpoint stands at: the count of transactions in its GTID state. */
const checkpointSeq = (r: SourceRun) =>
  r.lastPosition ? GtidState.parse(String(r.lastPosition.checkpoint.gtid ?? '')).count : -1n;

describe('XA transactions in the binlog', () => {
  it('XA ROLLBACK after XA PREPARE: the prepared rows are never emitted', async () => {
    const r = run({ tables: [`${db}.items`] }, await lastPositionNow());
    await prepareXa('xa_rb', [`INSERT INTO items VALUES (1, 'never committed'), (2, 'never committed')`]);
    await decideXa("XA ROLLBACK 'xa_rb'", 'xa_rb');
    await conn.query(`INSERT INTO items VALUES (3, 'marker')`);
    await r.waitFor((x) => x.events.some((e) => e.key.id === 3), 15_000, 'the marker row');
    expect(keysOf(r.events)).toEqual(['c {"id":3}']);
  });

  it('XA PREPARE then XA COMMIT: emitted at the commit, with versions above what committed in between', async () => {
    await conn.query(`INSERT INTO items VALUES (10, 'before')`);
    const r = run({ tables: [`${db}.items`] }, await lastPositionNow());
    const prepareGtid = await prepareXa('xa_ok', [
      `INSERT INTO items VALUES (11, 'xa row')`,
      `UPDATE items SET name = 'changed by xa' WHERE id = 10`,
    ]);
    await conn.query(`INSERT INTO items VALUES (12, 'committed while xa pending')`);
    const between = await lastGtid();
    await r.waitFor((x) => x.events.some((e) => e.key.id === 12), 15_000, 'the row committed in between');
    // still held: nothing of the XA transaction yet, and the checkpoint stays before its prepare
    expect(keysOf(r.events)).toEqual(['c {"id":12}']);
    expect(checkpointSeq(r)).toBeLessThan(seqOf(prepareGtid));

    const commitGtid = await decideXa("XA COMMIT 'xa_ok'", 'xa_ok');
    await r.waitFor((x) => x.events.some((e) => e.key.id === 11), 15_000, 'the XA rows');
    const xa = r.events.filter((e) => e.transaction?.id === commitGtid.gtid);
    expect(keysOf(xa)).toEqual(['c {"id":11}', 'u {"id":10}']);
    expect(xa.map((e) => e.after)).toEqual([
      { id: 11, name: 'xa row' },
      { id: 10, name: 'changed by xa' },
    ]);
    const mid = r.events.find((e) => e.key.id === 12)!;
    expect(mid.transaction?.id).toBe(between.gtid);
    for (const e of xa) {
      expect(e.source.position.version >> 22n).toBe(seqOf(commitGtid));
      expect(e.source.position.version > mid.source.position.version).toBe(true);
    }
    // decided: the checkpoint moves on past the commit
    await r.waitFor((x) => checkpointSeq(x) >= seqOf(commitGtid), 10_000, 'the checkpoint at the commit');
  });

  it('XA COMMIT … ONE PHASE commits at once', async () => {
    const r = run({ tables: [`${db}.items`] }, await lastPositionNow());
    const c = await rootConnection(db);
    try {
      await c.query("XA START 'xa_one'");
      await c.query(`INSERT INTO items VALUES (20, 'one phase')`);
      await c.query("XA END 'xa_one'");
      await c.query("XA COMMIT 'xa_one' ONE PHASE");
    } finally {
      await c.end();
    }
    await r.waitFor((x) => x.events.some((e) => e.key.id === 20), 15_000, 'the one-phase row');
    expect(keysOf(r.events)).toEqual(['c {"id":20}']);
  });

  it('a restart while an XA transaction is prepared re-reads its prepare from the held checkpoint', async () => {
    const first = run({ tables: [`${db}.items`] }, await lastPositionNow());
    const prepareGtid = await prepareXa('xa_restart', [
      `INSERT INTO items VALUES (30, 'prepared before the restart')`,
    ]);
    await conn.query(`INSERT INTO items VALUES (31, 'after the prepare')`);
    await first.waitFor((x) => x.events.some((e) => e.key.id === 31), 15_000, 'the row after the prepare');
    expect(first.events.some((e) => e.key.id === 30)).toBe(false);
    expect(checkpointSeq(first)).toBeLessThan(seqOf(prepareGtid));
    const checkpoint = first.lastPosition!;
    await first.stop();

    const second = run({ tables: [`${db}.items`] }, checkpoint);
    const commitGtid = await decideXa("XA COMMIT 'xa_restart'", 'xa_restart');
    await second.waitFor(
      (x) => x.events.some((e) => e.key.id === 30),
      15_000,
      'the XA row after the restart',
    );
    const xa = second.events.filter((e) => e.key.id === 30);
    expect(xa.map((e) => [e.op, e.transaction?.id])).toEqual([['c', commitGtid.gtid]]);
  });
});

/** The server's current end as a start position. */
async function lastPositionNow() {
  return currentBinlogPosition(BINLOG_CONN);
}
