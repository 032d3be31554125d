import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynclineService } from '../../../src/service/service.js';
import { MARIADB_PORT, SEARCH_URL, searchClient, testConfig, uniqueName } from '../../helpers/stack.js';
import { freePort } from '../admin/service-harness.js';

/**
 * Two `syncline run` services (in this process) with ha.enabled over one pipeline: one is active, the other
 * standby, and both say so in /readyz, /api/admin/ha and the metrics; stopping the active one hands the
 * pipeline over within 5 s and the new leader ships the next change and counts a failover.
 */
const db = uniqueName('t_ha');
const internal = uniqueName('t_hai');
const index = `${db}_items`;
const TOKEN = 'ha-test-token-4711';
const search = searchClient();
let pool: mysql.Pool;
const services: Record<string, { service: SynclineService; url: string }> = {};

async function worker(id: string, serverId: number): Promise<void> {
  const port = await freePort();
  const config = testConfig({
    stack: { manage: false },
    mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${db}`, serverId },
    search: { url: SEARCH_URL },
    server: { host: '127.0.0.1', port, adminToken: TOKEN, shutdownGraceMs: 2000 },
    internalDatabase: internal,
    mappings: [{ table: `${db}.items`, index }],
    pipelines: [{ name: 'items', source: { type: 'mysql-binlog', tables: [`${db}.items`] } }],
    sink: { batch: { lingerMs: 10 } },
    // in this process the lock pings from the test runner's busy main thread (the lock thread runs only
    // from dist/): a long session keeps it from flapping; timing is the chaos suite's and leader-lock's job
    ha: { enabled: true, workerId: id, sessionTimeoutMs: 15_000 },
    logLevel: 'warn',
  });
  const service = new SynclineService(config, pino({ level: 'warn' }));
  await service.start();
  services[id] = { service, url: `http://127.0.0.1:${port}` };
}

async function get(id: string, path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${services[id]!.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, text };
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const role = async (id: string) =>
  ((await get(id, '/readyz')).body as { ha?: { role: string; leader?: { holder: string } } }).ha;

const inIndex = (id: number, name: string) =>
  eventually(`item ${id} = ${name} in the index`, 30_000, async () => {
    const r = await search.request<{ _source?: { name?: string } }>('GET', `/${index}/_doc/${id}`);
    return r.body._source?.name === name ? true : undefined;
  });

const metric = async (id: string, name: string) => {
  const line = (await get(id, '/metrics')).text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

beforeAll(async () => {
  pool = mysql.createPool({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root', connectionLimit: 2 });
  await pool.query(`CREATE DATABASE ${db}`);
  await pool.query(`CREATE TABLE ${db}.items (id INT PRIMARY KEY, name VARCHAR(50))`);
  await pool.query(`INSERT INTO ${db}.items VALUES (1, 'one')`);
});

afterAll(async () => {
  for (const { service } of Object.values(services)) await service.stop().catch(() => {});
  await pool.query(`DROP DATABASE IF EXISTS ${db}`);
  await pool.query(`DROP DATABASE IF EXISTS ${internal}`);
  await pool.end();
  await search.request('DELETE', `/${index}_v1`).catch(() => {});
  await search.close();
});

describe('two workers with ha.enabled', () => {
  it('one active, one standby, visible everywhere; stopping the active one hands over within 5 s', async () => {
    await worker('ha-a', 71001);
    await eventually('ha-a active', 30_000, async () =>
      (await role('ha-a'))?.role === 'active' ? true : undefined,
    );
    await inIndex(1, 'one');
    await worker('ha-b', 71002);
    const b = await eventually('ha-b standby naming ha-a', 30_000, async () => {
      const v = await role('ha-b');
      return v?.role === 'standby' && v.leader?.holder === 'ha-a' ? v : undefined;
    });
    expect(b.leader?.holder).toBe('ha-a');

    const admin = await get('ha-a', '/api/admin/ha');
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ role: 'active', worker: 'ha-a', leader: { holder: 'ha-a' } });
    const list = (await get('ha-b', '/api/admin/pipelines')).body as { pipelines: unknown[]; ha: object };
    expect(list.ha).toMatchObject({ role: 'standby', worker: 'ha-b' });
    expect(list.pipelines).toEqual([]); // the pipelines run on the leader
    expect(await metric('ha-a', 'syncline_leader')).toBe(1);
    expect(await metric('ha-b', 'syncline_leader')).toBe(0);

    // the active one goes away (a graceful stop releases the lock at once)
    await services['ha-a']!.service.stop();
    const t0 = Date.now();
    await eventually('ha-b active', 10_000, async () =>
      (await role('ha-b'))?.role === 'active' ? true : undefined,
    );
    const takeoverMs = Date.now() - t0;
    expect(takeoverMs).toBeLessThan(5000);
    await pool.query(`UPDATE ${db}.items SET name = 'uno' WHERE id = 1`);
    await pool.query(`INSERT INTO ${db}.items VALUES (2, 'two')`);
    await inIndex(1, 'uno');
    await inIndex(2, 'two');
    expect(await metric('ha-b', 'syncline_failovers_total')).toBe(1);
    expect(await metric('ha-b', 'syncline_leader')).toBe(1);
    console.log(`[ha] graceful hand-over: ha-b active ${takeoverMs} ms after ha-a stopped`);
  }, 120_000);
});
