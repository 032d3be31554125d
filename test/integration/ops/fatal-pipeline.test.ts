import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynclineService } from '../../../src/service/service.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import {
  rootConnection,
  SEARCH_URL,
  SOURCE_PORT,
  TEST_SOURCE,
  testConfig,
  uniqueName,
} from '../../helpers/stack.js';
import { freePort } from '../admin/service-harness.js';

/**
 * A pipeline that stops on a fatal error is visible: `run --no-api` exits non-zero with the error and its
 * fix (it used to stay up doing nothing), and with the API /readyz answers 503 naming the pipeline and the
 * error. The fault is real: once the pipeline streams, its user loses REPLICATION SLAVE and its binlog dump
 * connection is killed, so the reconnect is refused (access denied: not worth a retry).
 */
const db = uniqueName('t_fatal');
const user = uniqueName('fatal');
const password = 'fatal-pw-1';
const search = new SearchClient({ url: SEARCH_URL });
let root: mysql.Connection;
const dir = mkdtempSync(path.join(tmpdir(), 'syncline-fatal-'));

function configFor(pipeline: string, extra: Record<string, unknown> = {}) {
  return {
    stack: { manage: false },
    mysql: {
      url: `mysql://${user}:${password}@127.0.0.1:${SOURCE_PORT}/${db}`,
      serverId: 80000 + Math.floor(Math.random() * 5000),
    },
    search: { url: SEARCH_URL },
    mappings: [{ table: `${db}.items`, index: `${db}_${pipeline}`.replaceAll('-', '_') }],
    pipelines: [
      { name: pipeline, source: { type: 'mysql-binlog', tables: [`${db}.items`], heartbeatMs: 500 } },
    ],
    sink: { batch: { lingerMs: 10 } },
    logLevel: 'warn',
    ...extra,
  };
}

async function count(index: string): Promise<number> {
  const r = await search.request<{ count?: number }>('GET', `/${index}/_count`).catch(() => undefined);
  return r?.body.count ?? -1;
}

async function waitFor(
  what: string,
  cond: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Once the pipeline streams: the user loses REPLICATION SLAVE and its binlog dump connection is killed. */
async function breakReplication(): Promise<void> {
  await root.query(`REVOKE REPLICATION SLAVE ON *.* FROM '${user}'@'127.0.0.1'`);
  const [dumps] = (await root.query(
    "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND LIKE 'Binlog Dump%'",
    [user],
  )) as unknown as [Array<{ id: number }>];
  expect(dumps.length).toBeGreaterThan(0); // the precondition: it was streaming
  for (const d of dumps) await root.query(`KILL ${d.id}`).catch(() => {});
}

async function grantAll(): Promise<void> {
  const monitor = TEST_SOURCE === 'mysql' ? 'REPLICATION CLIENT' : 'BINLOG MONITOR';
  await root.query(`GRANT SELECT, RELOAD, REPLICATION SLAVE, ${monitor} ON *.* TO '${user}'@'127.0.0.1'`);
}

beforeAll(async () => {
  root = await rootConnection();
  await root.query(`CREATE DATABASE ${db}`);
  await root.query(`CREATE TABLE ${db}.items (id INT PRIMARY KEY, name VARCHAR(40))`);
  await root.query(`INSERT INTO ${db}.items VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
  await root.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
  await root.query(`GRANT ALL ON ${db}.* TO '${user}'@'127.0.0.1'`);
  await root.query(`GRANT ALL ON syncline.* TO '${user}'@'127.0.0.1'`);
});

afterAll(async () => {
  await root.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`).catch(() => {});
  await root.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
  await root.query('DELETE FROM syncline.checkpoints WHERE pipeline LIKE ?', [`${db}%`]).catch(() => {});
  await root.end();
  await search.request('DELETE', `/${db}_*`).catch(() => {});
  await search.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a pipeline that stops on a fatal error', () => {
  it('`run --no-api` exits non-zero and prints the pipeline, the error and its fix', async () => {
    await grantAll();
    const pipeline = `${db}-worker`.replaceAll('_', '-');
    const index = `${db}_${pipeline}`.replaceAll('-', '_');
    writeFileSync(path.join(dir, 'syncline.yaml'), JSON.stringify(configFor(pipeline)));
    let output = '';
    const worker: ChildProcess = spawn(
      process.execPath,
      [path.resolve('dist/cli/main.js'), '-c', path.join(dir, 'syncline.yaml'), 'run', '--no-api'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    worker.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    worker.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the worker indexed the 3 rows', async () => (await count(index)) === 3).catch((e) => {
        throw new Error(`${(e as Error).message}; worker output:\n${output.slice(-3000)}`);
      });
      await breakReplication();
      const code = await Promise.race([
        exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 30_000)),
      ]);
      expect(code, output.slice(-3000)).not.toBe('still running');
      expect(code).not.toBe(0);
      expect(output).toContain(`error: pipeline ${pipeline} stopped`);
      expect(output).toMatch(/access denied/i);
      expect(output).toMatch(/error: pipeline \S+ stopped: .*\n {2}→ \S/); // the fix follows the error
      expect(output).toContain('REPLICATION SLAVE');
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    }
  });

  it('with the API, /readyz answers 503 naming the failed pipeline and its error', async () => {
    await grantAll();
    const pipeline = `${db}-api`.replaceAll('_', '-');
    const index = `${db}_${pipeline}`.replaceAll('-', '_');
    const port = await freePort();
    const config = testConfig(
      configFor(pipeline, {
        server: { host: '127.0.0.1', port, adminToken: 'fatal-admin-token-1', shutdownGraceMs: 2000 },
        api: { productsIndex: index, rateLimit: { max: 0 }, logs: { indexPrefix: `${db}-logs-` } },
      }),
    );
    const service = new SynclineService(config, pino({ level: 'silent' }));
    await service.start();
    try {
      const readyz = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      await waitFor('the service indexed the 3 rows', async () => (await count(index)) === 3);
      expect((await readyz()).status).toBe(200);
      await breakReplication();
      let last = await readyz();
      await waitFor('/readyz turned 503', async () => {
        last = await readyz();
        return last.status === 503;
      });
      expect(last.body.reason).toEqual(expect.stringContaining(`pipeline ${pipeline} failed`));
      expect(String(last.body.reason)).toMatch(/access denied/i);
      const entry = (last.body.pipelines as Array<Record<string, unknown>>).find((p) => p.name === pipeline);
      expect(entry).toMatchObject({ state: 'failed', error: expect.stringContaining('REPLICATION SLAVE') });
    } finally {
      await service.stop();
    }
  });
});
