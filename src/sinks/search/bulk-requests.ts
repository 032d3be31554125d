import type { Logger } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import { ErrorCodes, errorMessage } from '../../core/errors.js';
import type { OpOutcome } from '../../core/interfaces.js';
import {
  classifyItems,
  classifyStatus,
  classifyTransportError,
  type ItemVerdict,
  type RequestVerdict,
} from './bulk-response.js';
import type { SearchClient } from './client.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import type { EngineProfile } from './engine-compat.js';
import { bulkBodyBytes } from './request-builder.js';
import type { RetryScheduler } from './retry-scheduler.js';
import { recordLatency, type SinkCounters } from './sink-counters.js';
import { docId, type Entry } from './write-group.js';

export interface BulkRequestsDeps {
  readonly client: SearchClient;
  readonly profile: () => Promise<EngineProfile>;
  readonly config: SinkConfig;
  /** The batch byte limit the dispatcher cuts at; lowered here after a 413. */
  readonly batchLimit: { maxBytes: number };
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly counters: SinkCounters;
  readonly onBulk: ((latencyMs: number, items: number) => void) | undefined;
  readonly retries: RetryScheduler;
  readonly deadLetters: () => DeadLetterWriter;
  readonly settle: (e: Entry, outcome: OpOutcome) => void;
  readonly drop: (e: Entry) => void;
}

/**
 * One `_bulk` request of a batch and what follows from its answer: items ok or stale are settled,
 * transient failures go to the retry scheduler, refused items to the dead-letter writer; a request
 * refused as a whole is retried or split in halves (a 413 also lowers the batch byte limit).
 */
export class BulkRequests {
  constructor(private readonly d: BulkRequestsDeps) {}

  async run(batch: Entry[]): Promise<void> {
    const d = this.d;
    const encoded = batch.map((e) => e.enc!);
    let profile: EngineProfile;
    try {
      profile = await d.profile();
    } catch (e) {
      this.onRequestFailed(batch, { kind: 'retry', reason: `engine unreachable: ${errorMessage(e)}` });
      return;
    }
    const body = bulkBodyBytes(encoded);
    const bodyBytes = body.length;
    d.counters.bulkRequests++;
    d.counters.bytesSent += bodyBytes;
    const t0 = performance.now();
    let res: Awaited<ReturnType<SearchClient['request']>>;
    try {
      res = await d.client.request('POST', `/_bulk${profile.bulkQuery(d.config.refresh)}`, body, {
        contentType: profile.bulkContentType,
        signal: d.signal,
      });
    } catch (e) {
      if (d.signal.aborted) {
        for (const entry of batch) d.drop(entry);
        return;
      }
      d.counters.bulkFailures++;
      this.onRequestFailed(batch, classifyTransportError(e));
      return;
    }
    const latencyMs = performance.now() - t0;
    recordLatency(d.counters, latencyMs);
    try {
      d.onBulk?.(latencyMs, batch.length);
    } catch (e) {
      d.log.warn({ err: errorMessage(e) }, 'onBulk hook threw');
    }
    const verdict = classifyStatus(res.status, res.body);
    if (verdict.kind !== 'items') {
      d.counters.bulkFailures++;
      this.onRequestFailed(batch, verdict, bodyBytes);
      return;
    }
    const verdicts = classifyItems(
      encoded.map((e) => e.action),
      res.body,
    );
    if (!verdicts) {
      d.counters.bulkFailures++;
      d.log.error(
        { code: ErrorCodes.SINK_UNREACHABLE.code, status: res.status },
        '_bulk response does not match the request; retrying the whole batch',
      );
      this.onRequestFailed(batch, { kind: 'retry', reason: 'malformed _bulk response' });
      return;
    }
    const retry: Entry[] = [];
    const reasons: Record<string, number> = {};
    const dead: Array<{ e: Entry; v: Extract<ItemVerdict, { kind: 'dead' }> }> = [];
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      const v = verdicts[i]!;
      if (v.kind === 'ok' || v.kind === 'stale') d.settle(e, v.kind);
      else if (v.kind === 'retry') {
        retry.push(e);
        reasons[v.reason] = (reasons[v.reason] ?? 0) + 1;
      } else dead.push({ e, v });
    }
    if (retry.length > 0) d.retries.later(retry, reasons);
    if (dead.length > 0) {
      const kinds: Record<string, number> = {};
      for (const { v } of dead) kinds[v.deadKind] = (kinds[v.deadKind] ?? 0) + 1;
      d.log.warn(
        { code: ErrorCodes.SINK_REJECTED.code, items: dead.length, kinds, first: dead[0]!.v.error },
        'bulk items rejected; storing them as dead letters',
      );
      void d.deadLetters().all(dead.map(({ e, v }) => ({ e, kind: v.deadKind, error: v.error })));
    }
  }

  private onRequestFailed(batch: Entry[], v: RequestVerdict, bodyBytes = 0): void {
    const d = this.d;
    if (v.kind === 'retry') {
      d.retries.later(batch, { [v.reason]: batch.length });
      return;
    }
    if (v.kind === 'split') {
      if (batch.length === 1) {
        const e = batch[0]!;
        d.log.warn(
          { code: ErrorCodes.SINK_REJECTED.code, docId: docId(e.op), error: v.error },
          'request refused for a single document; storing it as a dead letter',
        );
        void d.deadLetters().one(e, 'rejected', v.error);
        return;
      }
      if (v.reason.startsWith('413') && bodyBytes > 0) {
        const next = Math.max(1024, Math.floor(bodyBytes / 2));
        if (next < d.batchLimit.maxBytes) {
          d.batchLimit.maxBytes = next;
          d.log.warn(
            { maxBytes: next, configured: d.config.batch.maxBytes },
            '413 from the engine: lowering the batch size limit; set sink.batch.maxBytes below http.max_content_length',
          );
        }
      }
      // Not the items' fault: a split is not an attempt.
      const mid = Math.ceil(batch.length / 2);
      for (const e of batch) {
        e.attempts--;
        e.state = 'queued';
      }
      d.retries.now(batch.slice(0, mid));
      d.retries.now(batch.slice(mid));
      d.log.debug({ items: batch.length, reason: v.reason }, 'bulk request refused as a whole; splitting it');
    }
  }
}
