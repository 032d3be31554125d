import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { VERSION_SUB_BITS } from '../../../src/core/change-event.js';
import { rng } from '../../../src/demo/seed-data.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { outboxDdl, outboxInsert } from '../../../src/sources/outbox/outbox-table.js';
import { diffTableAndIndex } from '../../helpers/compare.js';
import { FaultProxy, type ProxyRequest } from '../../helpers/fault-proxy.js';
import { createDatabasePool, SOURCE_PORT, uniqueName } from '../../helpers/stack.js';

/**
 * A real relay process (`node dist/cli/main.js run --no-api` with only an outbox pipeline) killed with
 * kill -9 while it ships a batch, restarted each time, while an application keeps writing entity rows and
 * their outbox rows in the same transactions. Each kill is made to land mid-shipping: the relay reaches
 * the engine through a fault proxy that holds one `_bulk` (rows read and handed to the sink, its answer
 * not back, so the batch can be neither acknowledged nor pruned), and the kill comes while it is held.
 * Afterwards: documents equal rows, versions come from the relay's sequence, which grew across the
 * restarts, and the shipped rows are pruned.
 */
const db = uniqueName('obx');
const pipeline = db.replaceAll('_', '-');
const index = `${db}_orders`;
const outboxTable = `${db}.syncline_outbox`;
const CHANGES = 6_000;
const BACKLOG = 3_000;
const KILLS = 4;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-outbox-crash-'));
const cli = path.resolve('dist/cli/main.js');
let child: ChildProcess | undefined;
let pool: mysql.Pool;
let search: SearchClient;
let proxy: FaultProxy;

function startRelay(): ChildProcess {
  const out = openSync(path.join(dir, 'relay.log'), 'a');
  return spawn(process.execPath, [cli, '-c', path.join(dir, 'syncline.yaml'), 'run', '--no-api'], {
    stdio: ['ignore', out, out],
  });
}

async function count(sql: string): Promise<number> {
  const [rows] = await pool.query(sql);
  return Number((rows as Array<{ n: string }>)[0]!.n);
}

beforeAll(async () => {
  pool = await createDatabasePool(db);
  await pool.query(
    'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), status VARCHAR(16), note TEXT)',
  );
  await pool.query(outboxDdl(outboxTable));
  search = new SearchClient({ url: 'http://127.0.0.1:9200' });
  proxy = await FaultProxy.start();
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      stack: { manage: false },
      mysql: { url: `mysql://root@127.0.0.1:${SOURCE_PORT}/${db}` },
      search: { url: proxy.url },
      mappings: [{ table: `${db}.orders`, index }],
      // only the relay: no binlog pipeline, no catalog
      pipelines: [
        {
          name: pipeline,
          source: {
            type: 'outbox',
            outboxTable,
            tables: [`${db}.orders`],
            batchSize: 200,
            pollIntervalMs: 50,
          },
        },
      ],
      sink: { batch: { lingerMs: 10, maxDocs: 200 } },
      logLevel: 'warn',
    }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await pool?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
  await pool?.query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [pipeline]).catch(() => {});
  await pool?.query('DELETE FROM syncline.dead_letters WHERE pipeline = ?', [pipeline]).catch(() => {});
  await pool
    ?.query('DELETE FROM syncline.outbox_sequences WHERE outbox_table = ?', [outboxTable])
    .catch(() => {});
  await pool?.end();
  await proxy?.close();
  await search?.request('DELETE', `/${index}_v1`).catch(() => {});
  await search?.close();
});

/** Every document's `_version`, by id. */
async function versions(): Promise<Map<string, bigint>> {
  await search.request('POST', `/${index}/_refresh`);
  const out = new Map<string, bigint>();
  let after: unknown[] | undefined;
  for (;;) {
    const r = await search.request<{
      hits: { hits: Array<{ _id: string; _version: number; sort: unknown[] }> };
    }>('POST', `/${index}/_search`, {
      size: 5000,
      version: true,
      _source: false,
      sort: [{ _id: 'asc' }],
      ...(after && { search_after: after }),
    });
    const hits = r.body.hits.hits;
    for (const h of hits) out.set(h._id, BigInt(h._version));
    if (hits.length < 5000) return out;
    after = hits[hits.length - 1]!.sort;
  }
}

/** The relay's version sequence as committed in the database. */
async function sequence(): Promise<bigint> {
  const [rows] = await pool.query('SELECT seq FROM syncline.outbox_sequences WHERE outbox_table = ?', [
    outboxTable.toLowerCase(),
  ]);
  return BigInt(String((rows as Array<{ seq: string | number }>)[0]?.seq ?? 0));
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('outbox relay crash recovery', () => {
  it('kill -9 mid-shipping, restart: no loss, documents equal rows, versions from a sequence that grows, shipped rows pruned', async () => {
    const r = rng(29);
    let nextId = 1;
    let done = 0;
    const transaction = async () => {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        for (let i = 0; i < 20; i++) {
          const p = r();
          const existing = nextId > 1 ? 1 + Math.floor(r() * (nextId - 1)) : 0;
          let id: number;
          let op: 'u' | 'd';
          if (p < 0.45 || existing === 0) {
            id = nextId++;
            await conn.query('INSERT INTO orders VALUES (?, ?, ?, ?, ?)', [
              id,
              `客户 ${id}`,
              1.5,
              'new',
              'n'.repeat(40),
            ]);
            op = 'u';
          } else if (p < 0.9) {
            id = existing;
            const [res] = await conn.query('UPDATE orders SET total = total + 1, status = ? WHERE id = ?', [
              `s${i}`,
              id,
            ]);
            if ((res as mysql.ResultSetHeader).affectedRows === 0) continue;
            op = 'u';
          } else {
            id = existing;
            const [res] = await conn.query('DELETE FROM orders WHERE id = ?', [id]);
            if ((res as mysql.ResultSetHeader).affectedRows === 0) continue;
            op = 'd';
          }
          // the outbox row: written in the same transaction as the entity row
          const [rows] = await conn.query('SELECT * FROM orders WHERE id = ?', [id]);
          const row = (rows as Array<Record<string, unknown>>)[0] ?? null;
          const ins = outboxInsert(outboxTable, `${db}.orders`, op, { id }, op === 'd' ? null : row);
          await conn.query(ins.sql, ins.params);
        }
        await conn.commit();
        done += 20;
      } finally {
        conn.release();
      }
    };
    // a backlog first, so there is something to ship from the first start on
    while (done < BACKLOG) await transaction();
    child = startRelay();
    let kills = 0;
    let failed = false;
    // the application keeps writing until the last kill, so every run of the relay has rows to ship
    const workload = (async () => {
      while (!failed && (done < CHANGES || kills < KILLS)) await transaction();
    })();
    let killedMidShipping = 0;
    const sequences: bigint[] = [];
    const killer = (async () => {
      while (kills < KILLS) {
        // this run has shipped a few batches (bulk answers came back through the proxy) …
        const mark = proxy.requests.length;
        await waitFor('the restarted relay to ship', () =>
          proxy.bulkRequests().filter((q) => q.seq >= mark && q.status === 200).length >= 3
            ? true
            : undefined,
        );
        // … then the next `_bulk` is held: the relay has read those rows and handed them to the sink,
        // and without the answer the batch can be neither acknowledged nor pruned
        const from = proxy.requests.length;
        proxy.addRule({ times: 1, fault: { type: 'delay', ms: 120_000, forward: true } });
        const held: ProxyRequest = await waitFor('a held _bulk', () =>
          proxy.bulkRequests().find((q) => q.seq >= from && q.fault === 'delay'),
        );
        const midShipping = held.status === undefined && held.ids.length > 0;
        const gone = new Promise((res) => child!.once('exit', res));
        child!.kill('SIGKILL');
        await gone;
        kills++;
        if (midShipping) killedMidShipping++;
        sequences.push(await sequence());
        proxy.clearRules();
        child = startRelay();
      }
    })().catch((e) => {
      failed = true;
      throw e;
    });
    await Promise.all([workload, killer]);
    expect(kills).toBe(KILLS);
    // every kill landed while a batch was read and handed to the sink and not yet answered
    expect(killedMidShipping).toBe(KILLS);

    // after the last restart the relay ships the rest and prunes it
    const deadline = Date.now() + 120_000;
    while ((await count('SELECT COUNT(*) AS n FROM syncline_outbox')) > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 300));
    expect(await count('SELECT COUNT(*) AS n FROM syncline_outbox')).toBe(0);

    const mapping = (await MappingSet.load(pool, [{ table: `${db}.orders`, index }])).get(db, 'orders')!;
    const diff = await diffTableAndIndex(pool, mapping, search, index);
    console.log(
      `[outbox-crash] ${kills} kills (${killedMidShipping} mid-shipping), ${done} changes, ${diff.rows} rows`,
    );
    expect({ missing: diff.missing.length, extra: diff.extra.length, stale: diff.stale.length }).toEqual({
      missing: 0,
      extra: 0,
      stale: 0,
    });
    // the sequence is committed before use, so each restart went on above the last run's values
    sequences.push(await sequence());
    for (let i = 1; i < sequences.length; i++) expect(sequences[i]!).toBeGreaterThan(sequences[i - 1]!);
    // every document carries a version taken from it
    const last = sequences[sequences.length - 1]!;
    const beyond = [...(await versions())].filter(([, v]) => v >> VERSION_SUB_BITS > last);
    expect(beyond.slice(0, 5)).toEqual([]);
    // no dead letter: the table is created with the first one, so a server without it has none
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM syncline.dead_letters WHERE pipeline = ' + pool.escape(pipeline),
      ).catch((e: { code?: string }) => (e.code === 'ER_NO_SUCH_TABLE' ? 0 : Promise.reject(e))),
    ).toBe(0);
  }, 300_000);
});
