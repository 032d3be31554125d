import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Logger } from 'pino';

/** Who holds a pipeline's lock, as the holder wrote it in `<internal db>.leaders` when it took the lock. */
export interface LeaderInfo {
  holder: string;
  token: number;
  since: string;
}

export interface LeaderLockOptions {
  url: string;
  connectTimeoutMs: number;
  /** The internal schema: lock names are `<internalDatabase>:<pipeline>`, tokens live in its `leaders` table. */
  internalDatabase: string;
  pipelines: readonly string[];
  workerId: string;
  sessionTimeoutMs: number;
  pingIntervalMs: number;
  retryIntervalMs: number;
  logger: Logger;
}

const q = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/** GET_LOCK names are at most 64 characters on MySQL: longer ones keep a readable head and a hash. */
export function lockName(internalDatabase: string, pipeline: string): string {
  const name = `${internalDatabase}:${pipeline}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, 47)}~${hash}`;
}

/**
 * Leadership from the source database: named locks (GET_LOCK) held by one dedicated connection. The server
 * frees them when that connection dies — a killed process at once (the kernel closes the socket), a frozen
 * or cut-off one after the session's wait_timeout, since its pings stop. Taking the locks bumps each
 * pipeline's fencing token in `<internal db>.leaders`; checkpoints commit only under the current token.
 * No protocol of our own: the database decides who holds the lock.
 */
export class LeaderLock {
  readonly names: ReadonlyMap<string, string>;
  /** The tokens of the current term (empty while standby). */
  readonly tokens = new Map<string, number>();
  private conn: mysql.Connection | undefined;
  private lostResolve: ((why: string) => void) | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private tableReady = false;
  /** The last leader seen (by a standby), or this worker's own term. */
  leader: LeaderInfo | undefined;

  constructor(private readonly o: LeaderLockOptions) {
    this.names = new Map(o.pipelines.map((p) => [p, lockName(o.internalDatabase, p)]));
  }

  get holding(): boolean {
    return this.tokens.size > 0;
  }

  private async connection(): Promise<mysql.Connection> {
    if (this.conn) return this.conn;
    const conn = await mysql.createConnection({
      uri: this.o.url,
      connectTimeout: this.o.connectTimeoutMs,
      enableKeepAlive: true,
      keepAliveInitialDelay: 1000,
      supportBigNumbers: true,
      dateStrings: true,
    });
    conn.on('error', () => this.dropConnection('lock connection error'));
    // the server ends an idle (frozen, cut-off) session after this: its locks are freed with it
    const secs = Math.max(1, Math.ceil(this.o.sessionTimeoutMs / 1000));
    await conn.query(
      `SET SESSION wait_timeout = ${secs}, net_read_timeout = ${secs}, net_write_timeout = ${secs}`,
    );
    this.conn = conn;
    return conn;
  }

  private dropConnection(why: string): void {
    const c = this.conn;
    this.conn = undefined;
    c?.destroy();
    if (this.tokens.size > 0) this.lose(why);
  }

  private lose(why: string): void {
    this.tokens.clear();
    clearInterval(this.pinger);
    this.pinger = undefined;
    const r = this.lostResolve;
    this.lostResolve = undefined;
    r?.(why);
  }

  /** Tries once to take every pipeline's lock (all or none); true when this worker is now the leader. */
  async tryAcquire(): Promise<boolean> {
    let conn: mysql.Connection;
    try {
      conn = await this.connection();
      for (const name of this.names.values()) {
        const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [name]);
        if (Number(rows[0]?.got) !== 1) {
          await conn.query('SELECT RELEASE_ALL_LOCKS()');
          await this.readLeader(conn);
          return false;
        }
      }
      await this.ensureTable(conn);
      const tokens = new Map<string, number>();
      for (const pipeline of this.names.keys()) {
        const table = `${q(this.o.internalDatabase)}.leaders`;
        await conn.query(
          `INSERT INTO ${table} (pipeline, token, holder, since) VALUES (?, 1, ?, NOW(6))
           ON DUPLICATE KEY UPDATE token = token + 1, holder = ?, since = NOW(6)`,
          [pipeline, this.o.workerId, this.o.workerId],
        );
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          `SELECT token, holder, since FROM ${table} WHERE pipeline = ?`,
          [pipeline],
        );
        tokens.set(pipeline, Number(rows[0]!.token));
        this.leader = {
          holder: String(rows[0]!.holder),
          token: Number(rows[0]!.token),
          since: String(rows[0]!.since),
        };
      }
      for (const [p, t] of tokens) this.tokens.set(p, t);
    } catch (e) {
      this.o.logger.debug({ err: (e as Error).message }, 'leader lock: attempt failed');
      this.dropConnection('lock attempt failed');
      return false;
    }
    this.watch(conn);
    return true;
  }

  /** Tries every retryIntervalMs until this worker holds every lock (or the signal aborts). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquire()) return true;
      await pause(this.o.retryIntervalMs, signal);
    }
    return false;
  }

  /** Resolves (with the reason) when the current term ends: the lock connection failed or a ping said so. */
  lost(): Promise<string> {
    if (!this.holding) return Promise.resolve('not holding the lock');
    return new Promise((res) => {
      this.lostResolve = res;
    });
  }

  /**
   * Pings the lock connection: each ping also resets the server's idle timer. A ping that fails, answers
   * late or finds a lock gone ends the term here, before the server frees the lock for a standby.
   */
  private watch(conn: mysql.Connection): void {
    const first = [...this.names.values()][0]!;
    // A late answer alone does not mean the lock is gone (the server may be slow, or this process was
    // starved): the server frees it only after sessionTimeoutMs without a ping. Waiting that long keeps
    // a loaded machine from stepping down for nothing; a successor's term is fenced either way.
    const timeoutMs = this.o.sessionTimeoutMs;
    let inFlight = false;
    this.pinger = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      let timer: NodeJS.Timeout | undefined;
      Promise.race([
        conn.query<mysql.RowDataPacket[]>('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [first]),
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`lock ping unanswered after ${timeoutMs} ms`)), timeoutMs);
        }),
      ])
        .then(([rows]) => {
          if (Number(rows[0]?.mine) !== 1) this.dropConnection('the lock is no longer held by this worker');
        })
        .catch((e: Error) => {
          if (this.conn === conn) this.dropConnection(e.message);
        })
        .finally(() => {
          clearTimeout(timer);
          inFlight = false;
        });
    }, this.o.pingIntervalMs);
    this.pinger.unref();
  }

  private async ensureTable(conn: mysql.Connection): Promise<void> {
    if (this.tableReady) return;
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${q(this.o.internalDatabase)} CHARACTER SET utf8mb4`);
    await conn.query(
      `CREATE TABLE IF NOT EXISTS ${q(this.o.internalDatabase)}.leaders (
        pipeline VARCHAR(128) NOT NULL PRIMARY KEY,
        token BIGINT UNSIGNED NOT NULL,
        holder VARCHAR(255) NOT NULL,
        since DATETIME(6) NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    this.tableReady = true;
  }

  /** A standby's view of the leader: the holder's row, when the lock is held at all. */
  private async readLeader(conn: mysql.Connection): Promise<void> {
    const [pipeline, name] = [...this.names.entries()][0]!;
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT holder, token, since, IS_USED_LOCK(?) IS NOT NULL AS held
           FROM ${q(this.o.internalDatabase)}.leaders WHERE pipeline = ?`,
        [name, pipeline],
      );
      const r = rows[0];
      this.leader =
        r && Number(r.held) === 1
          ? { holder: String(r.holder), token: Number(r.token), since: String(r.since) }
          : undefined;
    } catch {
      this.leader = undefined; // no leaders table yet: nobody ever led
    }
  }

  /** Ends the term and closes the lock connection (the server frees the locks). */
  async release(why = 'released'): Promise<void> {
    clearInterval(this.pinger);
    this.pinger = undefined;
    const c = this.conn;
    this.conn = undefined;
    this.lose(why);
    if (c) await c.end().catch(() => c.destroy());
  }
}

/** Waits `ms`, or less when the signal aborts; leaves no listener behind either way (standby loops run long). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      res();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
