import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import type { DeadLetterKind, DeadLetterStore } from '../../core/interfaces.js';
import { sleep } from '../../core/timers.js';
import { type BackoffPolicy, RetryState } from './retry-logic.js';
import { docId, type Entry } from './write-group.js';

export interface DeadLetterWriterOptions {
  readonly store: DeadLetterStore;
  readonly pipeline: string;
  readonly policy: BackoffPolicy;
  readonly random: () => number;
  readonly log: Logger;
  /** The sink's stop: puts and their retries end with it. */
  readonly signal: AbortSignal;
  readonly counters: { dlqPutFailures: number };
  /** Called once the store confirmed the put: the op is settled as dead. */
  readonly settle: (e: Entry) => void;
}

/**
 * Stores ops the engine refused for good (or that ran out of attempts) in the dead-letter store. An op is
 * settled only once the store confirms; a failing store is retried with backoff for as long as it takes
 * (the sink's buffer holds the op meanwhile, so backpressure, not loss, is the cost).
 */
export class DeadLetterWriter {
  constructor(private readonly o: DeadLetterWriterOptions) {}

  /** One at a time: a burst of rejected documents should not open a burst of store connections. */
  async all(list: Array<{ e: Entry; kind: DeadLetterKind; error: string }>): Promise<void> {
    for (const { e } of list) e.state = 'dlq';
    for (const { e, kind, error } of list) await this.one(e, kind, error);
  }

  async one(e: Entry, kind: DeadLetterKind, error: string): Promise<void> {
    const o = this.o;
    e.state = 'dlq';
    const retry = new RetryState({ ...o.policy, maxAttempts: 0 }, o.random);
    for (;;) {
      if (e.state !== 'dlq' || o.signal.aborted) return;
      try {
        await o.store.put({
          pipeline: o.pipeline,
          index: e.op.index,
          docId: docId(e.op),
          kind,
          error,
          attempts: e.attempts,
          event: e.op.event,
        });
        o.settle(e);
        return;
      } catch (err) {
        o.counters.dlqPutFailures++;
        const delayMs = retry.failed();
        o.log.warn(
          { err: errorMessage(err), docId: docId(e.op), attempt: retry.attempts, delayMs },
          'dead-letter store failed; retrying the put',
        );
        try {
          await sleep(delayMs, o.signal);
        } catch {
          return;
        }
      }
    }
  }
}
