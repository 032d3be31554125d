import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { SynclineError } from '../../core/errors.js';
import { sleep } from '../../core/timers.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { dailyIndex, putLogTemplate } from './log-index.js';

/** One log document as indexed. */
export interface LogDoc {
  id: string;
  ts: string;
  level: string;
  service: string;
  message: string;
  fields?: Record<string, unknown>;
}

export interface LogWriteResult {
  written: number;
  /** Records the engine refused (a 4xx for that document), by position in the request. */
  rejected: Array<{ index: number; reason: string }>;
}

/**
 * The tiny interface the API needs from a log writer; the core sink will implement it later.
 * `write` resolves once every record is stored or refused.
 */
export interface LogWriter {
  write(docs: readonly LogDoc[]): Promise<LogWriteResult>;
  close(): Promise<void>;
}

export interface BatchingLogWriterOptions {
  indexPrefix: string;
  batchMaxDocs: number;
  lingerMs: number;
  maxPendingRecords: number;
  concurrency?: number;
  maxAttempts?: number;
  logger?: FastifyBaseLogger;
}

interface Ticket {
  remaining: number;
  result: LogWriteResult;
  resolve(r: LogWriteResult): void;
  reject(e: unknown): void;
  failed: boolean;
}

interface Item {
  ticket: Ticket;
  pos: number;
  action: string;
  source: string;
  attempts: number;
}

/**
 * Batches records from many requests into `_bulk` requests against daily indices. Each document gets
 * its id before the first attempt and is sent with `create`, so a retried batch cannot duplicate a
 * record (a 409 on retry means "already there"). 429/5xx items and failed requests are retried with
 * capped, jittered backoff; after maxAttempts the request that carried them gets 503. Bounded: above
 * maxPendingRecords new writes are refused with 503 (backpressure, not an unbounded queue).
 */
export class BatchingLogWriter implements LogWriter {
  private queue: Item[] = [];
  private pending = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private template: Promise<void> | undefined;
  private closing = false;
  private readonly idle = new Set<() => void>();
  private readonly concurrency: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: SearchClient,
    private readonly opts: BatchingLogWriterOptions,
  ) {
    this.concurrency = opts.concurrency ?? 2;
    this.maxAttempts = opts.maxAttempts ?? 6;
  }

  /** Puts the index template once per process (retried on the next write when it failed). */
  ensureTemplate(): Promise<void> {
    this.template ??= putLogTemplate(this.client, this.opts.indexPrefix, this.opts.logger).catch((e) => {
      this.template = undefined;
      throw e;
    });
    return this.template;
  }

  async write(docs: readonly LogDoc[]): Promise<LogWriteResult> {
    if (this.closing) throw new SynclineError('API_UNAVAILABLE', 'the server is shutting down');
    if (docs.length === 0) return { written: 0, rejected: [] };
    if (this.pending + docs.length > this.opts.maxPendingRecords) {
      throw new SynclineError(
        'API_UNAVAILABLE',
        'log ingest is saturated (api.logs.maxPendingRecords); retry shortly',
        {
          details: { pending: this.pending },
        },
      );
    }
    await this.ensureTemplate();
    return new Promise<LogWriteResult>((resolve, reject) => {
      const ticket: Ticket = {
        remaining: docs.length,
        result: { written: 0, rejected: [] },
        resolve,
        reject,
        failed: false,
      };
      docs.forEach((doc, pos) => {
        const index = dailyIndex(this.opts.indexPrefix, Date.parse(doc.ts));
        this.queue.push({
          ticket,
          pos,
          action: JSON.stringify({ create: { _index: index, _id: doc.id } }),
          source: JSON.stringify(doc),
          attempts: 0,
        });
      });
      this.pending += docs.length;
      this.schedule();
    });
  }

  /** Flushes what is queued and waits for every in-flight batch. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pump(true);
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private schedule(): void {
    if (this.queue.length >= this.opts.batchMaxDocs || this.opts.lingerMs === 0 || this.closing) {
      this.pump(true);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.pump(true);
    }, this.opts.lingerMs);
  }

  private pump(force: boolean): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      if (!force && this.queue.length < this.opts.batchMaxDocs) break;
      const batch = this.queue.splice(0, this.opts.batchMaxDocs);
      this.inFlight++;
      this.send(batch)
        .catch((e) => this.opts.logger?.error({ err: e }, 'log batch failed'))
        .finally(() => {
          this.inFlight--;
          if (this.queue.length > 0)
            this.pump(this.queue.length >= this.opts.batchMaxDocs || this.timer === undefined);
          if (this.pending === 0) for (const fn of this.idle) fn();
        });
    }
  }

  private async send(batch: Item[]): Promise<void> {
    let todo = batch;
    while (todo.length > 0) {
      const attempt = Math.max(...todo.map((i) => i.attempts));
      if (attempt > 0) await sleep(backoff(attempt));
      for (const it of todo) it.attempts++;
      const body = `${todo.map((i) => `${i.action}\n${i.source}`).join('\n')}\n`;
      let res: { status: number; body: unknown };
      try {
        res = await this.client.request('POST', '/_bulk', body, { contentType: 'application/x-ndjson' });
      } catch (e) {
        todo = this.retryOrFail(todo, `search engine unreachable: ${(e as Error).message}`);
        continue;
      }
      if (res.status !== 200) {
        todo = this.retryOrFail(todo, `_bulk answered HTTP ${res.status}`);
        continue;
      }
      const items = (
        res.body as {
          items?: Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>>;
        }
      ).items;
      const retry: Item[] = [];
      for (const [k, it] of todo.entries()) {
        const r = items?.[k]?.create;
        if (!r || r.status === 429 || r.status >= 500) retry.push(it);
        // 409 on `create`: an earlier attempt of this batch already stored the document
        else if (r.status === 201 || r.status === 200 || r.status === 409) this.done(it);
        else this.done(it, `${r.error?.type ?? r.status}: ${r.error?.reason ?? ''}`.slice(0, 300));
      }
      todo = retry.length ? this.retryOrFail(retry, 'the engine kept refusing the batch (429/5xx)') : [];
    }
  }

  private retryOrFail(items: Item[], reason: string): Item[] {
    const keep = items.filter((i) => i.attempts < this.maxAttempts);
    for (const it of items) {
      if (it.attempts < this.maxAttempts) continue;
      this.pending--;
      if (!it.ticket.failed) {
        it.ticket.failed = true;
        it.ticket.reject(
          new SynclineError(
            'API_UNAVAILABLE',
            'log records not stored: the search engine failed; retry shortly',
            {
              cause: new Error(reason),
            },
          ),
        );
      }
    }
    return keep;
  }

  private done(it: Item, rejected?: string): void {
    this.pending--;
    const t = it.ticket;
    if (rejected === undefined) t.result.written++;
    else t.result.rejected.push({ index: it.pos, reason: rejected });
    if (--t.remaining === 0 && !t.failed) {
      t.result.rejected.sort((a, b) => a.index - b.index);
      t.resolve(t.result);
    }
  }
}

function backoff(attempt: number): number {
  return Math.random() * Math.min(2_000, 100 * 2 ** (attempt - 1));
}

export function newLogId(): string {
  return randomUUID();
}
