import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { type Logger, pino } from 'pino';
import { type ChangeEvent, composeVersion, type Position } from '../../core/change-event.js';
import { ErrorCodes, errorMessage } from '../../core/errors.js';
import type { Batch, DeadLetterStore, Source } from '../../core/interfaces.js';
import { tableMatcher } from '../mysql-binlog/table-patterns.js';
import { type OutboxRow, outboxDdl, parseOutboxRow, quoteTable } from './outbox-table.js';
import { onOutboxWrite } from './wake.js';

export interface OutboxSourceOptions {
  /** Pipeline name (dead letters, logs). */
  readonly name: string;
  readonly pool: Pool;
  /** `database.table` of the outbox. */
  readonly outboxTable: string;
  /** Aggregate tables this outbox carries (patterns); rows of other tables are dead-lettered. */
  readonly tables: readonly string[];
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly pruneBatchSize: number;
  readonly deadLetters: DeadLetterStore;
  readonly logger?: Logger;
}

export interface OutboxSourceStats {
  /** Rows turned into events (or dead letters) and handed to the pipeline. */
  read: number;
  /** Rows deleted after their batch was acknowledged. */
  pruned: number;
  /** Malformed rows or rows of tables not in `tables`, stored as dead letters. */
  invalid: number;
  /** Highest outbox id read in this run. */
  lastReadId: string;
  /** Polls that found nothing. */
  idlePolls: number;
}

/** A batch handed out and not yet deleted from the outbox. */
interface Shipped {
  readonly ids: bigint[];
  readonly min: bigint;
  acked: boolean;
}

/**
 * The outbox relay's source: reads outbox rows in id order, hands them to the pipeline as change
 * events versioned composeVersion(id, 0), and deletes each batch once it is acknowledged (applied,
 * stale or dead-lettered in the index).
 *
 * AUTO_INCREMENT ids are assigned at insert, not at commit: a transaction holding id 10 can commit after
 * the one holding id 11 was already shipped. So the relay never skips ids by a high-water mark: each read
 * takes the rows above the last id read *and* every row below the oldest batch still in flight — which,
 * since shipped rows are deleted by their exact ids, are exactly the rows that committed late. For one
 * key, the entity's row lock orders both the outbox ids and the commits, so versions grow per key.
 */
export class OutboxSource implements Source {
  readonly name: string;
  readonly stats: OutboxSourceStats = { read: 0, pruned: 0, invalid: 0, lastReadId: '0', idlePolls: 0 };
  private readonly log: Logger;
  private readonly table: string;
  private readonly carries: (database: string, table: string) => boolean;
  private readonly inFlight: Shipped[] = [];
  private pruning: Promise<void> = Promise.resolve();
  private woken = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: OutboxSourceOptions) {
    this.name = o.name;
    this.table = quoteTable(o.outboxTable);
    this.carries = tableMatcher(o.tables);
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'outbox', pipeline: o.name });
  }

  async *start(from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch> {
    await this.o.pool.query(outboxDdl(this.o.outboxTable));
    this.log.info(
      { outboxTable: this.o.outboxTable, checkpoint: from?.label ?? 'none' },
      `outbox relay ${this.name}: shipping ${this.o.outboxTable} from its oldest row`,
    );
    const unsubscribe = onOutboxWrite(this.o.outboxTable, () => {
      this.woken = true;
      this.wake?.();
    });
    let lastRead = 0n;
    let failures = 0;
    try {
      while (!signal.aborted) {
        let rows: OutboxRow[];
        try {
          void this.prune();
          let floor = lastRead + 1n;
          for (const b of this.inFlight) if (b.min < floor) floor = b.min;
          this.woken = false;
          const [result] = await this.o.pool.query(
            `SELECT id, aggregate_table, aggregate_key, op, payload, created_at FROM ${this.table}
             WHERE id < ? OR id > ? ORDER BY id LIMIT ?`,
            [floor.toString(), lastRead.toString(), this.o.batchSize],
          );
          rows = result as OutboxRow[];
          failures = 0;
        } catch (e) {
          if (signal.aborted) break;
          failures++;
          const delay = Math.min(5_000, this.o.pollIntervalMs * 2 ** Math.min(failures, 6));
          this.log.warn(
            { code: ErrorCodes.SOURCE_UNREACHABLE.code, err: errorMessage(e), retryInMs: delay },
            `outbox relay ${this.name}: reading ${this.o.outboxTable} failed; retrying`,
          );
          await this.sleep(delay, signal);
          continue;
        }
        if (rows.length === 0) {
          this.stats.idlePolls++;
          await this.sleep(this.o.pollIntervalMs, signal);
          continue;
        }
        const batch = await this.toBatch(rows);
        if (batch.shipped.ids.length === 0) {
          // every row failed to reach the dead-letter store: they are read again after a pause
          await this.sleep(this.o.pollIntervalMs, signal);
          continue;
        }
        for (const id of batch.shipped.ids) if (id > lastRead) lastRead = id;
        this.stats.lastReadId = lastRead.toString();
        this.inFlight.push(batch.shipped);
        const shipped = batch.shipped;
        const maxId = shipped.ids[shipped.ids.length - 1]!;
        yield {
          events: batch.events,
          position: {
            version: composeVersion(maxId, 0),
            checkpoint: { outboxTable: this.o.outboxTable, id: lastRead.toString() },
            label: `outbox ${this.o.outboxTable} id ${lastRead}`,
          },
          ack: async () => {
            shipped.acked = true;
            await this.prune();
          },
        };
      }
    } finally {
      unsubscribe();
    }
  }

  private async toBatch(rows: OutboxRow[]): Promise<{ events: ChangeEvent[]; shipped: Shipped }> {
    const events: ChangeEvent[] = [];
    const ids: bigint[] = [];
    for (const r of rows) {
      const parsed = parseOutboxRow(r, this.o.outboxTable);
      const { database, table } = parsed.event.source;
      const error = !parsed.ok
        ? parsed.error
        : !this.carries(database, table)
          ? `outbox row ${parsed.id}: ${database}.${table} is not in source.tables of pipeline ${this.name}`
          : undefined;
      if (error === undefined) {
        events.push(parsed.event);
        ids.push(parsed.id);
        continue;
      }
      try {
        await this.o.deadLetters.put({
          pipeline: this.name,
          index: `outbox:${this.o.outboxTable}`,
          docId: `outbox-id:${parsed.id}`,
          kind: 'invalid-event',
          error,
          attempts: 1,
          event: parsed.event,
        });
        this.stats.invalid++;
        ids.push(parsed.id);
        this.log.warn({ code: ErrorCodes.OUTBOX_ROW_INVALID.code, error }, 'outbox row dead-lettered');
      } catch (e) {
        this.log.warn({ err: errorMessage(e), error }, 'dead-letter store failed for an invalid outbox row');
      }
    }
    this.stats.read += ids.length;
    const min = ids[0] ?? 0n; // rows come in id order
    return { events, shipped: { ids, min, acked: false } };
  }

  /** Deletes acknowledged batches in order (serialized; a failure is retried on the next call). */
  private prune(): Promise<void> {
    this.pruning = this.pruning.then(async () => {
      while (this.inFlight[0]?.acked) {
        const head = this.inFlight[0];
        try {
          for (let i = 0; i < head.ids.length; i += this.o.pruneBatchSize) {
            const chunk = head.ids.slice(i, i + this.o.pruneBatchSize).map(String);
            const [res] = await this.o.pool.query<ResultSetHeader>(
              `DELETE FROM ${this.table} WHERE id IN (?)`,
              [chunk],
            );
            this.stats.pruned += res.affectedRows;
          }
        } catch (e) {
          this.log.warn(
            { err: errorMessage(e) },
            `outbox relay ${this.name}: pruning failed; retrying later`,
          );
          return;
        }
        this.inFlight.shift();
      }
    });
    return this.pruning;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.woken || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
