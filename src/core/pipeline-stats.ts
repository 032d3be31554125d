import type { ChangeEvent, Position } from './change-event.js';
import type { IndexOp, WriteResult } from './interfaces.js';

/** Counters a pipeline keeps; the metrics endpoint and the admin API read them. */
export class PipelineStats {
  eventsIn = 0;
  eventsByTable = new Map<string, number>();
  docsOk = 0;
  stale = 0;
  dead = 0;
  retried = 0;
  batches = 0;
  lastBatchMs = 0;
  /** Commit time at the source of the newest event read, epoch ms. */
  lastEventTsMs = 0;
  /** Commit time at the source of the newest event acknowledged by the sink, epoch ms. */
  lastWrittenTsMs = 0;
  lastCheckpoint: string | undefined;
  lastCheckpointAt = 0;
  /** Source commit → document written, ms, for the freshness histogram. */
  onFreshness: ((ms: number) => void) | undefined;

  eventIn(ev: ChangeEvent): void {
    this.eventsIn += 1;
    const t = `${ev.source.database}.${ev.source.table}`;
    this.eventsByTable.set(t, (this.eventsByTable.get(t) ?? 0) + 1);
    if (ev.source.tsMs > this.lastEventTsMs) this.lastEventTsMs = ev.source.tsMs;
  }

  written(r: WriteResult, ops: readonly IndexOp[], ms: number): void {
    this.docsOk += r.ok;
    this.stale += r.stale;
    this.dead += r.dead;
    this.retried += r.retried;
    this.batches += 1;
    this.lastBatchMs = ms;
    const now = Date.now();
    for (const op of ops) {
      const ts = op.event.source.tsMs;
      if (ts > this.lastWrittenTsMs) this.lastWrittenTsMs = ts;
      if (ts > 0 && !op.event.source.snapshot) this.onFreshness?.(now - ts);
    }
  }

  checkpoint(p: Position): void {
    this.lastCheckpoint = p.label;
    this.lastCheckpointAt = Date.now();
  }
}
