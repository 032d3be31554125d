import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinlogReader } from '../../../src/sources/mysql-binlog/streaming/binlog-reader.js';
import { currentBinlogPosition } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { BINLOG_CONN, createDatabase, randomServerId } from './helpers.js';

let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_binlog_bp'));
  await conn.query('CREATE TABLE wide (id INT PRIMARY KEY, payload VARCHAR(300))');
});
afterAll(() => drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('binlog reader backpressure', () => {
  it('a consumer that stops reading while 20k rows are written keeps the buffer bounded, then gets every row', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const hwm = 500;
    const reader = new BinlogReader({
      connection: BINLOG_CONN,
      serverId: randomServerId(),
      start: { gtid: String(from.checkpoint.gtid) },
      tableFilter: (d, t) => d === db && t === 'wide',
      highWaterMark: hwm,
      heartbeatMs: 1000,
    });
    await reader.start();
    try {
      const payload = 'x'.repeat(250);
      const total = 20_000;
      const perStatement = 100;
      for (let i = 0; i < total; i += perStatement) {
        const values = Array.from({ length: perStatement }, (_, j) => `(${i + j}, '${payload}')`).join(',');
        await conn.query(`INSERT INTO wide VALUES ${values}`);
      }
      // ~5.5 MB of binlog for a consumer that has not read a single event
      await sleep(1500);
      const s1 = reader.stats;
      await sleep(1000);
      const s2 = reader.stats;
      console.log('[backpressure] while not reading:', s2);
      expect(s2.paused).toBe(true);
      // nothing more is decoded while paused: the socket is not read (TCP flow control holds the server)
      expect(s2.received).toBe(s1.received);
      // bounded: the high-water mark plus at most one row event (≤ 100 rows here) and one socket chunk
      expect(s2.peakBuffered).toBeLessThanOrEqual(hwm + perStatement);
      expect(s2.buffered).toBeLessThanOrEqual(hwm + perStatement);
      expect(s2.pausedPackets).toBeLessThan(1000);

      // drain: every row arrives, in order, exactly once
      const ids: number[] = [];
      let peak = 0;
      while (ids.length < total) {
        const ev = await reader.next(undefined, 10_000);
        if (ev === null) throw new Error(`stalled after ${ids.length} rows`);
        peak = Math.max(peak, reader.stats.buffered);
        if (ev.kind === 'rows') for (const r of ev.rows as Array<{ id: number }>) ids.push(r.id);
      }
      expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(peak).toBeLessThanOrEqual(hwm + perStatement);
      expect(reader.stats.pauses).toBeGreaterThanOrEqual(1);
    } finally {
      await reader.close();
    }
  });
});
