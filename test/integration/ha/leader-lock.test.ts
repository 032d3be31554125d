import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlCheckpointStore } from '../../../src/checkpoint/index.js';
import type { Position } from '../../../src/core/change-event.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { FencedCheckpointStore } from '../../../src/ha/fenced-checkpoint-store.js';
import { LeaderLock, lockName } from '../../../src/ha/leader-lock.js';
import { MARIADB_PORT, rootConnection, uniqueName } from '../../helpers/stack.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';

/**
 * The HA primitives against the real MariaDB: GET_LOCK on a dedicated connection decides the leader, the
 * fencing token stops a deposed leader's checkpoint commits, and a holder whose network dies (black hole,
 * nothing closes) loses the lock by the server's wait_timeout — a standby takes over within 5 s.
 */
const internal = uniqueName('ha');
const pipeline = 'catalog';
const logger = pino({ level: 'silent' });
let pool: mysql.Pool;
const locks: LeaderLock[] = [];
const proxies: TcpProxy[] = [];

function lock(worker: string, port = MARIADB_PORT): LeaderLock {
  const l = new LeaderLock({
    url: `mysql://root@127.0.0.1:${port}/`,
    connectTimeoutMs: 2000,
    internalDatabase: internal,
    pipelines: [pipeline],
    workerId: worker,
    sessionTimeoutMs: 2000,
    pingIntervalMs: 500,
    retryIntervalMs: 200,
    logger,
  });
  locks.push(l);
  return l;
}

const position = (label: string): Position => ({ version: 1n, label, checkpoint: { label } });

function fenced(l: LeaderLock): FencedCheckpointStore {
  return new FencedCheckpointStore(
    new MysqlCheckpointStore(pool, internal),
    pool,
    internal,
    new Map(l.tokens),
  );
}

async function committedLabel(): Promise<string | undefined> {
  const [rows] = await pool.query(`SELECT label FROM \`${internal}\`.checkpoints WHERE pipeline = ?`, [
    pipeline,
  ]);
  return (rows as Array<{ label: string }>)[0]?.label;
}

beforeAll(async () => {
  pool = mysql.createPool({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root', connectionLimit: 4 });
});
afterAll(async () => {
  for (const l of locks) await l.release();
  for (const p of proxies) await p.close();
  const c = await rootConnection();
  await c.query(`DROP DATABASE IF EXISTS \`${internal}\``);
  await c.end();
  await pool.end();
});

describe('leader lock and fencing', () => {
  it('names the lock <internal db>:<pipeline>, hashed past 64 characters', () => {
    expect(lockName('syncline', 'catalog')).toBe('syncline:catalog');
    const long = lockName('syncline', 'p'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(lockName('syncline', `${'p'.repeat(99)}q`));
  });

  it('one holder at a time; a deposed holder cannot commit a checkpoint', async () => {
    const a = lock('worker-a');
    const b = lock('worker-b');
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(b.leader?.holder).toBe('worker-a');
    const tokenA = a.tokens.get(pipeline)!;
    const storeA = fenced(a);
    await storeA.commit(pipeline, position('a-1'));
    await storeA.commit(pipeline, position('a-1')); // unchanged: still accepted
    expect(await committedLabel()).toBe('a-1');

    // a loses its connection (the server frees the lock); b takes over with a newer token
    const lostA = a.lost();
    await a.release();
    expect(await lostA).toBe('released');
    // the server frees a's lock once it has ended a's session, a moment after the client's QUIT
    let acquired = await b.tryAcquire();
    for (const deadline = Date.now() + 5000; !acquired && Date.now() < deadline; )
      acquired = await new Promise((r) => setTimeout(r, 20)).then(() => b.tryAcquire());
    expect(acquired).toBe(true);
    expect(b.tokens.get(pipeline)).toBe(tokenA + 1);

    // a wakes up and tries to commit with its old token: refused, b's checkpoint stays
    await fenced(b).commit(pipeline, position('b-1'));
    const err = await storeA.commit(pipeline, position('a-2')).catch((e: unknown) => e);
    expect(isSynclineError(err, 'HA_FENCED'), String(err)).toBe(true);
    expect(String((err as Error).message)).toContain('worker-b');
    expect(await committedLabel()).toBe('b-1');
    await b.release();
  });

  it('a holder cut off by a black-holed network loses the lock; a standby takes it within 5 s', async () => {
    const proxy = new TcpProxy({ host: '127.0.0.1', port: MARIADB_PORT });
    proxies.push(proxy);
    const port = await proxy.start();
    const a = lock('worker-a', port);
    const b = lock('worker-b');
    expect(await a.tryAcquire()).toBe(true);
    const lostA = a.lost();
    expect(await b.tryAcquire()).toBe(false);

    const t0 = Date.now();
    proxy.blackhole();
    const standby = new AbortController();
    const took = b.acquire(standby.signal).then(() => Date.now() - t0);
    const stepDown = lostA.then((why) => ({ why, ms: Date.now() - t0 }));
    const [tookMs, down] = await Promise.all([took, stepDown]);
    console.log(
      `[ha] black hole: holder stepped down after ${down.ms} ms (${down.why}), standby took over after ${tookMs} ms`,
    );
    expect(b.holding).toBe(true);
    expect(tookMs).toBeLessThan(5000);
    // the old holder steps down on its own too (its ping goes unanswered for sessionTimeoutMs); the
    // short overlap before that is what the fencing token covers
    expect(down.ms).toBeLessThan(5000);
    await b.release();
  }, 20_000);
});

describe('the lock on its own thread (as `syncline run` uses it, from dist/)', () => {
  it('keeps the lock while the main thread is blocked longer than the session timeout', async () => {
    const { ThreadedLeaderLock } = (await import(
      // the compiled file: the lock thread runs from .js
      new URL('../../../dist/ha/threaded-lock.js', import.meta.url).href
    )) as typeof import('../../../src/ha/threaded-lock.js');
    const a = new ThreadedLeaderLock({
      url: `mysql://root@127.0.0.1:${MARIADB_PORT}/`,
      connectTimeoutMs: 2000,
      internalDatabase: internal,
      pipelines: [pipeline],
      workerId: 'threaded-a',
      sessionTimeoutMs: 2000,
      pingIntervalMs: 500,
      retryIntervalMs: 200,
      logger,
    });
    const b = lock('worker-b');
    try {
      expect(await a.acquire(new AbortController().signal)).toBe(true);
      const lostA = a.lost();
      let lostEarly: string | undefined;
      void lostA.then((why) => {
        lostEarly = why;
      });
      // a backlog that holds the event loop for twice the session timeout
      const until = Date.now() + 4000;
      while (Date.now() < until) {}
      await sleepMs(600);
      expect(lostEarly).toBeUndefined();
      expect(await b.tryAcquire()).toBe(false);
      expect(b.leader?.holder).toBe('threaded-a');
      await a.release();
      expect(await lostA).toBe('released');
      expect(await b.tryAcquire()).toBe(true);
    } finally {
      await a.release();
      await b.release();
    }
  }, 20_000);
});

const sleepMs = (ms: number) => new Promise((res) => setTimeout(res, ms));
