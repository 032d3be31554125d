import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { isSynclineError } from '../../../src/core/errors.js';
import { runBinlogPreflight } from '../../../src/sources/mysql-binlog/preflight.js';
import type { ReconnectInfo } from '../../../src/sources/mysql-binlog/streaming/binlog-reader.js';
import { type BinlogBatch, BinlogSource } from '../../../src/sources/mysql-binlog/streaming/binlog-source.js';
import { binlogStatus, currentBinlogPosition } from '../../../src/sources/mysql-binlog/streaming/position.js';
import { LocalStack } from '../../../src/stack/stack.js';
import { rootConnection, TEST_SOURCE } from '../../helpers/stack.js';
import { BINLOG_CONN, createDatabase, randomServerId, SourceRun } from './helpers.js';

/**
 * Server trouble, on the MariaDB every suite shares: a restart (kept short) and a binlog purge (last, and
 * only of files older than the current one). Runs after the other binlog tests in this file's order.
 */
let db: string;
let conn: mysql.Connection;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, conn, drop } = await createDatabase('t_binlog_trouble'));
  await conn.query('CREATE TABLE r (id INT PRIMARY KEY, payload VARCHAR(1100))');
});
afterAll(async () => {
  const c = await rootConnection().catch(() => undefined);
  await c?.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
  await c?.end();
  await drop().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeRows(
  c: mysql.Connection,
  from: number,
  count: number,
  payloadBytes: number,
  perTx = 100,
) {
  const payload = 'p'.repeat(payloadBytes);
  for (let i = from; i < from + count; i += perTx) {
    const n = Math.min(perTx, from + count - i);
    const values = Array.from({ length: n }, (_, j) => `(${i + j}, '${payload}')`).join(',');
    await c.query(`INSERT INTO r VALUES ${values}`);
  }
}

/** Pulls batches at the test's own pace (the source reads the binlog only as fast as this asks). */
class Puller {
  readonly ids = new Set<number>();
  duplicates = 0;
  private readonly ac = new AbortController();
  private readonly it: AsyncIterator<BinlogBatch>;
  private pending: Promise<IteratorResult<BinlogBatch>> | undefined;

  constructor(
    readonly source: BinlogSource,
    from: Parameters<BinlogSource['start']>[0],
  ) {
    this.it = source.start(from, this.ac.signal)[Symbol.asyncIterator]();
  }

  async until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${this.ids.size} ids`);
      this.pending ??= this.it.next();
      const r = await Promise.race([this.pending, sleep(Math.min(left, 500)).then(() => undefined)]);
      if (r === undefined) continue;
      this.pending = undefined;
      if (r.done) throw new Error('source ended');
      for (const e of r.value.events) {
        const id = Number((e.after ?? e.before)?.id);
        if (this.ids.has(id)) this.duplicates += 1;
        this.ids.add(id);
      }
    }
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.pending?.catch(() => {});
    await this.it.return?.();
  }
}

describe('binlog streaming when the server misbehaves', () => {
  it('a reader paused past net_write_timeout is dropped by the server, reconnects at its last commit, loses nothing', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const reconnects: ReconnectInfo[] = [];
    const source = new BinlogSource({
      connection: BINLOG_CONN,
      serverId: randomServerId(),
      tables: [`${db}.r`],
      heartbeatMs: 1000,
      maxBatchEvents: 100,
      reader: {
        highWaterMark: 200,
        sessionVariables: { net_write_timeout: 2 },
        reconnect: { initialMs: 100, maxMs: 1000 },
      },
      onReconnect: (i) => reconnects.push(i),
    });
    const p = new Puller(source, from);
    try {
      await writeRows(conn, 0, 20_000, 1000); // ~20 MB: more than the socket buffers hold
      await p.until(() => p.ids.size >= 500, 10_000, '500 rows');
      await sleep(4000); // the server's write to us blocks for > 2 s: it drops the connection
      await p.until(() => p.ids.size >= 20_000, 60_000, 'all rows');
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(source.stats().reader?.reconnects).toBeGreaterThanOrEqual(1);
      console.log(
        `[net_write_timeout] reconnects=${reconnects.length} duplicates=${p.duplicates}`,
        reconnects[0]?.error.message,
      );
    } finally {
      await p.stop();
    }
    await conn.query('DELETE FROM r');
  });

  it('the source server restarted during streaming: the reader reconnects and nothing is lost', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const reconnects: ReconnectInfo[] = [];
    const source = new BinlogSource({
      connection: BINLOG_CONN,
      serverId: randomServerId(),
      tables: [`${db}.r`],
      heartbeatMs: 1000,
      maxBatchEvents: 100,
      reader: { highWaterMark: 200, reconnect: { initialMs: 200, maxMs: 2000 } },
      onReconnect: (i) => reconnects.push(i),
    });
    const p = new Puller(source, from);
    const mariadb = new LocalStack(resolveConfig({}, process.env)).servers[TEST_SOURCE];
    try {
      await writeRows(conn, 100_000, 3000, 200);
      await p.until(() => p.ids.size >= 1000, 10_000, '1000 rows');
      // The reader is paused with unread transactions when the server goes away.
      await conn.end();
      const t0 = Date.now();
      await mariadb.down();
      await mariadb.up();
      const outageMs = Date.now() - t0;
      console.log(`[restart] ${TEST_SOURCE} was down for ${outageMs} ms`);
      conn = await rootConnection(db);
      await writeRows(conn, 103_000, 3000, 200);
      await p.until(() => p.ids.size >= 6000, 30_000, 'all 6000 rows');
      expect([...p.ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 6000 }, (_, i) => 100_000 + i));
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      console.log(
        `[restart] reconnect attempts=${reconnects.length} duplicates=${p.duplicates} first error: ${reconnects[0]?.error.message}`,
      );
      // a restart, not a longer outage (MySQL's clean shutdown and start take longer than MariaDB's)
      expect(outageMs).toBeLessThan(TEST_SOURCE === 'mysql' ? 30_000 : 10_000);
    } finally {
      await p.stop();
    }
  });

  // Last: purging binlogs on the shared server. Only files older than the current one go.
  it('a checkpoint older than the oldest binlog fails with POSITION_PURGED (and preflight says so first)', async () => {
    const from = await currentBinlogPosition(BINLOG_CONN);
    const r = new SourceRun({ tables: [`${db}.r`] }, from);
    await conn.query(`INSERT INTO r VALUES (-1, 'old')`);
    await r.waitForEvents(1);
    const old = r.lastPosition!;
    await r.stop();
    await conn.query(`INSERT INTO r VALUES (-2, 'newer')`);
    await conn.query('FLUSH BINARY LOGS');
    const current = String((await binlogStatus(conn, TEST_SOURCE))!.File);
    // The server keeps a file that a replica connection is still reading (a reader of an earlier test that
    // is closing, another worktree's pipeline): retry until those have moved on to the new file.
    let oldest = '';
    for (let i = 0; i < 40 && oldest !== current; i++) {
      await sleep(250);
      await conn.query(`PURGE BINARY LOGS TO '${current}'`);
      const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
      oldest = String(logs[0]!.Log_name);
    }
    expect(oldest).toBe(current);

    const report = await runBinlogPreflight({
      connection: BINLOG_CONN,
      tables: [`${db}.r`],
      checkpoint: old,
    });
    const purged = report.problems.find((p) => p.kind === 'POSITION_PURGED');
    expect(purged?.message).toMatch(/purged/);

    const again = new SourceRun({ tables: [`${db}.r`] }, old);
    await again.waitFor(() => false, 10_000, 'the error').catch(() => {});
    await again.stop();
    expect(isSynclineError(again.error, 'POSITION_PURGED')).toBe(true);
    expect((again.error as Error).message).toMatch(/purged|could not find/i);

    // a file+pos checkpoint into the purged file: the same typed error
    const byFile = new SourceRun(
      { tables: [`${db}.r`] },
      { ...old, checkpoint: { file: String(old.checkpoint.file), pos: Number(old.checkpoint.pos) } },
    );
    await byFile.waitFor(() => false, 10_000, 'the error').catch(() => {});
    await byFile.stop();
    expect(isSynclineError(byFile.error, 'POSITION_PURGED')).toBe(true);
  });
});
