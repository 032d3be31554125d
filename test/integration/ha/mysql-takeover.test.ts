import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockName } from '../../../src/ha/leader-lock.js';
import { Worker } from '../../chaos/workers.js';
import { MYSQL_PORT, rootConnection, SEARCH_URL, searchClient, uniqueName } from '../../helpers/stack.js';

/**
 * HA on MySQL 9.7 (the "mysql" project only): two real `syncline run` workers over one binlog pipeline;
 * kill -9 of the active one, twice (each worker in turn). MySQL frees a named lock when its connection
 * dies, as MariaDB does: the standby holds the lock (a newer fencing token, IS_USED_LOCK names its
 * connection) within 5 s and ships the next change; the killed worker comes back as standby.
 */
const db = uniqueName('t_myha');
const internal = uniqueName('t_myhai');
const index = `${db}_items`;
const search = searchClient();
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-mysql-ha-'));
let conn: mysql.Connection;
const workers: Worker[] = [];

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function leader(): Promise<{ holder: string; token: number; lockConnection: number | null }> {
  const [rows] = await conn.query(
    `SELECT holder, token, IS_USED_LOCK(?) AS c FROM \`${internal}\`.leaders WHERE pipeline = 'items'`,
    [lockName(internal, 'items')],
  );
  const r = (rows as Array<{ holder: string; token: string; c: string | null }>)[0]!;
  return { holder: r.holder, token: Number(r.token), lockConnection: r.c === null ? null : Number(r.c) };
}

const inIndex = (id: number, name: string) =>
  until(`item ${id} = ${name} in the index`, 30_000, async () => {
    const r = await search.request<{ _source?: { name?: string } }>('GET', `/${index}/_doc/${id}`);
    return r.body._source?.name === name ? true : undefined;
  });

beforeAll(async () => {
  if (!existsSync(path.resolve('dist/cli/main.js'))) throw new Error('run `npm run -s build` first');
  conn = await rootConnection();
  await conn.query(`CREATE DATABASE ${db}`);
  await conn.query(`CREATE TABLE ${db}.items (id INT PRIMARY KEY, name VARCHAR(50))`);
  await conn.query(`INSERT INTO ${db}.items VALUES (1, 'one')`);
  const config = {
    stack: { manage: false },
    demo: false,
    mysql: { url: `mysql://root@127.0.0.1:${MYSQL_PORT}/${db}` },
    search: { url: SEARCH_URL },
    internalDatabase: internal,
    mappings: [{ table: `${db}.items`, index }],
    pipelines: [{ name: 'items', source: { type: 'mysql-binlog', tables: [`${db}.items`] } }],
    sink: { batch: { lingerMs: 10 } },
    server: { shutdownGraceMs: 2000 },
    logLevel: 'info',
  };
  const on = (serverId: number) => ({ ...config, mysql: { ...config.mysql, serverId } });
  workers.push(new Worker('my-a', 18_941, dir, on(7401)), new Worker('my-b', 18_942, dir, on(7402)));
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await conn?.query(`DROP DATABASE IF EXISTS ${db}`);
  await conn?.query(`DROP DATABASE IF EXISTS ${internal}`);
  await conn?.end();
  await search.request('DELETE', `/${index}_v1`).catch(() => {});
  await search.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HA on MySQL 9.7: GET_LOCK leadership', () => {
  it('kill -9 of the active worker: the standby takes over within 5 s and ships; twice', async () => {
    const [a, b] = workers as [Worker, Worker];
    a.start();
    await until('my-a active', 60_000, async () => ((await a.ha())?.role === 'active' ? true : undefined));
    await inIndex(1, 'one');
    b.start();
    await until('my-b standby naming my-a', 60_000, async () => {
      const v = await b.ha();
      return v?.role === 'standby' && v.leader?.holder === 'my-a' ? true : undefined;
    });

    let next = 2;
    for (const [active, standby] of [
      [a, b],
      [b, a],
    ] as const) {
      const before = await leader();
      expect(before.holder).toBe(active.id);
      expect(before.lockConnection).not.toBeNull();
      const t0 = Date.now();
      expect(await active.kill()).toBe('SIGKILL'); // the kill landed
      const after = await until(`${standby.id} holds the lock`, 15_000, async () => {
        const l = await leader();
        return l.holder === standby.id && l.token > before.token ? l : undefined;
      });
      const takeoverMs = Date.now() - t0;
      // the server freed the dead connection's lock; the new holder's connection has it now
      expect(after.lockConnection).not.toBeNull();
      expect(after.lockConnection).not.toBe(before.lockConnection);
      expect(takeoverMs).toBeLessThanOrEqual(5_000);
      await conn.query(`INSERT INTO ${db}.items VALUES (?, ?)`, [next, `after-kill-${next}`]);
      await inIndex(next, `after-kill-${next}`);
      console.log(`[ha mysql] kill -9 of ${active.id}: ${standby.id} took the lock after ${takeoverMs} ms`);
      next++;
      active.start(); // back as standby, naming the new leader
      await until(`${active.id} standby naming ${standby.id}`, 60_000, async () => {
        const v = await active.ha();
        return v?.role === 'standby' && v.leader?.holder === standby.id ? true : undefined;
      });
    }
    expect(workers.flatMap((w) => w.unexpectedExits)).toEqual([]);
  }, 240_000);
});
