import { type Logger, pino } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import { ErrorCodes, errorMessage } from '../../core/errors.js';
import type { DeadLetterStore, IndexOp, OpOutcome, Sink, WriteResult } from '../../core/interfaces.js';
import { abortError } from '../../core/timers.js';
import { BulkRequests } from './bulk-requests.js';
import { ByteBudget } from './byte-budget.js';
import type { SearchClient } from './client.js';
import { DeadLetterWriter } from './dead-letter-writer.js';
import { detectEngine, type EngineProfile } from './engine-compat.js';
import { ReadyQueue } from './ready-queue.js';
import { type EncodedOp, encodeOp, TRUNCATE_BYTES } from './request-builder.js';
import type { BackoffPolicy } from './retry-logic.js';
import { RetryScheduler } from './retry-scheduler.js';
import { createSinkCounters, type SinkCounters } from './sink-counters.js';
import { truncateWithRetries } from './truncate-barrier.js';
import { type Entry, Group, raceAbort } from './write-group.js';

export { LATENCY_BUCKETS_MS, type SinkCounters } from './sink-counters.js';

/**
 * The `_bulk` sink: a buffer of accepted ops, a dispatcher that cuts batches (maxDocs / maxBytes /
 * lingerMs) and keeps at most `concurrency` requests in flight, per-item classification, retry of only
 * the failed items after a jittered backoff, and dead-lettering of what the engine refuses for good.
 *
 * Invariants:
 * - An accepted op is settled exactly once: ok, stale (the index already had it or newer) or dead (the
 *   dead-letter store confirmed the put). Nothing else resolves a write.
 * - bufferedBytes (encoded bytes accepted but not settled) never exceeds maxBufferedBytes, except by a
 *   single op larger than the whole budget, admitted alone. Producers wait in FIFO order.
 * - A truncate is a barrier: everything accepted before it settles first, nothing after it is sent
 *   until it has completed.
 */

export interface BulkSinkOptions {
  readonly client: SearchClient;
  readonly config: SinkConfig;
  readonly deadLetters: DeadLetterStore;
  readonly pipeline: string;
  readonly logger?: Logger;
  /** Called after every answered `_bulk` request (metrics hook). */
  readonly onBulk?: (latencyMs: number, items: number) => void;
  /** Stops the sink: pending writes reject, retries and waits end, in-flight requests are cancelled. */
  readonly signal?: AbortSignal;
  /** Jitter source, for tests. */
  readonly random?: () => number;
}

/** What a producer holds once its ops are accepted into the buffer. */
export interface PendingWrite {
  /** Settles when every op is ok, stale or dead-lettered; rejects only when aborted. */
  readonly result: Promise<WriteResult>;
}

export class BulkSink implements Sink {
  readonly counters: SinkCounters = createSinkCounters();

  private readonly client: SearchClient;
  private readonly config: SinkConfig;
  private readonly deadLetters: DeadLetterWriter;
  private readonly pipeline: string;
  private readonly log: Logger;
  private readonly onBulk: ((latencyMs: number, items: number) => void) | undefined;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private readonly stop = new AbortController();
  private readonly budget: ByteBudget;

  private readonly ready = new ReadyQueue();
  /** Failed items whose backoff has elapsed, sent as their own batches (split halves too). */
  private readonly retries: RetryScheduler;
  private readonly groups = new Set<Group>();
  /** Settles when the write being accepted (and every one called before it) is fully queued. */
  private accepting: Promise<void> | undefined;

  private inFlightCount = 0;
  private truncating = false;
  private forcing = 0;
  private closing = false;
  private closed = false;
  private pumpScheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lingerAt = 0;
  /** Lowered after a 413 so later batches fit the engine's http.max_content_length. */
  private readonly batchLimit: { maxBytes: number };
  private readonly requests: BulkRequests;
  private profilePromise: Promise<EngineProfile> | undefined;

  constructor(opts: BulkSinkOptions) {
    this.client = opts.client;
    this.config = opts.config;
    this.pipeline = opts.pipeline;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({
      component: 'bulk-sink',
      pipeline: opts.pipeline,
    });
    this.onBulk = opts.onBulk;
    this.random = opts.random ?? Math.random;
    this.policy = opts.config.retry;
    this.batchLimit = { maxBytes: opts.config.batch.maxBytes };
    this.budget = new ByteBudget(opts.config.maxBufferedBytes, this.counters);
    this.retries = new RetryScheduler({
      policy: this.policy,
      random: this.random,
      log: this.log,
      counters: this.counters,
      drop: (e) => this.drop(e),
      deadLetter: (e, kind, error) => this.deadLetters.one(e, kind, error),
      wake: () => this.schedulePump(),
    });
    this.requests = new BulkRequests({
      client: this.client,
      profile: () => this.profile(),
      config: this.config,
      batchLimit: this.batchLimit,
      signal: this.stop.signal,
      log: this.log,
      counters: this.counters,
      onBulk: this.onBulk,
      retries: this.retries,
      deadLetters: () => this.deadLetters,
      settle: (e, outcome) => this.settle(e, outcome),
      drop: (e) => this.drop(e),
    });
    this.deadLetters = new DeadLetterWriter({
      store: opts.deadLetters,
      pipeline: opts.pipeline,
      policy: this.policy,
      random: this.random,
      log: this.log,
      signal: this.stop.signal,
      counters: this.counters,
      settle: (e) => this.settle(e, 'dead'),
    });
    if (opts.signal) {
      if (opts.signal.aborted) this.stop.abort(opts.signal.reason);
      else opts.signal.addEventListener('abort', () => this.stop.abort(opts.signal?.reason), { once: true });
    }
    this.stop.signal.addEventListener('abort', () => this.shutdown(), { once: true });
  }

  /** Encoded bytes accepted but not yet settled. */
  get bufferedBytes(): number {
    return this.budget.used;
  }
  /** Highest bufferedBytes seen. */
  get highWaterBytes(): number {
    return this.budget.highWater;
  }
  get inFlight(): number {
    return this.inFlightCount;
  }
  /** Producers currently waiting for buffer space. */
  get waitingProducers(): number {
    return this.budget.waiting;
  }
  /** The detected engine, once the first request has been made. */
  async engine(): Promise<EngineProfile> {
    return this.profile();
  }

  async write(ops: readonly IndexOp[], signal?: AbortSignal): Promise<WriteResult> {
    const pending = await this.submit(ops, signal);
    return pending.result;
  }

  /**
   * Accepts ops into the buffer, waiting for space when the buffer is full (backpressure), and returns
   * as soon as all of them are accepted; `result` settles when they are all acknowledged. A source can
   * keep several submits outstanding and is slowed exactly by the sink's pace.
   */
  async submit(ops: readonly IndexOp[], signal?: AbortSignal): Promise<PendingWrite> {
    if (this.closing || this.closed) throw new Error('bulk sink is closed');
    if (this.stop.signal.aborted) throw abortError(this.stop.signal);
    if (signal?.aborted) throw abortError(signal);
    const g = new Group(ops.length);
    if (ops.length === 0) {
      g.finish();
      return { result: g.result };
    }
    this.groups.add(g);
    if (signal) {
      const onAbort = () => this.abortGroup(g, abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      g.cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        this.groups.delete(g);
      };
    } else {
      g.cleanup = () => this.groups.delete(g);
    }

    // Writes are accepted in call order: a write called while an earlier one waits for space waits
    // behind all of it, else its ops (a TRUNCATE) could be queued between the earlier write's ops.
    const earlier = this.accepting;
    let accepted!: () => void;
    const mine = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    this.accepting = mine;
    try {
      if (earlier) {
        try {
          await raceAbort(earlier, signal);
        } catch (e) {
          this.abortGroup(g, e);
          throw e;
        }
        if (this.stop.signal.aborted) {
          this.abortGroup(g, abortError(this.stop.signal));
          throw abortError(this.stop.signal);
        }
      }
      await this.accept(g, ops, signal);
    } finally {
      accepted();
      if (this.accepting === mine) this.accepting = undefined;
    }
    this.schedulePump();
    return { result: g.result };
  }

  /** Takes buffer space for each op (waiting when full) and queues it. */
  private async accept(g: Group, ops: readonly IndexOp[], signal: AbortSignal | undefined): Promise<void> {
    for (let slot = 0; slot < ops.length; slot++) {
      const op = ops[slot]!;
      let enc: EncodedOp | undefined;
      let invalid: string | undefined;
      let bytes = TRUNCATE_BYTES;
      if (op.action !== 'truncate') {
        try {
          enc = encodeOp(op);
          bytes = enc.bytes;
        } catch (e) {
          invalid = errorMessage(e);
        }
      }
      const wait = this.budget.reserve(bytes, signal);
      if (wait) {
        this.schedulePump();
        try {
          await wait;
        } catch (e) {
          this.abortGroup(g, e);
          throw e;
        }
      }
      if (g.aborted) {
        this.budget.release(bytes);
        throw signal?.aborted ? abortError(signal) : abortError(this.stop.signal);
      }
      const entry: Entry = {
        op: enc === undefined ? op : withoutDocument(op),
        enc,
        bytes,
        group: g,
        slot,
        enqueuedAt: performance.now(),
        state: 'queued',
        inReady: false,
        attempts: 0,
      };
      g.entries.push(entry);
      this.counters.eventsIn++;
      if (invalid !== undefined) {
        void this.deadLetters.one(entry, 'rejected', `invalid operation: ${invalid}`);
        continue;
      }
      this.ready.push(entry);
    }
  }

  /** Sends everything accepted so far without waiting for the linger, and waits until it is settled. */
  async flush(signal?: AbortSignal): Promise<void> {
    const pending = [...this.groups].map((g) => g.done);
    if (pending.length === 0) return;
    this.forcing++;
    this.schedulePump();
    try {
      await raceAbort(Promise.all(pending), signal);
    } finally {
      this.forcing--;
    }
  }

  /** Graceful: refuses new writes, sends everything buffered and waits for it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.schedulePump();
    while (this.groups.size > 0 && !this.stop.signal.aborted) {
      await this.flush(this.stop.signal).catch(() => {});
    }
    this.closed = true;
    this.clearTimers();
  }

  // ---- dispatch ----------------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stop.signal.aborted) return;
    const { maxDocs, lingerMs } = this.config.batch;
    while (this.inFlightCount < this.config.concurrency && !this.truncating) {
      const retry = this.retries.nextDue();
      if (retry) {
        const live = retry.filter((e) => e.state === 'queued');
        if (live.length > 0) this.sendBulk(live);
        continue;
      }
      const head = this.ready.peek();
      if (!head) return;
      if (head.op.action === 'truncate') {
        // Barrier: whatever came before it must be settled on the index first.
        if (this.inFlightCount > 0 || this.retries.delayed > 0) return;
        this.ready.remove(head);
        this.startTruncate(head);
        return;
      }
      const now = performance.now();
      // Lingering only pays under load: with no request in flight the engine is idle, and a change that
      // waited for company would only be later (freshness). Busy, the linger fills the next request.
      const due =
        lingerMs === 0 ||
        this.inFlightCount === 0 ||
        this.forcing > 0 ||
        this.closing ||
        this.ready.truncates > 0 ||
        this.budget.waiting > 0 ||
        this.ready.docs >= maxDocs ||
        this.ready.bytes >= this.batchLimit.maxBytes ||
        now - head.enqueuedAt >= lingerMs;
      if (!due) {
        this.armLinger(head.enqueuedAt + lingerMs);
        return;
      }
      const batch = this.ready.takeBatch(maxDocs, this.batchLimit.maxBytes);
      if (batch.length === 0) return;
      this.sendBulk(batch);
    }
  }

  private armLinger(at: number): void {
    if (this.lingerTimer && this.lingerAt <= at) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerAt = at;
    this.lingerTimer = setTimeout(
      () => {
        this.lingerTimer = undefined;
        this.pump();
      },
      Math.max(0, Math.ceil(at - performance.now())),
    );
  }

  private profile(): Promise<EngineProfile> {
    if (!this.profilePromise) {
      this.profilePromise = detectEngine(this.client);
      this.profilePromise.then(
        (p) => this.log.debug({ engine: p.info.engine, version: p.info.version }, 'search engine detected'),
        () => {
          this.profilePromise = undefined;
        },
      );
    }
    return this.profilePromise;
  }

  // ---- bulk requests -----------------------------------------------------------------------------

  private sendBulk(batch: Entry[]): void {
    this.inFlightCount++;
    for (const e of batch) {
      e.state = 'inflight';
      e.attempts++;
    }
    void this.requests
      .run(batch)
      .catch((e) => this.log.error({ err: e, code: ErrorCodes.INTERNAL.code }, 'bulk dispatch failed'))
      .finally(() => {
        this.inFlightCount--;
        this.schedulePump();
      });
  }

  // ---- truncate ----------------------------------------------------------------------------------

  private startTruncate(e: Entry): void {
    this.truncating = true;
    this.inFlightCount++;
    e.state = 'inflight';
    void truncateWithRetries(e, {
      client: this.client,
      profile: () => this.profile(),
      policy: this.policy,
      random: this.random,
      log: this.log,
      signal: this.stop.signal,
      counters: this.counters,
      settle: (x, outcome) => this.settle(x, outcome),
      drop: (x) => this.drop(x),
      deadLetter: (x, kind, error) => this.deadLetters.one(x, kind, error),
    })
      .catch((err) => this.log.error({ err, code: ErrorCodes.INTERNAL.code }, 'truncate failed'))
      .finally(() => {
        this.truncating = false;
        this.inFlightCount--;
        this.schedulePump();
      });
  }

  // ---- settlement --------------------------------------------------------------------------------

  private settle(e: Entry, outcome: OpOutcome): void {
    if (e.state === 'done' || e.state === 'dropped') return;
    e.state = 'done';
    this.budget.release(e.bytes);
    if (outcome === 'ok') this.counters.docsOk++;
    else if (outcome === 'stale') this.counters.stale++;
    else this.counters.dead++;
    const g = e.group;
    g.outcomes[e.slot] = outcome;
    g[outcome]++;
    if (--g.remaining === 0) g.finish();
  }

  /** Forgets an op whose write was aborted: the source replays it from its checkpoint. */
  private drop(e: Entry): void {
    if (e.state === 'done' || e.state === 'dropped') return;
    this.ready.forget(e);
    e.state = 'dropped';
    this.budget.release(e.bytes);
  }

  private abortGroup(g: Group, reason: unknown): void {
    if (g.finished) return;
    g.abort(reason);
    for (const e of g.entries) {
      // In-flight items finish their request; their result is counted but no longer awaited.
      if (e.state !== 'inflight') this.drop(e);
    }
    this.schedulePump();
  }

  private clearTimers(): void {
    this.retries.clear();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private shutdown(): void {
    const reason = abortError(this.stop.signal);
    this.clearTimers();
    this.budget.rejectAll(reason);
    for (const g of [...this.groups]) this.abortGroup(g, reason);
  }
}

/** What an encoded index op keeps of its document: nothing (its bytes are in `enc`). */
const RELEASED: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The op as an entry keeps it once encoded: without its document object. A pending op otherwise holds
 * the document (a dozen values, parsed JSON columns, converted dates) until the engine answers — with
 * thousands of ops in flight that is most of the young generation, copied by every scavenge and then
 * promoted (docs/performance.md: GC was a quarter of the worker's time). Everything after encoding —
 * retries, dead letters, counters — uses the bytes, the id, the version and the event.
 */
function withoutDocument(op: IndexOp): IndexOp {
  if (op.action !== 'index') return op;
  const { index, id, version, event } = op;
  return op.routing === undefined
    ? { action: 'index', index, id, version, doc: RELEASED, event }
    : { action: 'index', index, id, version, doc: RELEASED, routing: op.routing, event };
}
