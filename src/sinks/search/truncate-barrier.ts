import type { Logger } from 'pino';
import { fullJitter } from '../../core/backoff.js';
import { ErrorCodes } from '../../core/errors.js';
import type { DeadLetterKind, OpOutcome } from '../../core/interfaces.js';
import { sleep } from '../../core/timers.js';
import { classifyTransportError, type RequestVerdict } from './bulk-response.js';
import type { SearchClient } from './client.js';
import type { EngineProfile } from './engine-compat.js';
import { attemptsExhausted, type BackoffPolicy } from './retry-logic.js';
import { truncateBelowVersion } from './versioned-truncate.js';
import type { Entry } from './write-group.js';

export interface TruncateDeps {
  readonly client: SearchClient;
  readonly profile: () => Promise<EngineProfile>;
  readonly policy: BackoffPolicy;
  readonly random: () => number;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly counters: { truncates: number; retriedItems: number; retryRounds: number };
  readonly settle: (e: Entry, outcome: OpOutcome) => void;
  readonly drop: (e: Entry) => void;
  readonly deadLetter: (e: Entry, kind: DeadLetterKind, error: string) => Promise<void>;
}

/**
 * Runs a truncate op to its end while the sink holds its barrier (nothing else is sent meanwhile):
 * versioned-truncate.ts does one attempt; a transient failure runs it again after the sink's backoff (it
 * is idempotent), a permanent one or running out of attempts dead-letters it.
 */
export async function truncateWithRetries(e: Entry, d: TruncateDeps): Promise<void> {
  const { op } = e;
  const index = op.index;
  for (;;) {
    if (e.group.aborted) {
      d.drop(e);
      return;
    }
    e.attempts++;
    let verdict: RequestVerdict;
    let kept = 0;
    try {
      const outcome = await truncateBelowVersion({
        client: d.client,
        profile: await d.profile(),
        index,
        version: op.version,
        event: op.event,
        log: d.log,
        signal: d.signal,
      });
      verdict = outcome.verdict;
      kept = outcome.kept;
    } catch (err) {
      verdict = classifyTransportError(err);
    }
    if (d.signal.aborted) return;
    if (verdict.kind === 'items') {
      d.counters.truncates++;
      d.log.info({ index, kept }, 'index truncated');
      d.settle(e, 'ok');
      return;
    }
    if (verdict.kind === 'split') {
      void d.deadLetter(e, 'rejected', verdict.error);
      return;
    }
    if (attemptsExhausted(e.attempts, d.policy)) {
      void d.deadLetter(e, 'retries-exhausted', `gave up after ${e.attempts} attempts: ${verdict.reason}`);
      return;
    }
    const delayMs = fullJitter(e.attempts - 1, d.policy, d.random);
    e.group.retried++;
    d.counters.retriedItems++;
    d.counters.retryRounds++;
    d.log.warn(
      { code: ErrorCodes.SINK_UNREACHABLE.code, index, attempt: e.attempts, delayMs, reason: verdict.reason },
      'truncate failed transiently; retrying after backoff',
    );
    try {
      await sleep(delayMs, d.signal);
    } catch {
      return;
    }
  }
}
