import type mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import type { Position } from '../../../src/core/change-event.js';
import {
  type BinlogBatch,
  BinlogSource,
  type BinlogSourceOptions,
} from '../../../src/sources/mysql-binlog/streaming/binlog-source.js';
import type { BinlogConnectionConfig } from '../../../src/sources/mysql-binlog/streaming/connection.js';
import { rootConnection, SOURCE_PORT, uniqueName } from '../../helpers/stack.js';

/** The least-privilege user the local stack creates (REPLICATION SLAVE, BINLOG MONITOR, SELECT, RELOAD). */
export const BINLOG_CONN: BinlogConnectionConfig = {
  url: `mysql://syncline:syncline@127.0.0.1:${SOURCE_PORT}/`,
  timezone: 'Z',
  connectTimeoutMs: 5000,
};

/** Every reader needs its own server_id: a second dump with the same id makes the server drop the first. */
export function randomServerId(): number {
  return 100_000 + Math.floor(Math.random() * 1_000_000_000);
}

/** A fresh database on the test source (or on the server `connect` opens), a root connection on it, and its drop. */
export async function createDatabase(
  prefix: string,
  connect: () => Promise<mysql.Connection> = () => rootConnection(),
): Promise<{ db: string; conn: mysql.Connection; drop(): Promise<void> }> {
  const db = uniqueName(prefix);
  const conn = await connect();
  await conn.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
  await conn.query(`USE \`${db}\``);
  return {
    db,
    conn,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
      await conn.end().catch(() => {});
    },
  };
}

/**
 * The preflight suites' fixture (hooks registered in the calling file): a database with a keyed table `good`
 * and an unkeyed `nopk`, and a user allowed SELECT on `good` only. Read its fields inside tests.
 */
export function preflightFixture(prefix: string): { db: string; conn: mysql.Connection; weakUser: string } {
  const fx = { db: '', conn: undefined as unknown as mysql.Connection, weakUser: uniqueName('nrs') };
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await createDatabase(prefix);
    fx.db = created.db;
    fx.conn = created.conn;
    drop = created.drop;
    await fx.conn.query(`
      CREATE TABLE good (id INT PRIMARY KEY, v INT);
      CREATE TABLE nopk (a INT NOT NULL, b INT, c INT, UNIQUE KEY (a));
    `);
    await fx.conn.query(`CREATE USER '${fx.weakUser}'@'127.0.0.1' IDENTIFIED BY 'pw'`);
    await fx.conn.query(`GRANT SELECT ON \`${fx.db}\`.good TO '${fx.weakUser}'@'127.0.0.1'`);
  });
  afterAll(async () => {
    await fx.conn?.query(`DROP USER IF EXISTS '${fx.weakUser}'@'127.0.0.1'`);
    await drop?.();
  });
  return fx;
}

/** Runs a source in the background, collecting its batches (no backpressure: tests read everything). */
export class SourceRun {
  readonly batches: BinlogBatch[] = [];
  error: unknown;
  private readonly ac = new AbortController();
  private readonly done: Promise<void>;
  readonly source: BinlogSource;

  constructor(options: Partial<BinlogSourceOptions> & Pick<BinlogSourceOptions, 'tables'>, from?: Position) {
    this.source = new BinlogSource({
      connection: BINLOG_CONN,
      serverId: randomServerId(),
      heartbeatMs: 1000,
      ...options,
    });
    const source = this.source;
    this.done = (async () => {
      try {
        for await (const b of source.start(from, this.ac.signal)) this.batches.push(b);
      } catch (e) {
        this.error = e;
      }
    })();
  }

  get events() {
    return this.batches.flatMap((b) => b.events);
  }

  /** Batches that carry events or schema changes (not the position-only ones). */
  get dataBatches() {
    return this.batches.filter((b) => b.events.length > 0 || b.schemaChanges.length > 0);
  }

  /** The last checkpointable position handed out. */
  get lastPosition(): Position | undefined {
    for (let i = this.batches.length - 1; i >= 0; i--)
      if (this.batches[i]!.position) return this.batches[i]!.position;
    return undefined;
  }

  async waitFor(pred: (r: SourceRun) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    const t0 = Date.now();
    while (!pred(this)) {
      if (this.error) throw this.error;
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${this.events.length} events in ${this.batches.length} batches`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async waitForEvents(n: number, timeoutMs?: number): Promise<void> {
    await this.waitFor((r) => r.events.length >= n, timeoutMs, `${n} events`);
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }
}

/** Waits until the source has connected and read up to the server's current end. */
export async function caughtUp(run: SourceRun, timeoutMs = 10_000): Promise<void> {
  await run.waitFor((r) => r.source.stats().reader?.connected === true, timeoutMs, 'the binlog connection');
}
