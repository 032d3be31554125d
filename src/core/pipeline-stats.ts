import type { ChangeEvent, Position } from './change-event.js';
import type { WriteResult } from './interfaces.js';

/**
 * Events per second over the last `seconds` whole seconds: one bucket per second in a small ring, so
 * recording is O(1) and memory is fixed.
 */
export class RateWindow {
  private readonly counts: number[];
  private readonly stamps: number[];

  constructor(private readonly seconds = 10) {
    this.counts = new Array<number>(seconds + 1).fill(0);
    this.stamps = new Array<number>(seconds + 1).fill(-1);
  }

  add(n: number, nowMs = Date.now()): void {
    const sec = Math.floor(nowMs / 1000);
    const i = sec % this.counts.length;
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.counts[i] = 0;
    }
    this.counts[i]! += n;
  }

  /** Mean rate over the last `seconds` complete seconds (the current, partial second is left out). */
  perSecond(nowMs = Date.now()): number {
    const sec = Math.floor(nowMs / 1000);
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const age = sec - this.stamps[i]!;
      if (age >= 1 && age <= this.seconds) total += this.counts[i]!;
    }
    return total / this.seconds;
  }
}

/** Outcomes of the ops of one table. */
export interface TableOutcomes {
  ok: number;
  stale: number;
  dead: number;
}

/** Counters a pipeline keeps; the metrics endpoint and the admin API read them. */
export class PipelineStats {
  eventsIn = 0;
  /** Rows read by snapshots (op 'r'), initial and requested. */
  snapshotRows = 0;
  eventsByTable = new Map<string, number>();
  /** Ops acknowledged by the sink per source table (`db.table`), by outcome. */
  outByTable = new Map<string, TableOutcomes>();
  /** Events read per second (throughput in), and ops acknowledged per second (throughput out). */
  readonly rateIn = new RateWindow(10);
  readonly rateOut = new RateWindow(10);
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

  /** The last `database.table` key made, so that a run of one table's events allocates no key string. */
  private keyDb = '';
  private keyTable = '';
  private key = '';
  private tableKey(database: string, table: string): string {
    if (database !== this.keyDb || table !== this.keyTable) {
      this.keyDb = database;
      this.keyTable = table;
      this.key = `${database}.${table}`;
    }
    return this.key;
  }

  eventIn(ev: ChangeEvent): void {
    this.eventsIn += 1;
    const t = this.tableKey(ev.source.database, ev.source.table);
    this.eventsByTable.set(t, (this.eventsByTable.get(t) ?? 0) + 1);
    this.rateIn.add(1);
    if (ev.source.snapshot) this.snapshotRows += 1;
    if (ev.source.tsMs > this.lastEventTsMs) this.lastEventTsMs = ev.source.tsMs;
  }

  /** A write answered: `events` holds the event of each op written, in the order of r.outcomes. */
  written(r: WriteResult, events: readonly ChangeEvent[], ms: number): void {
    this.docsOk += r.ok;
    this.stale += r.stale;
    this.dead += r.dead;
    this.retried += r.retried;
    this.batches += 1;
    this.lastBatchMs = ms;
    const now = Date.now();
    this.rateOut.add(events.length, now);
    for (let i = 0; i < events.length; i++) {
      const source = events[i]!.source;
      const t = this.tableKey(source.database, source.table);
      let o = this.outByTable.get(t);
      if (!o) {
        o = { ok: 0, stale: 0, dead: 0 };
        this.outByTable.set(t, o);
      }
      o[r.outcomes[i] ?? 'ok'] += 1;
      const ts = source.tsMs;
      if (ts > this.lastWrittenTsMs) this.lastWrittenTsMs = ts;
      if (ts > 0 && !source.snapshot) this.onFreshness?.(now - ts);
    }
  }

  checkpoint(p: Position): void {
    this.lastCheckpoint = p.label;
    this.lastCheckpointAt = Date.now();
  }
}
