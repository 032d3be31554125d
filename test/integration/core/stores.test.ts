import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../src/checkpoint/file-checkpoint-store.js';
import { MysqlCheckpointStore } from '../../../src/checkpoint/mysql-checkpoint-store.js';
import type { ChangeEvent, Position } from '../../../src/core/change-event.js';
import { MysqlDeadLetterStore } from '../../../src/dead-letter/mysql-dead-letter-store.js';
import { rootConnection, SOURCE_PORT, uniqueName } from '../../helpers/stack.js';

const db = uniqueName('t_stores');
let pool: mysql.Pool;

const position = (seq: bigint): Position => ({
  version: seq << 22n,
  checkpoint: { gtid: `0-1-${seq}`, file: 'binlog.000001', pos: 1234 },
  label: `gtid 0-1-${seq}`,
});

const event = (id: number, seq: bigint): ChangeEvent => ({
  op: 'u',
  before: { id, name: 'old' },
  after: { id, name: 'new', blob: Buffer.from([0, 1, 255]), big: 18446744073709551615n },
  key: { id },
  source: {
    connector: 'mysql-binlog',
    database: 'd',
    table: 't',
    position: position(seq),
    snapshot: false,
    tsMs: 1,
  },
  transaction: { id: `0-1-${seq}`, order: 0 },
});

beforeAll(async () => {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE ${db}`);
  await c.end();
  pool = mysql.createPool({ host: '127.0.0.1', port: SOURCE_PORT, user: 'root', dateStrings: true });
});
afterAll(async () => {
  await pool.query(`DROP DATABASE ${db}`);
  await pool.end();
});

describe('checkpoint stores', () => {
  it('mysql: commit then load returns the same position, bigint intact; later commits replace', async () => {
    const store = new MysqlCheckpointStore(pool, db);
    expect(await store.load('p1')).toBeUndefined();
    await store.commit('p1', position(41n));
    await store.commit('p1', position(42n));
    const loaded = await store.load('p1');
    expect(loaded).toEqual(position(42n));
    expect(typeof loaded?.version).toBe('bigint');
    // a second store instance (a restarted process) sees it
    expect(await new MysqlCheckpointStore(pool, db).load('p1')).toEqual(position(42n));
  });

  it('file: atomic replace, survives a new instance', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-cp-'));
    const store = new FileCheckpointStore(dir);
    expect(await store.load('p')).toBeUndefined();
    await store.commit('p', position(7n));
    await store.commit('p', position(8n));
    expect(await new FileCheckpointStore(dir).load('p')).toEqual(position(8n));
  });
});

describe('dead-letter store', () => {
  it('stores the event exactly, merges repeats of one document, counts, lists by filter and removes', async () => {
    const store = new MysqlDeadLetterStore(pool, db);
    const id1 = await store.put({
      pipeline: 'p',
      index: 'products',
      docId: '1',
      kind: 'mapping',
      error: 'mapper_parsing_exception: failed to parse field [price]',
      attempts: 1,
      event: event(1, 10n),
    });
    const again = await store.put({
      pipeline: 'p',
      index: 'products',
      docId: '1',
      kind: 'mapping',
      error: 'mapper_parsing_exception (again)',
      attempts: 2,
      event: event(1, 12n),
    });
    expect(again).toBe(id1);
    await store.put({
      pipeline: 'p',
      index: 'users',
      docId: '9',
      kind: 'rejected',
      error: 'illegal_argument_exception',
      attempts: 1,
      event: event(9, 11n),
    });
    const products = await store.list({ index: 'products' });
    expect(products).toHaveLength(1);
    const e = products[0]!;
    expect(e.attempts).toBe(3);
    expect(e.error).toContain('again');
    expect(e.event.source.position.version).toBe(12n << 22n);
    expect(e.event.after?.blob).toEqual(Buffer.from([0, 1, 255]));
    expect(e.event.after?.big).toBe(18446744073709551615n);
    expect(e.firstSeen!.getTime()).toBeLessThanOrEqual(e.lastSeen!.getTime());
    expect(await store.counts()).toEqual([
      { index: 'products', kind: 'mapping', count: 1 },
      { index: 'users', kind: 'rejected', count: 1 },
    ]);
    expect(await store.remove([id1])).toBe(1);
    expect(await store.list({ index: 'products' })).toHaveLength(0);
    expect(await store.list({ ids: [] })).toHaveLength(0);
  });
});
