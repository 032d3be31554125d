import ZongJi, { type AnyBinlogEvent, type TableMapEvent } from '@vlasky/zongji';
import type { RowDataPacket } from 'mysql2/promise';
import { SynclineError } from '../../../core/errors.js';
import { idle as sleep } from '../../../core/timers.js';
import { backoffDelay } from './backoff.js';
import {
  type BinlogConnectionConfig,
  connectionOptions,
  controlConnection,
  describeServer,
} from './connection.js';
import { classifyBinlogError, unreachable } from './errors.js';
import { EventTranslator, TRANSLATED_EVENTS } from './event-translator.js';
import { type Flavour, GtidState } from './gtid-state.js';
import { serverGtids } from './position.js';
import { eventWeight, type RawBinlogEvent } from './raw-event.js';
import { decodeTransactionPayloads } from './transaction-payload.js';

/** Where to start: after a GTID position, at binlog coordinates, or at the current end of the binlog. */
export type ReaderStart = { readonly gtid: string } | { readonly file: string; readonly pos: number } | 'end';

export interface ReconnectInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: Error;
  /** The GTID position the next connection resumes after. */
  readonly from: string;
}

export interface BinlogReaderOptions {
  readonly connection: BinlogConnectionConfig;
  /** Replica server_id: unique among everything replicating from this server (a duplicate kicks the other out). */
  readonly serverId: number;
  readonly start: ReaderStart;
  /** Tables whose rows are decoded; the rest are skipped unparsed (their transactions still advance the position). */
  readonly tableFilter?: (database: string, table: string) => boolean;
  /** Buffered weight (rows, or 1 per control event) at which the connection is paused. Default 2000. */
  readonly highWaterMark?: number;
  /** Buffered weight at which a paused connection resumes. Default highWaterMark / 2. */
  readonly lowWaterMark?: number;
  /** Server heartbeat period (0: none). Also arms a watchdog that reconnects a silent connection. */
  readonly heartbeatMs?: number;
  readonly reconnect?: {
    readonly initialMs?: number;
    readonly maxMs?: number;
    /** Consecutive failed attempts before SOURCE_UNREACHABLE; 0 = keep trying. Default 0. */
    readonly maxAttempts?: number;
  };
  readonly onReconnect?: (info: ReconnectInfo) => void;
  /**
   * Session variables of the binlog connection (the server's dump thread runs in it), e.g.
   * net_write_timeout: how long the server waits on a paused (backpressured) reader before dropping it.
   * A dropped reader reconnects at its last commit, so the default (60 s) is safe.
   */
  readonly sessionVariables?: Readonly<Record<string, number | string>>;
  /**
   * Who decodes row events: Syncline's decoder (row-decoder.ts, the default) or zongji's, kept as a fallback
   * while the new one matures. Default: SYNCLINE_BINLOG_DECODER from the environment, else 'syncline'.
   */
  readonly rowDecoder?: RowDecoderChoice;
}

export type RowDecoderChoice = 'syncline' | 'zongji';

/** The row decoder SYNCLINE_BINLOG_DECODER selects ('zongji' or 'syncline'); anything else is refused. */
export function rowDecoderFromEnv(env: NodeJS.ProcessEnv = process.env): RowDecoderChoice {
  const v = env.SYNCLINE_BINLOG_DECODER;
  if (v === undefined || v === '' || v === 'syncline') return 'syncline';
  if (v === 'zongji') return 'zongji';
  throw new SynclineError(
    'CONFIG_INVALID',
    `SYNCLINE_BINLOG_DECODER must be 'syncline' or 'zongji' (got '${v}')`,
  );
}

export interface ReaderStats {
  /** Buffered weight (rows + control events) not yet taken by the consumer. */
  readonly buffered: number;
  readonly bufferedEvents: number;
  readonly peakBuffered: number;
  /** Packets mysql2 parsed from the last socket chunk before the pause took effect. */
  readonly pausedPackets: number;
  readonly paused: boolean;
  readonly connected: boolean;
  readonly reconnects: number;
  readonly received: number;
  readonly pauses: number;
}

/** The parts of mysql2's Connection the flow control touches (pause/resume are public, the queue is not). */
interface FlowConnection {
  pause(): void;
  resume(): void;
  query(sql: string, cb: (err: Error | null) => void): unknown;
  _paused_packets?: { length: number };
  stream?: { on(ev: 'close', fn: () => void): void };
}

interface ZongJiInternals {
  _skipSchema(database: string, table: string): boolean;
}

interface Flow {
  readonly conn: FlowConnection;
  readonly holds: Set<'library' | 'consumer'>;
  readonly pause: () => void;
  readonly resume: () => void;
}

/**
 * Streams one MariaDB or MySQL server's binlog through zongji as whole event groups, with bounded buffering and
 * reconnects. This class is the connection (zongji, flow control, watchdog, reconnect); what the events
 * mean is EventTranslator's (event-translator.ts), which does no I/O.
 *
 * Backpressure: when the buffer reaches highWaterMark the mysql2 connection is paused (socket.pause(); the
 * rest of the current socket chunk waits in mysql2's paused-packet queue), so TCP flow control stops the
 * server's dump thread; it resumes at lowWaterMark. zongji pauses the same connection while it fetches
 * column metadata, so both hold a lock and the socket resumes only when neither does.
 *
 * Reconnect: the reader tracks the GTID position after the last *commit* it buffered; a new connection
 * resumes there (MariaDB @slave_connect_state, MySQL COM_BINLOG_DUMP_GTID), so a group cut by the failure replays whole. A
 * `reconnected` marker tells the consumer to drop the partial group it has seen.
 */
export class BinlogReader {
  private readonly o: BinlogReaderOptions;
  private readonly hwm: number;
  private readonly lwm: number;
  private readonly where: string;
  private queue: RawBinlogEvent[] = [];
  private weight = 0;
  private peak = 0;
  private waiter: (() => void) | undefined;
  private failure: SynclineError | undefined;
  private closed = false;
  private started = false;
  /** zongji events → raw events; holds the position after the last commit (where a reconnect resumes). */
  private translator = new EventTranslator(GtidState.EMPTY);
  private flavour: Flavour | undefined;
  private z: ZongJi | undefined;
  private epoch = 0;
  private flow: Flow | undefined;
  private attempts = 0;
  private reconnects = 0;
  private received = 0;
  private pauses = 0;
  private connected = false;
  private lastReceivedAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly closeController = new AbortController();

  private readonly rowDecoder: RowDecoderChoice;

  constructor(options: BinlogReaderOptions) {
    this.o = options;
    this.rowDecoder = options.rowDecoder ?? rowDecoderFromEnv();
    this.hwm = Math.max(1, options.highWaterMark ?? 2000);
    this.lwm = Math.min(this.hwm - 1, options.lowWaterMark ?? Math.floor(this.hwm / 2));
    this.where = `binlog ${describeServer(options.connection)}`;
  }

  /** The GTID position (MariaDB) or set (MySQL) after the last commit received (buffered or consumed). */
  get position(): string {
    return this.translator.committed.toString();
  }

  /** The server's GTID dialect, once start() resolved it. */
  get serverFlavour(): Flavour | undefined {
    return this.flavour;
  }

  get stats(): ReaderStats {
    return {
      buffered: this.weight,
      bufferedEvents: this.queue.length,
      peakBuffered: this.peak,
      pausedPackets: this.flow?.conn._paused_packets?.length ?? 0,
      paused: this.flow?.holds.has('consumer') ?? false,
      connected: this.connected,
      reconnects: this.reconnects,
      received: this.received,
      pauses: this.pauses,
    };
  }

  /**
   * Resolves the start point to a GTID position (file+pos via BINLOG_GTID_POS, 'end' via
   * @@gtid_binlog_pos) and opens the stream. Changes committed after this resolves are always delivered.
   * Throws POSITION_PURGED when the start coordinates are gone, SOURCE_UNREACHABLE when the attempt limit
   * is reached before the server answers.
   */
  async start(): Promise<string> {
    if (this.started) throw new Error('BinlogReader.start() called twice');
    this.started = true;
    for (;;) {
      try {
        this.translator = new EventTranslator(GtidState.parse(await this.resolveStart()));
        break;
      } catch (e) {
        const c = classifyBinlogError(e, this.where, describeStart(this.o.start));
        if (!c.transient) throw c.error;
        this.attempts += 1;
        const max = this.o.reconnect?.maxAttempts ?? 0;
        if (max > 0 && this.attempts >= max) throw unreachable(this.where, this.attempts, c.cause);
        const delayMs = this.delay();
        this.o.onReconnect?.({
          attempt: this.attempts,
          delayMs,
          error: c.cause,
          from: describeStart(this.o.start),
        });
        await sleep(delayMs, this.closeController.signal);
        if (this.closed)
          throw new SynclineError('SOURCE_UNREACHABLE', `${this.where}: closed before it started`);
      }
    }
    this.connect();
    return this.position;
  }

  /**
   * The next event; null when `timeoutMs` passed without one, or the reader was closed / the signal
   * aborted. Throws the fatal error that ended the stream once everything before it was taken.
   */
  async next(signal?: AbortSignal, timeoutMs?: number): Promise<RawBinlogEvent | null> {
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (;;) {
      const ev = this.tryNext();
      if (ev) return ev;
      if (this.failure) throw this.failure;
      if (this.closed || signal?.aborted) return null;
      const left = deadline === undefined ? undefined : deadline - Date.now();
      if (left !== undefined && left <= 0) return null;
      await this.waitForEvent(signal, left);
    }
  }

  /** The next buffered event without waiting (no promise): undefined when none is buffered. */
  tryNext(): RawBinlogEvent | undefined {
    const ev = this.queue.shift();
    if (ev) {
      this.weight -= eventWeight(ev);
      if (this.weight <= this.lwm) this.resumeForConsumer();
    }
    return ev;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawBinlogEvent> {
    for (;;) {
      const ev = await this.next();
      if (ev === null) return;
      yield ev;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closeController.abort();
    clearTimeout(this.reconnectTimer);
    this.teardown();
    this.wake();
  }

  // ---- connection lifecycle -------------------------------------------------------------------------

  private async resolveStart(): Promise<string> {
    const start = this.o.start;
    let given: GtidState | undefined;
    const coords = typeof start === 'object' && 'file' in start ? start : undefined;
    if (typeof start === 'object' && 'gtid' in start) {
      try {
        given = GtidState.parse(start.gtid);
      } catch (e) {
        throw new SynclineError(
          'PREFLIGHT_FAILED',
          `${this.where}: checkpoint is unusable: ${(e as Error).message}`,
        );
      }
    }
    const conn = await controlConnection(this.o.connection);
    try {
      const server = await serverGtids(conn);
      this.flavour = server.flavour;
      if (given) {
        if (given.flavour !== undefined && given.flavour !== server.flavour) {
          throw new SynclineError(
            'POSITION_PURGED',
            `${this.where}: the checkpoint '${given}' is a ${given.flavour} GTID position but the server is ${server.flavour}: it belongs to another server. Delete the checkpoint to re-snapshot`,
          );
        }
        if (server.flavour === 'mysql' && !given.includes(server.purged)) {
          // The server would refuse the dump (1236); say which transactions are gone.
          throw new SynclineError(
            'POSITION_PURGED',
            `${this.where}: the server purged transactions the checkpoint has not seen (${server.purged.missingFrom(given)}), from GTID set '${given}': gtid_purged is not contained in the checkpoint`,
            { details: { from: given.toString(), purged: server.purged.toString() } },
          );
        }
        return given.toString();
      }
      if (!coords) return server.executed.toString();
      const start = coords;
      if (server.flavour === 'mysql') {
        // Not resumable here: the same outcome as a purged position (re-snapshot).
        throw new SynclineError(
          'POSITION_PURGED',
          `${this.where}: a checkpoint without a GTID set (${start.file}:${start.pos}) cannot be resumed on MySQL (no BINLOG_GTID_POS there): Syncline must re-snapshot`,
          { details: { file: start.file, pos: start.pos } },
        );
      }
      const [rows] = await conn.query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS pos', [
        start.file,
        start.pos,
      ]);
      const pos = rows[0]?.pos;
      if (pos === null || pos === undefined) {
        throw new SynclineError(
          'POSITION_PURGED',
          `${this.where}: binlog coordinates ${start.file}:${start.pos} are not on the server any more (BINLOG_GTID_POS returned NULL: the file was purged, or the offset is not an event boundary)`,
          { details: { file: start.file, pos: start.pos } },
        );
      }
      return String(pos);
    } finally {
      await conn.end().catch(() => {});
    }
  }

  private connect(): void {
    if (this.closed) return;
    const epoch = ++this.epoch;
    const z = new ZongJi(connectionOptions(this.o.connection));
    this.z = z;
    const filter = this.o.tableFilter;
    if (filter) {
      // zongji's includeSchema takes exact names only; its filter hook decides per TableMap, before the row
      // events of other tables are decoded (they are then skipped unparsed).
      (z as unknown as ZongJiInternals)._skipSchema = (database, table) => !filter(database, table);
    }
    z.on('binlog', (ev: AnyBinlogEvent) => {
      if (epoch === this.epoch) this.onBinlog(z, ev);
    });
    z.on('error', (err: Error) => {
      if (epoch !== this.epoch) return;
      // zongji reports an event type it skips (compressed payload, partial JSON) before that event: stop.
      const undecoded = /TRANSACTION_PAYLOAD_EVENT|PARTIAL_UPDATE_ROWS_EVENT/.exec(err.message)?.[0];
      if (undecoded) {
        this.fail(
          this.translator.undecodedError(
            undecoded === 'TRANSACTION_PAYLOAD_EVENT' ? 'transactionpayload' : 'partialupdaterows',
          ),
        );
        return;
      }
      this.onFailure(err);
    });
    z.on('ready', () => {
      if (epoch !== this.epoch) return;
      // MySQL's compressed transactions are decoded here (zongji skips them); a payload that cannot be
      // decoded ends the stream before its commit.
      decodeTransactionPayloads(
        z,
        (e) => {
          if (epoch !== this.epoch) return;
          this.fail(
            new SynclineError(
              'PREFLIGHT_FAILED',
              `${this.where}: a compressed transaction (binlog_transaction_compression=ON) after ${this.position || 'the start'} cannot be decoded: ${e.message}; streaming stopped before it. Fix: SET GLOBAL binlog_transaction_compression=OFF and binlog_row_metadata=FULL (and in my.cnf), then re-snapshot`,
              { cause: e },
            ),
          );
        },
        () => this.flow?.holds.has('library') ?? false,
        this.rowDecoder === 'zongji'
          ? undefined
          : {
              deliver: (ev) => {
                if (epoch === this.epoch) this.onBinlog(z, ev as unknown as AnyBinlogEvent);
              },
              fail: (e) => {
                if (epoch !== this.epoch) return;
                this.fail(
                  new SynclineError(
                    'INTERNAL',
                    `${this.where}: cannot decode a rows event after ${this.position || 'the start'}: ${e.message}; streaming stopped before it (SYNCLINE_BINLOG_DECODER=zongji selects zongji's decoder)`,
                    { cause: e },
                  ),
                );
              },
            },
      );
      this.connected = true;
      this.lastReceivedAt = Date.now();
    });
    const from = this.position;
    z.start({ serverId: this.o.serverId, gtidSet: from, includeEvents: [...TRANSLATED_EVENTS] });
    const conn = z.connection as unknown as FlowConnection | null;
    if (!conn) return; // start() refused the options; its error event arrives next
    this.installFlowControl(conn);
    for (const [name, value] of Object.entries(this.o.sessionVariables ?? {})) {
      if (!/^[a-z_]+$/i.test(name)) throw new Error(`invalid session variable name '${name}'`);
      const v = typeof value === 'number' ? String(value) : `'${value.replace(/['\\]/g, '\\$&')}'`;
      conn.query(`SET SESSION ${name} = ${v}`, (err) => {
        if (err && epoch === this.epoch) this.onFailure(err);
      });
    }
    const hb = this.o.heartbeatMs ?? 0;
    if (hb > 0) {
      // Queued before zongji's own preamble on this connection, so it precedes the dump request. The server
      // then sends a heartbeat whenever it has had nothing to send for that long.
      conn.query(`SET @master_heartbeat_period = ${BigInt(hb) * 1_000_000n}`, (err) => {
        if (err && epoch === this.epoch) this.onFailure(err);
      });
      this.armWatchdog(epoch, hb);
    }
    // A dump stream the server ends cleanly (EOF on shutdown) raises no error: notice the socket closing.
    conn.stream?.on('close', () => {
      if (epoch === this.epoch && !this.closed) {
        this.onFailure(
          Object.assign(new Error('binlog connection closed'), { code: 'PROTOCOL_CONNECTION_LOST' }),
        );
      }
    });
  }

  private installFlowControl(conn: FlowConnection): void {
    const pause = conn.pause.bind(conn);
    const resume = conn.resume.bind(conn);
    const holds = new Set<'library' | 'consumer'>();
    conn.pause = () => {
      holds.add('library');
      pause();
    };
    conn.resume = () => {
      holds.delete('library');
      if (holds.size === 0) resume();
    };
    this.flow = { conn, holds, pause, resume };
  }

  private pauseForConsumer(): void {
    const f = this.flow;
    if (!f || f.holds.has('consumer')) return;
    f.holds.add('consumer');
    this.pauses += 1;
    f.pause();
  }

  private resumeForConsumer(): void {
    const f = this.flow;
    if (!f?.holds.has('consumer')) return;
    f.holds.delete('consumer');
    this.lastReceivedAt = Date.now();
    // Drains mysql2's paused packets synchronously; a push in there may pause again, which stops the drain.
    if (f.holds.size === 0) f.resume();
  }

  private armWatchdog(epoch: number, hb: number): void {
    clearInterval(this.watchdog);
    const silence = Math.max(3 * hb, 10_000);
    this.watchdog = setInterval(
      () => {
        if (epoch !== this.epoch || !this.connected || this.flow?.holds.size) return;
        if (Date.now() - this.lastReceivedAt > silence) {
          this.onFailure(
            Object.assign(new Error(`no binlog event or heartbeat for ${Math.round(silence / 1000)} s`), {
              code: 'PROTOCOL_SEQUENCE_TIMEOUT',
            }),
          );
        }
      },
      Math.min(hb, 5_000),
    );
    this.watchdog.unref();
  }

  private teardown(): void {
    this.epoch += 1;
    this.connected = false;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.flow = undefined;
    this.translator.reset();
    const z = this.z;
    this.z = undefined;
    if (z) {
      z.removeAllListeners('binlog');
      z.removeAllListeners('error');
      z.on('error', () => {});
      try {
        z.stop();
      } catch {
        // already gone
      }
    }
  }

  private onFailure(err: unknown): void {
    if (this.closed || this.failure) return;
    const from = this.position;
    const c = classifyBinlogError(err, this.where, from);
    this.teardown();
    if (!c.transient) {
      this.fail(c.error);
      return;
    }
    this.attempts += 1;
    const max = this.o.reconnect?.maxAttempts ?? 0;
    if (max > 0 && this.attempts >= max) {
      this.fail(unreachable(this.where, this.attempts, c.cause));
      return;
    }
    this.reconnects += 1;
    this.push({ kind: 'reconnected', from, attempt: this.attempts });
    const delayMs = this.delay();
    this.o.onReconnect?.({ attempt: this.attempts, delayMs, error: c.cause, from });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private fail(error: SynclineError): void {
    this.teardown();
    this.failure = error;
    this.wake();
  }

  private delay(): number {
    return backoffDelay(this.attempts - 1, {
      initialMs: this.o.reconnect?.initialMs ?? 250,
      maxMs: this.o.reconnect?.maxMs ?? 30_000,
    });
  }

  // ---- events ----------------------------------------------------------------------------------------

  private onBinlog(z: ZongJi, ev: AnyBinlogEvent): void {
    this.lastReceivedAt = Date.now();
    this.received += 1;
    if (ev.getEventName() === 'heartbeat') this.attempts = 0; // the stream is healthy
    const schemas =
      ev.getEventName() === 'tablemap' ? z.tableMap[(ev as TableMapEvent).tableId]?.columnSchemas : undefined;
    let translated: RawBinlogEvent[];
    try {
      translated = this.translator.translate(ev, schemas);
    } catch (e) {
      // An event that cannot be turned into changes ends the stream before its commit: never skipped.
      this.fail(
        e instanceof SynclineError
          ? e
          : new SynclineError(
              'INTERNAL',
              `${this.where}: cannot translate a ${ev.getEventName()} event: ${(e as Error).message}`,
              { cause: e },
            ),
      );
      return;
    }
    for (const out of translated) {
      if (out.kind === 'statement') {
        // DDL may change a table under an unchanged table id: make zongji re-read column metadata (it only
        // caches on the INFORMATION_SCHEMA path; binlog_row_metadata=FULL rebuilds per TableMap anyway).
        for (const id of Object.keys(z.tableMap)) delete z.tableMap[Number(id)];
      } else if (out.kind === 'commit') this.attempts = 0;
      else if (out.kind === 'heartbeat' && this.queue[this.queue.length - 1]?.kind === 'heartbeat') {
        // An idle consumer must not make heartbeats pile up: keep only the newest trailing one.
        this.queue[this.queue.length - 1] = out;
        continue;
      }
      this.push(out);
    }
  }

  private push(ev: RawBinlogEvent): void {
    this.queue.push(ev);
    this.weight += eventWeight(ev);
    if (this.weight > this.peak) this.peak = this.weight;
    if (this.weight >= this.hwm) this.pauseForConsumer();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private waitForEvent(signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      this.waiter?.();
      this.waiter = done;
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function describeStart(s: ReaderStart): string {
  if (s === 'end') return 'end of binlog';
  return 'gtid' in s ? s.gtid : `${s.file}:${s.pos}`;
}
