import type { Logger } from 'pino';
import { backoffCeiling } from './backoff.js';
import type { ChangeEvent, Position } from './change-event.js';
import { describeEvent } from './change-event.js';
import { errorMessage } from './errors.js';
import type {
  Batch,
  CheckpointStore,
  DeadLetterEntry,
  DeadLetterStore,
  IndexOp,
  Mapping,
  RebuildContext,
  Sink,
  Source,
  WriteResult,
} from './interfaces.js';
import { PipelineStats } from './pipeline-stats.js';
import { idle } from './timers.js';

export type PipelineState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'failed';

export interface PipelineOptions {
  name: string;
  source: Source;
  mapping: Mapping;
  sink: Sink;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  /** Batches handed to the sink and not yet acknowledged; the source waits beyond it. */
  maxPendingBatches?: number;
  /** Events handed to the sink and not yet acknowledged; the source waits beyond it. */
  maxPendingEvents?: number;
  /** Minimum time between two checkpoint commits (the final one on stop is always written). */
  checkpointIntervalMs?: number;
  /** Cap of the backoff between attempts when the checkpoint or dead-letter store fails (default 10 s). */
  checkpointRetryMaxMs?: number;
}

interface Pending {
  batch: Batch;
  done: Promise<WriteResult>;
  settled: boolean;
}

/**
 * source → mapping → sink → ack → checkpoint. Batches are written concurrently (the sink batches and
 * bounds in-flight requests), but acknowledged strictly in source order: a position is committed only
 * once every event before it is applied, stale or dead-lettered. Restart resumes from that position.
 */
export class Pipeline {
  readonly name: string;
  readonly stats = new PipelineStats();
  private stateValue: PipelineState = 'idle';
  private lastErrorValue: string | undefined;
  private committed: Position | undefined;
  private acked: Position | undefined;
  private lastCommitAt = 0;
  private pendingEvents = 0;
  private pending: Pending[] = [];
  /** Acks and checkpoint commits, one after another. */
  private chain: Promise<void> = Promise.resolve();
  /** The background fan-outs of built documents, one after another (see writeAfter). */
  private fanOuts: Promise<void> = Promise.resolve();
  /** Resolves once the latest batch read has been handed to the sink (or failed before it). */
  private handoff: Promise<void> = Promise.resolve();
  private settleError: unknown;
  private failFast: AbortController | undefined;
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The signal of the current run: retries of a failing checkpoint store stop when it aborts. */
  private runSignal: AbortSignal | undefined;
  /** Set while paused: resolves on resume. */
  private pauseGate: { promise: Promise<void>; release: () => void } | undefined;

  constructor(private readonly o: PipelineOptions) {
    this.name = o.name;
  }

  get state(): PipelineState {
    return this.pauseGate && this.stateValue === 'running' ? 'paused' : this.stateValue;
  }
  /** Events read from the source and not yet acknowledged by the sink. */
  get inFlightEvents(): number {
    return this.pendingEvents;
  }
  get paused(): boolean {
    return this.pauseGate !== undefined;
  }

  /**
   * Stops handing batches to the sink: the next batch the source yields is held (not written) and no
   * further one is pulled, so the source's own backpressure holds it (the binlog reader pauses its
   * socket). What was already handed to the sink is written, acknowledged and checkpointed. Returns false
   * when already paused.
   */
  pause(): boolean {
    if (this.pauseGate) return false;
    let release!: () => void;
    const promise = new Promise<void>((r) => {
      release = r;
    });
    this.pauseGate = { promise, release };
    this.o.logger.info({ pipeline: this.name }, `pipeline ${this.name}: paused`);
    return true;
  }

  /** Continues reading where the pause left off. Returns false when not paused. */
  resume(): boolean {
    const gate = this.pauseGate;
    if (!gate) return false;
    this.pauseGate = undefined;
    gate.release();
    this.o.logger.info({ pipeline: this.name }, `pipeline ${this.name}: resumed`);
    return true;
  }
  /** The mapping the pipeline writes through (the admin API reads the progress of built documents). */
  get mapping(): Mapping {
    return this.o.mapping;
  }
  get lastError(): string | undefined {
    return this.lastErrorValue;
  }
  get position(): Position | undefined {
    return this.acked ?? this.committed;
  }

  /** Runs until the signal aborts (graceful: drains what was read, then commits) or the source fails. */
  async run(signal: AbortSignal): Promise<void> {
    const { source, checkpoints, logger } = this.o;
    const maxPending = this.o.maxPendingBatches ?? 64;
    const maxEvents = this.o.maxPendingEvents ?? 20_000;
    this.pendingEvents = 0;
    this.pending = [];
    this.chain = Promise.resolve();
    this.handoff = Promise.resolve();
    this.fanOuts = Promise.resolve();
    this.settleError = undefined;
    // The source stops when the caller aborts, or at once when acknowledging a batch failed.
    const inner = new AbortController();
    const forward = () => inner.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    this.failFast = inner;
    this.runSignal = signal;
    const pending = this.pending;
    this.stateValue = 'starting';
    try {
      this.committed = await checkpoints.load(this.name);
      logger.info(
        { pipeline: this.name, from: this.committed?.label ?? 'beginning' },
        `pipeline ${this.name}: starting from ${this.committed?.label ?? 'the beginning (snapshot)'}`,
      );
      this.stateValue = 'running';
      // The source iteration ends when the signal aborts; batches already read are drained below.
      for await (const batch of source.start(this.committed, inner.signal)) {
        if (this.pauseGate) {
          // The pause: this batch waits, the next is not pulled. What is in hand is finished and checkpointed.
          await this.drain();
          await this.serial(() => this.commit(true));
          await this.whilePaused(inner.signal);
          if (inner.signal.aborted) break; // the held batch is after the checkpoint: it replays on restart
        }
        const entry: Pending = { batch, done: this.write(batch), settled: false };
        // Acknowledged as soon as it and everything before it is written, not when the next batch arrives:
        // an idle source still gets its last position checkpointed.
        const settled = () => {
          entry.settled = true;
          this.settleReady().catch(() => {});
        };
        entry.done.then(settled, settled);
        pending.push(entry);
        this.pendingEvents += batch.events.length;
        while (pending.length > 0 && (pending.length >= maxPending || this.pendingEvents > maxEvents)) {
          await pending[0]!.done.catch(() => {});
          await this.settleReady();
        }
        this.throwIfSettleFailed();
      }
      this.throwIfSettleFailed();
      this.stateValue = 'stopping';
      await this.drain();
      await this.o.sink.flush();
      await this.serial(() => this.commit(true));
      this.stateValue = 'stopped';
      logger.info({ pipeline: this.name, position: this.committed?.label }, `pipeline ${this.name}: stopped`);
    } catch (thrown) {
      this.runSignal = undefined; // the last commits below are tried once
      const e = this.settleError ?? thrown;
      this.clearCommitTimer();
      if (signal.aborted && this.settleError === undefined && isAbort(e)) {
        // Aborted while waiting on the sink: what was acknowledged is committed, the rest replays.
        await this.serial(() => this.commit(true)).catch(() => {});
        this.stateValue = 'stopped';
        return;
      }
      this.stateValue = 'failed';
      this.lastErrorValue = errorMessage(e);
      await this.commit(true).catch(() => {});
      logger.error({ pipeline: this.name, err: e }, `pipeline ${this.name} failed: ${this.lastErrorValue}`);
      throw e;
    } finally {
      this.clearCommitTimer();
      signal.removeEventListener('abort', forward);
      this.failFast = undefined;
      this.runSignal = undefined;
    }
  }

  /** Waits until every batch in hand is written and acknowledged, in order. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      await this.pending[0]!.done.catch(() => {});
      await this.settleReady();
    }
  }

  private throwIfSettleFailed(): void {
    if (this.settleError !== undefined) throw this.settleError;
  }

  /**
   * Runs `fn` after everything queued before it (acks and checkpoint commits never overlap, so positions
   * are committed in order). The first failure stops the chain and the source: the pipeline fails with it.
   */
  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(() => (this.settleError === undefined ? fn() : undefined));
    this.chain = next.catch((e: unknown) => {
      this.settleError ??= e;
      this.failFast?.abort(e);
    });
    return this.chain.then(() => this.throwIfSettleFailed());
  }

  /** Acknowledges the written batches at the head, in source order. */
  private settleReady(): Promise<void> {
    return this.serial(async () => {
      while (this.pending.length > 0 && this.pending[0]!.settled) await this.settleHead();
    });
  }

  private async whilePaused(signal: AbortSignal): Promise<void> {
    while (this.pauseGate && !signal.aborted) {
      const gate = this.pauseGate.promise;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        signal.addEventListener('abort', done, { once: true });
        gate.then(done);
      });
    }
  }

  /**
   * Hands the batch's ops to the sink strictly after the previous batch's, whatever either waits for
   * before its hand-off (a dead-letter put of a row the mapping rejects): a TRUNCATE in a later batch must
   * never reach the sink before the inserts of an earlier one. Only the hand-off is ordered; the sink's
   * writes still run concurrently.
   */
  private write(batch: Batch): Promise<WriteResult> {
    const previous = this.handoff;
    let handed!: () => void;
    this.handoff = new Promise<void>((resolve) => {
      handed = resolve;
    });
    return this.writeAfter(batch, previous, handed);
  }

  private async writeAfter(batch: Batch, previous: Promise<void>, handed: () => void): Promise<WriteResult> {
    let written: Promise<WriteResult>;
    let ops: IndexOp[];
    let t0: number;
    let rebuilt: WriteResult | undefined;
    const later: Array<Promise<WriteResult | undefined>> = [];
    try {
      ops = await this.toOps(batch);
      await previous;
      // a TRUNCATE must not be overtaken by a fan-out page read before it
      if (ops.some((op) => op.action === 'truncate')) await this.fanOuts;
      t0 = performance.now();
      written = ops.length > 0 ? this.o.sink.write(ops) : Promise.resolve(NOTHING_WRITTEN);
      // documents built from several tables: the roots the batch names are rebuilt before the next batch
      // is handed over; fan-outs to many roots go on in the background, one after another, while later
      // batches stream — this batch is acknowledged (and checkpointed past) only once they are written
      if (this.o.mapping.rebuild)
        rebuilt = await this.o.mapping.rebuild(batch.events, this.rebuildContext(later));
    } finally {
      handed();
    }
    // only the events are needed from here on: the ops (and their documents) can be collected while the
    // engine works on them
    const events = ops.length === 0 ? NO_EVENTS : ops.map((op) => op.event);
    ops = NO_OPS;
    const result = await written;
    this.stats.written(result, events, performance.now() - t0);
    for (const r of await Promise.all(later)) if (r) rebuilt = rebuilt ? sumResults(rebuilt, r) : r;
    return rebuilt ? sumResults(result, rebuilt) : result;
  }

  private rebuildContext(later: Array<Promise<WriteResult | undefined>>): RebuildContext {
    return {
      background: (task) => {
        const run = this.fanOuts.then(task);
        this.fanOuts = run.then(
          () => {},
          () => {},
        );
        later.push(run);
      },
      track: (write) => {
        later.push(write);
      },
      write: async (ops) => {
        const t0 = performance.now();
        const r = await this.o.sink.write(ops);
        this.stats.written(
          r,
          ops.map((op) => op.event),
          performance.now() - t0,
        );
        return r;
      },
      flush: () => this.o.sink.flush(),
      ...(this.runSignal && { signal: this.runSignal }),
      onWarning: (message) => this.o.logger.warn({ pipeline: this.name }, message),
    };
  }

  /** The batch's index ops; a row the mapping cannot convert is stored, not allowed to stop the pipeline. */
  private async toOps(batch: Batch): Promise<IndexOp[]> {
    const ops: IndexOp[] = [];
    for (const ev of batch.events) {
      this.stats.eventIn(ev);
      try {
        ops.push(...this.o.mapping.toOps(ev));
      } catch (e) {
        this.o.logger.warn(
          { pipeline: this.name, err: errorMessage(e) },
          `dead letter: ${describeEvent(ev)}`,
        );
        const entry: DeadLetterEntry = {
          pipeline: this.name,
          index: this.indexFor(ev.source.database, ev.source.table),
          docId: JSON.stringify(ev.key),
          kind: 'conversion',
          error: errorMessage(e),
          attempts: 1,
          event: ev,
        };
        await this.retrying('dead-letter put', () => this.o.deadLetters.put(entry));
        this.stats.dead += 1;
      }
    }
    return ops;
  }

  private indexFor(database: string, table: string): string {
    return this.o.mapping.indexOf?.(database, table) ?? `${database}.${table}`;
  }

  private async settleHead(): Promise<void> {
    const head = this.pending.shift()!;
    this.pendingEvents -= head.batch.events.length;
    await head.done;
    await head.batch.ack();
    if (head.batch.position) {
      this.acked = head.batch.position;
      await this.commit(false);
    }
  }

  private async commit(force: boolean): Promise<void> {
    const p = this.acked;
    if (!p || p === this.committed) return;
    const now = Date.now();
    const interval = this.o.checkpointIntervalMs ?? 1000;
    if (!force && now - this.lastCommitAt < interval) {
      // Throttled: committed a little later even if nothing else arrives.
      this.commitTimer ??= setTimeout(
        () => {
          this.commitTimer = undefined;
          this.serial(() => this.commit(true)).catch(() => {});
        },
        interval - (now - this.lastCommitAt),
      );
      return;
    }
    this.clearCommitTimer();
    await this.retrying('checkpoint commit', () => this.o.checkpoints.commit(this.name, p));
    this.committed = p;
    this.lastCommitAt = now;
    this.stats.checkpoint(p);
  }

  /**
   * The checkpoint and dead-letter stores can be briefly unreachable (the source database restarting):
   * nothing is lost by waiting — the source is held by backpressure meanwhile — so `what` is retried with
   * capped backoff instead of failing the pipeline. Stops retrying when the pipeline is stopped (a
   * checkpoint then stays behind and replays on restart, which versions make harmless).
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fn();
        if (attempt > 0)
          this.o.logger.info({ pipeline: this.name }, `pipeline ${this.name}: ${what} succeeded again`);
        return r;
      } catch (e) {
        const signal = this.runSignal;
        if (!signal || signal.aborted) throw e;
        const waitMs = backoffCeiling(attempt, {
          initialMs: 200,
          maxMs: this.o.checkpointRetryMaxMs ?? 10_000,
        });
        this.o.logger.warn(
          { pipeline: this.name, attempt: attempt + 1, err: errorMessage(e) },
          `pipeline ${this.name}: ${what} failed (${errorMessage(e)}); retrying in ${waitMs} ms — nothing is lost, the source waits`,
        );
        await idle(waitMs, signal);
      }
    }
  }

  private clearCommitTimer(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
  }
}

const NO_OPS: IndexOp[] = [];
const NO_EVENTS: ChangeEvent[] = [];
const NOTHING_WRITTEN: WriteResult = { outcomes: [], ok: 0, stale: 0, dead: 0, retried: 0 };

function sumResults(a: WriteResult, b: WriteResult): WriteResult {
  return {
    outcomes: [...a.outcomes, ...b.outcomes],
    ok: a.ok + b.ok,
    stale: a.stale + b.stale,
    dead: a.dead + b.dead,
    retried: a.retried + b.retried,
  };
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
}
