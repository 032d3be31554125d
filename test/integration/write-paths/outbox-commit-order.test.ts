import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeVersion } from '../../../src/core/change-event.js';
import { type Clients, createClients } from '../../../src/runtime/clients.js';
import { PipelineRunner } from '../../../src/runtime/pipeline-runner.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { outboxDdl, outboxInsert } from '../../../src/sources/outbox/outbox-table.js';
import { createDatabasePool, SOURCE_PORT, testConfig, uniqueName } from '../../helpers/stack.js';

/**
 * Outbox versions follow the commits, whatever the order of statements in the writing transactions
 * (docs/outbox.md#versions). The hazard: T2 inserts its outbox row first (id 2), then blocks on the entity
 * row T1 holds; T1 inserts its outbox row (id 3) and commits; T2 commits the newer state under the lower
 * id. Versioned by outbox id, T1's older state wins and T2's is refused as stale.
 */
const db = uniqueName('obxo');
const index = `${db}_orders`;
const outboxTable = `${db}.syncline_outbox`;
let pool: mysql.Pool;
let search: SearchClient;
const pipelines: string[] = [];

beforeAll(async () => {
  pool = await createDatabasePool(db);
  await pool.query('CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(32) NOT NULL)');
  await pool.query(outboxDdl(outboxTable));
  search = new SearchClient({ url: 'http://127.0.0.1:9200' });
});
afterAll(async () => {
  await pool?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
  for (const p of pipelines) {
    await pool?.query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [p]).catch(() => {});
    await pool?.query('DELETE FROM syncline.dead_letters WHERE pipeline = ?', [p]).catch(() => {});
  }
  await pool
    ?.query('DELETE FROM syncline.outbox_sequences WHERE outbox_table = ?', [outboxTable])
    .catch(() => {});
  await pool?.end();
  await search?.request('DELETE', `/${index}_v1`).catch(() => {});
  await search?.close();
});

/** An in-process relay over the outbox (what `syncline run --no-api` runs for a `type: outbox` pipeline). */
async function startRelay(batchSize: number): Promise<{ runner: PipelineRunner; clients: Clients }> {
  const name = `${db}-relay-${pipelines.length}`.replaceAll('_', '-');
  pipelines.push(name);
  const config = testConfig({
    mysql: { url: `mysql://root@127.0.0.1:${SOURCE_PORT}/${db}` },
    mappings: [{ table: `${db}.orders`, index }],
    pipelines: [
      {
        name,
        source: { type: 'outbox', outboxTable, tables: [`${db}.orders`], batchSize, pollIntervalMs: 50 },
      },
    ],
    sink: { batch: { lingerMs: 5 } },
    logLevel: 'warn',
  });
  const clients = createClients(config);
  const runner = new PipelineRunner(config, clients, search, pino({ level: 'silent' }));
  await runner.start();
  return { runner, clients };
}

async function stopRelay(r: { runner: PipelineRunner; clients: Clients }): Promise<void> {
  await r.runner.stop();
  await r.clients.close();
}

async function outboxLeft(): Promise<number> {
  const [rows] = await pool.query('SELECT COUNT(*) AS n FROM syncline_outbox');
  return Number((rows as Array<{ n: string | number }>)[0]!.n);
}

/** Waits (bounded) until the relay has shipped and pruned every outbox row. */
async function drained(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await outboxLeft()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await outboxLeft()).toBe(0);
}

/** The row as the database has it now (the expected document content). */
async function row(id: number): Promise<{ id: number; status: string } | undefined> {
  const [rows] = await pool.query('SELECT id, status FROM orders WHERE id = ?', [id]);
  return (rows as Array<{ id: number; status: string }>)[0];
}

async function doc(id: number): Promise<{ source?: Record<string, unknown>; version?: bigint }> {
  const r = await search.request<{ found: boolean; _source?: Record<string, unknown>; _version?: number }>(
    'GET',
    `/${index}/_doc/${id}`,
  );
  return r.body.found ? { source: r.body._source!, version: BigInt(r.body._version!) } : {};
}

/** The outbox row of a change, inserted on `conn` (inside its transaction); returns its id. */
async function notify(
  conn: mysql.Connection | mysql.Pool,
  id: number,
  op: 'u' | 'd',
  payload: Record<string, unknown> | null,
): Promise<bigint> {
  const ins = outboxInsert(outboxTable, `${db}.orders`, op, { id }, payload);
  const [res] = await conn.query(ins.sql, ins.params);
  return BigInt((res as mysql.ResultSetHeader).insertId);
}

const connect = () =>
  mysql.createConnection({ host: '127.0.0.1', port: SOURCE_PORT, user: 'root', database: db });

/**
 * Waits (bounded) until the connection's transaction waits for a row lock. INNODB_TRX is a cache the
 * server refreshes only when it was last read more than 100 ms ago (InnoDB's trx_i_s cache): polled
 * faster, it keeps showing the transactions of its first fill and the wait is never seen — so 250 ms.
 */
async function lockWaiting(conn: mysql.Connection, statement: { settled?: string }): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (statement.settled) throw new Error(`the blocked statement ended instead: ${statement.settled}`);
    const [rows] = await pool.query(
      'SELECT trx_state AS s FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ?',
      [conn.threadId],
    );
    if ((rows as Array<{ s: string }>)[0]?.s === 'LOCK WAIT') return;
    if (Date.now() > deadline) throw new Error(`connection ${conn.threadId} never waited for the row lock`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The interleaving of the hazard, on one entity row: returns the two outbox ids. T1 updates (takes the
 * row lock) and writes its outbox row after; T2 writes its outbox row first, then blocks on the lock
 * until T1 committed, and commits the newer state.
 */
async function outboxIdsAgainstCommitOrder(id: number, older: string, newer: string) {
  const t1 = await connect();
  const t2 = await connect();
  try {
    await t1.beginTransaction();
    await t1.query('UPDATE orders SET status = ? WHERE id = ?', [older, id]);
    await t2.beginTransaction();
    const t2Outbox = await notify(t2, id, 'u', { id, status: newer });
    const blocked: { settled?: string } = {};
    const t2Update = t2.query('UPDATE orders SET status = ? WHERE id = ?', [newer, id]);
    t2Update.then(
      () => (blocked.settled = 'it succeeded without waiting'),
      (e: Error) => (blocked.settled = `it failed: ${e.message}`),
    );
    await lockWaiting(t2, blocked);
    const t1Outbox = await notify(t1, id, 'u', { id, status: older });
    await t1.commit();
    await t2Update;
    await t2.commit();
    return { t1Outbox, t2Outbox };
  } finally {
    await t1.end();
    await t2.end();
  }
}

describe('outbox versions follow commit order', () => {
  it.each([
    [1, 500],
    [2, 1],
  ])(
    'entity %i: a transaction that wrote its outbox row before the row lock (batchSize %i)',
    async (id, batchSize) => {
      await pool.query('INSERT INTO orders VALUES (?, ?)', [id, 'created']);
      await notify(pool, id, 'u', { id, status: 'created' });
      const { t1Outbox, t2Outbox } = await outboxIdsAgainstCommitOrder(id, 'older (T1)', 'newer (T2)');
      // the precondition: ids run opposite to the commit order
      expect(t2Outbox).toBeLessThan(t1Outbox);
      expect(await row(id)).toEqual({ id, status: 'newer (T2)' });

      const relay = await startRelay(batchSize);
      try {
        await drained();
        expect((await doc(id)).source).toEqual({ id, status: 'newer (T2)' });
      } finally {
        await stopRelay(relay);
      }
    },
  );

  it('replayed and hand-written rows: a row is indexed as it is when shipped, a gone row is deleted', async () => {
    await pool.query('INSERT INTO orders VALUES (10, ?), (11, ?)', ['ten', 'eleven']);
    // a stale replay of an old change, a row without payload, and a notification of a delete
    await notify(pool, 10, 'u', { id: 10, status: 'an old state' });
    await notify(pool, 11, 'u', null);
    await pool.query('DELETE FROM orders WHERE id = 2');
    await notify(pool, 2, 'd', null);
    // a 'd' notification of a row that exists again: the row wins
    await pool.query("UPDATE orders SET status = 'back' WHERE id = 1");
    await notify(pool, 1, 'd', null);
    const relay = await startRelay(500);
    try {
      await drained();
    } finally {
      await stopRelay(relay);
    }
    expect((await doc(10)).source).toEqual(await row(10));
    expect((await doc(11)).source).toEqual(await row(11));
    expect((await doc(1)).source).toEqual({ id: 1, status: 'back' });
    expect(await doc(2)).toEqual({});
  });

  it('versions keep growing across relay restarts and above ids an id-versioning relay wrote', async () => {
    // a document written by a relay that versioned with the outbox id (before this design) at id 5000
    await pool.query("INSERT INTO orders VALUES (20, 'new')");
    await search.request(
      'PUT',
      `/${index}/_doc/20?version=${composeVersion(5000n, 0)}&version_type=external`,
      {
        id: 20,
        status: 'written by an id-versioning relay',
      },
    );
    await pool.query('ALTER TABLE syncline_outbox AUTO_INCREMENT = 5001');
    await pool.query('DELETE FROM syncline.outbox_sequences WHERE outbox_table = ?', [outboxTable]);
    for (let round = 1; round <= 3; round++) {
      await pool.query('UPDATE orders SET status = ? WHERE id = 20', [`round ${round}`]);
      await notify(pool, 20, 'u', null);
      const relay = await startRelay(500);
      try {
        await drained();
      } finally {
        await stopRelay(relay);
      }
      expect((await doc(20)).source, `round ${round}`).toEqual({ id: 20, status: `round ${round}` });
    }
  });
});
