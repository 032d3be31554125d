import type { Logger } from 'pino';
import type { SinkConfig } from '../../config/schema.js';
import type { ChangeEvent } from '../../core/change-event.js';
import { errorMessage, isSynclineError } from '../../core/errors.js';
import type { DeadLetterStore, IndexOp, OpOutcome } from '../../core/interfaces.js';
import type { MappingSet } from '../../mapping/mapping-set.js';
import { BulkSink } from '../../sinks/search/bulk-sink.js';
import type { SearchClient } from '../../sinks/search/client.js';
import {
  decoders,
  type IngestFormat,
  type IngestMessage,
  ignoredRecords,
  isTombstoneEvent,
  routineKind,
} from './index.js';

/**
 * ok: written; stale: the index already had this or a newer version; dead: stored in the dead-letter
 * store (mapping or engine refused it); ignored: not a row change (DDL, a table without mapping, a
 * tombstone for a document that is not there); rejected: malformed, nothing written.
 */
export type ItemStatus = 'ok' | 'stale' | 'dead' | 'ignored' | 'rejected';

export interface ItemOutcome {
  readonly index: number;
  readonly status: ItemStatus;
  /** Change events the message became. */
  readonly events: number;
  readonly reason?: string;
}

export interface IngestResult {
  readonly accepted: number;
  readonly rejected: number;
  readonly items: readonly ItemOutcome[];
}

/** What the HTTP route needs (tests and `syncline run` pass an IngestService). */
export interface IngestHandler {
  ingest(
    format: IngestFormat,
    messages: readonly IngestMessage[],
    signal?: AbortSignal,
  ): Promise<IngestResult>;
}

export interface IngestServiceOptions {
  readonly mappings: MappingSet;
  readonly search: SearchClient;
  readonly sink: SinkConfig;
  readonly deadLetters: DeadLetterStore;
  readonly logger: Logger;
}

interface Item {
  index: number;
  status: ItemStatus | undefined;
  reason?: string;
  events: ChangeEvent[];
  outcomes: OpOutcome[];
}

/**
 * Decode → (tombstones dropped) → MappingSet.toOps → BulkSink, the same core every pipeline uses:
 * versioned external writes, retries, dead letters for what the mapping or the engine refuses. A
 * request is answered once every accepted message is applied, stale or dead-lettered.
 */
export class IngestService implements IngestHandler {
  private readonly sinks = new Map<IngestFormat, BulkSink>();

  constructor(private readonly o: IngestServiceOptions) {}

  private sink(format: IngestFormat): BulkSink {
    let s = this.sinks.get(format);
    if (!s) {
      s = new BulkSink({
        client: this.o.search,
        config: this.o.sink,
        deadLetters: this.o.deadLetters,
        pipeline: `ingest-${format}`,
        logger: this.o.logger,
      });
      this.sinks.set(format, s);
    }
    return s;
  }

  async ingest(
    format: IngestFormat,
    messages: readonly IngestMessage[],
    signal?: AbortSignal,
  ): Promise<IngestResult> {
    const items: Item[] = messages.map((m, index) => {
      const item: Item = { index, status: undefined, events: [], outcomes: [] };
      try {
        item.events = decoders[format](m);
        if (item.events.length === 0) {
          const kind = routineKind(format, m);
          [item.status, item.reason] = ['ignored', kind ? `not a row change (${kind})` : 'not a row change'];
          ignoredRecords.add(format, kind ?? 'not a row change');
        }
      } catch (e) {
        item.status = 'rejected';
        item.reason = isSynclineError(e) ? e.message : `${format}: ${errorMessage(e)}`;
      }
      return item;
    });
    this.dropTombstones(items);
    const ops: IndexOp[] = [];
    const owners: Item[] = [];
    for (const item of items) {
      if (item.status !== undefined) continue;
      for (const ev of item.events) {
        if (!this.o.mappings.handles(ev.source.database, ev.source.table)) {
          [item.status, item.reason] = ['ignored', `no mapping for ${ev.source.database}.${ev.source.table}`];
          continue;
        }
        try {
          for (const op of this.o.mappings.toOps(ev)) {
            ops.push(op);
            owners.push(item);
          }
        } catch (e) {
          await this.o.deadLetters.put({
            pipeline: `ingest-${format}`,
            index:
              this.o.mappings.indexOf(ev.source.database, ev.source.table) ??
              `${ev.source.database}.${ev.source.table}`,
            docId: JSON.stringify(ev.key),
            kind: 'conversion',
            error: errorMessage(e),
            attempts: 1,
            event: ev,
          });
          item.outcomes.push('dead');
          item.reason = errorMessage(e);
        }
      }
    }
    if (ops.length > 0) {
      const result = await this.sink(format).write(ops, signal);
      for (const [i, outcome] of result.outcomes.entries()) owners[i]!.outcomes.push(outcome);
    }
    const out: ItemOutcome[] = items.map((item) => {
      let status = item.status;
      if (status === undefined || (status === 'ignored' && item.outcomes.length > 0)) {
        status = item.outcomes.includes('dead')
          ? 'dead'
          : item.outcomes.length > 0 && item.outcomes.every((o) => o === 'stale')
            ? 'stale'
            : item.outcomes.length > 0
              ? 'ok'
              : 'ignored';
      }
      return {
        index: item.index,
        status,
        events: item.events.length,
        ...(item.reason !== undefined && status !== 'ok' && status !== 'stale' && { reason: item.reason }),
      };
    });
    const rejected = out.filter((o) => o.status === 'rejected').length;
    return { accepted: out.length - rejected, rejected, items: out };
  }

  /**
   * A Debezium tombstone carries no position, so it cannot be ordered against the row's other changes:
   * written at any version it could delete a newer re-insert (a retried request whose tombstone precedes
   * a re-insert of the same id did exactly that). It is never written: the delete event Debezium sends
   * just before it does the delete, with a real position. A topic compacted down to the tombstone alone
   * leaves the document in place; `syncline reconcile` finds it (docs/ingest.md#debezium).
   */
  private dropTombstones(items: Item[]): void {
    for (const item of items) {
      if (item.status !== undefined) continue;
      const kept = item.events.filter((ev) => !isTombstoneEvent(ev));
      if (kept.length === item.events.length) continue;
      ignoredRecords.add('debezium', 'tombstone', item.events.length - kept.length);
      item.events = kept;
      if (kept.length === 0)
        [item.status, item.reason] = [
          'ignored',
          'tombstone: not written (the delete before it removes the document)',
        ];
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sinks.values()].map((s) => s.close()));
  }
}
