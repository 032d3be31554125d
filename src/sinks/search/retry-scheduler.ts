import type { Logger } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import { ErrorCodes } from '../../core/errors.js';
import type { DeadLetterKind } from '../../core/interfaces.js';
import { attemptsExhausted, type BackoffPolicy } from './retry-logic.js';
import { type Entry, Fifo } from './write-group.js';

export interface RetrySchedulerOptions {
  readonly policy: BackoffPolicy;
  readonly random: () => number;
  readonly log: Logger;
  readonly counters: { retriedItems: number; retryRounds: number };
  /** Forgets an item whose write was aborted. */
  readonly drop: (e: Entry) => void;
  readonly deadLetter: (e: Entry, kind: DeadLetterKind, error: string) => Promise<void>;
  /** Called when items become due: the dispatcher sends them. */
  readonly wake: () => void;
}

/**
 * When failed items go again: after one jittered backoff per failed group (transient failures), or at
 * once (the halves of a split request). Due groups are sent as their own batches, ahead of new ops;
 * `delayed` counts items still waiting, which a truncate barrier waits for. Engine-agnostic.
 */
export class RetryScheduler {
  private readonly due = new Fifo<Entry[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private delayedItems = 0;

  constructor(private readonly o: RetrySchedulerOptions) {}

  get delayed(): number {
    return this.delayedItems;
  }

  /** The next group due for sending, if any. */
  nextDue(): Entry[] | undefined {
    return this.due.shift();
  }

  /** Sends `items` again as soon as the dispatcher can (not an attempt's failure: no backoff). */
  now(items: Entry[]): void {
    this.due.push(items);
  }

  /** Re-queues transiently failed items after one backoff, or dead-letters those out of attempts. */
  later(items: Entry[], reasons: Record<string, number>): void {
    const o = this.o;
    const live: Entry[] = [];
    const lastReason = Object.keys(reasons).join(', ');
    for (const e of items) {
      if (e.group.aborted) o.drop(e);
      else if (attemptsExhausted(e.attempts, o.policy)) {
        void o.deadLetter(e, 'retries-exhausted', `gave up after ${e.attempts} attempts: ${lastReason}`);
      } else live.push(e);
    }
    if (live.length === 0) return;
    let attempt = 0;
    for (const e of live) {
      if (e.attempts > attempt) attempt = e.attempts;
      e.state = 'delayed';
      e.group.retried++;
    }
    const delayMs = fullJitter(attempt - 1, o.policy, o.random);
    o.counters.retriedItems += live.length;
    o.counters.retryRounds++;
    this.delayedItems += live.length;
    o.log.warn(
      { code: ErrorCodes.SINK_UNREACHABLE.code, items: live.length, attempt, delayMs, reasons },
      'bulk items failed transiently; retrying after backoff',
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayedItems -= live.length;
      const due = live.filter((e) => e.state === 'delayed');
      for (const e of due) e.state = 'queued';
      if (due.length > 0) this.due.push(due);
      o.wake();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancels every pending backoff (the sink is stopping or closed). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.delayedItems = 0;
  }
}
