import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { composeVersion } from '../../../src/core/change-event.js';
import { rng } from '../../../src/demo/seed-data.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { outboxDdl, outboxInsert } from '../../../src/sources/outbox/outbox-table.js';
import { diffTableAndIndex } from '../../helpers/compare.js';
import { MARIADB_PORT, rootConnection, uniqueName } from '../../helpers/stack.js';

/**
 * A real relay process (`node dist/cli/main.js run --no-api` with only an outbox pipeline) killed with
 * kill -9 while it ships batches, restarted each time, while an application keeps writing entity rows and
 * their outbox rows in the same transactions. Afterwards: documents equal rows, each document carries the
 * version of its key's last outbox row, and the shipped rows are pruned.
 */
const db = uniqueName('obx');
const pipeline = db.replaceAll('_', '-');
const index = `${db}_orders`;
const outboxTable = `${db}.syncline_outbox`;
const CHANGES = 10_000;
const BACKLOG = 3_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-outbox-crash-'));
const cli = path.resolve('dist/cli/main.js');
let child: ChildProcess | undefined;
let pool: mysql.Pool;
let search: SearchClient;

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
  const c = await rootConnection();
  await c.query(`CREATE DATABASE ${db}`);
  await c.end();
  pool = mysql.createPool({
    host: '127.0.0.1',
    port: MARIADB_PORT,
    user: 'root',
    database: db,
    connectionLimit: 4,
  });
  await pool.query(
    'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), status VARCHAR(16), note TEXT)',
  );
  await pool.query(outboxDdl(outboxTable));
  search = new SearchClient({ url: 'http://127.0.0.1:9200' });
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      stack: { manage: false },
      mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${db}` },
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
  await pool?.end();
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

describe('outbox relay crash recovery', () => {
  it('kill -9 mid-batch, restart: no loss, documents equal rows, versions = last outbox id, shipped rows pruned', async () => {
    const r = rng(29);
    /** order id → outbox id of its last change */
    const lastOutboxId = new Map<number, bigint>();
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
          // the outbox row: written in the same transaction, after the entity row (which it locks)
          const [rows] = await conn.query('SELECT * FROM orders WHERE id = ?', [id]);
          const row = (rows as Array<Record<string, unknown>>)[0] ?? null;
          const ins = outboxInsert(outboxTable, `${db}.orders`, op, { id }, op === 'd' ? null : row);
          const [res] = await conn.query(ins.sql, ins.params);
          lastOutboxId.set(id, BigInt((res as mysql.ResultSetHeader).insertId));
        }
        await conn.commit();
        done += 20;
      } finally {
        conn.release();
      }
    };
    // a backlog first, so the first kill lands while batches are in flight
    while (done < BACKLOG) await transaction();
    child = startRelay();
    const workload = (async () => {
      while (done < CHANGES) await transaction();
    })();
    let kills = 0;
    let killedMidShipping = 0;
    const killer = (async () => {
      await new Promise((res) => setTimeout(res, 2500));
      while (done < CHANGES || kills < 3) {
        const waiting = await count('SELECT COUNT(*) AS n FROM syncline_outbox');
        if (waiting > 0) killedMidShipping++;
        child!.kill('SIGKILL');
        kills++;
        await new Promise((res) => child!.once('exit', res));
        child = startRelay();
        await new Promise((res) => setTimeout(res, 2000 + Math.floor(r() * 2000)));
      }
    })();
    await Promise.all([workload, killer]);
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(killedMidShipping).toBeGreaterThanOrEqual(1);

    // after the last restart the relay ships the rest and prunes it
    const deadline = Date.now() + 120_000;
    while ((await count('SELECT COUNT(*) AS n FROM syncline_outbox')) > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 300));
    expect(await count('SELECT COUNT(*) AS n FROM syncline_outbox')).toBe(0);

    const mapping = (await MappingSet.load(pool, [{ table: `${db}.orders`, index }])).get(db, 'orders')!;
    const diff = await diffTableAndIndex(pool, mapping, search, index);
    console.log(
      `[outbox-crash] ${kills} kills (${killedMidShipping} with a backlog), ${done} changes, ${diff.rows} rows`,
    );
    expect({ missing: diff.missing.length, extra: diff.extra.length, stale: diff.stale.length }).toEqual({
      missing: 0,
      extra: 0,
      stale: 0,
    });
    const v = await versions();
    const wrong: string[] = [];
    for (const [id, version] of v) {
      const expected = composeVersion(lastOutboxId.get(Number(id))!, 0);
      if (version !== expected) wrong.push(`${id}: ${version} ≠ ${expected}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(
      await count(
        'SELECT COUNT(*) AS n FROM syncline.dead_letters WHERE pipeline = ' + pool.escape(pipeline),
      ),
    ).toBe(0);
  });
});
