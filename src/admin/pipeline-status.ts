import type { Sink, Source } from '../core/interfaces.js';
import type { Pipeline } from '../core/pipeline.js';
import { MappingSet } from '../mapping/mapping-set.js';
import type { RebuildProgress } from '../mapping/relations/rebuilder.js';
import { BulkSink } from '../sinks/search/bulk-sink.js';
import type { SnapshotProgress } from '../sources/mysql-binlog/snapshot/snapshot-state.js';
import { SnapshottingBinlogSource } from '../sources/mysql-binlog/snapshotting-source.js';
import type { BinlogSource } from '../sources/mysql-binlog/streaming/binlog-source.js';
import { GtidState } from '../sources/mysql-binlog/streaming/gtid-state.js';

/** Any pipeline of the runner: binlog ones also carry their streaming source (lag). */
export interface PipelineView {
  readonly pipeline: Pipeline;
  readonly source: Source;
  readonly sink: Sink;
  readonly binlog?: () => BinlogSource | undefined;
}

/** The binlog source of a view, when it has one. */
export function binlogOf(v: PipelineView): BinlogSource | undefined {
  return v.binlog?.();
}

export function snapshotOf(v: PipelineView): SnapshotProgress | undefined {
  return v.source instanceof SnapshottingBinlogSource ? v.source.snapshotProgress : undefined;
}

/** What the admin API and the dashboard show of one pipeline (docs/dashboard.md#pipelines). */
export interface PipelineStatus {
  name: string;
  /** The source's kind: mysql-binlog, outbox, polling, kafka… */
  source: string;
  state: string;
  paused: boolean;
  /** starting (position not resolved yet) | snapshot (chunks pending) | streaming. */
  phase: string;
  /** Last position acknowledged by the sink (label), null before the first. */
  position: string | null;
  checkpoint: { position: string; atMs: number } | null;
  lag: {
    /** now − commit time of the last transaction processed; 0 when caught up. */
    seconds: number;
    /** Transactions the server has committed (its GTID position) that the pipeline has not processed yet; null when not a binlog pipeline. */
    transactions: number | null;
    /** Events read from the source and not yet acknowledged by the sink. */
    inFlightEvents: number;
  };
  /** Mean rates over the last 10 whole seconds. */
  throughput: { inPerSecond: number; outPerSecond: number; windowSeconds: number };
  events: { in: number; ok: number; stale: number; dead: number; retried: number };
  tables: Array<{ table: string; in: number; ok: number; stale: number; dead: number }>;
  lastError: string | null;
  snapshot: SnapshotProgress | null;
  /** Documents built from several tables: roots rebuilt and the fan-out running now, per index. */
  relations: RebuildProgress[];
  /** The search sink's buffer and requests; null for other sinks (Kafka). */
  sink: {
    bufferedBytes: number;
    inFlightRequests: number;
    bulkRequests: number;
    bulkFailures: number;
  } | null;
}

/** Reads a running pipeline's handle; cheap (no I/O), safe to call every second. */
export function pipelineStatus(h: PipelineView, now = Date.now(), kind?: string): PipelineStatus {
  const { pipeline, source, sink } = h;
  const s = pipeline.stats;
  const binlog = binlogOf(h);
  const snapshotting = source instanceof SnapshottingBinlogSource ? source : undefined;
  const bstats = binlog?.stats();
  const acked = pipeline.position;
  const ackedGtid = typeof acked?.checkpoint.gtid === 'string' ? acked.checkpoint.gtid : bstats?.position;
  const tables = new Set([...s.eventsByTable.keys(), ...s.outByTable.keys()]);
  return {
    name: pipeline.name,
    source: kind ?? source.name,
    state: pipeline.state,
    paused: pipeline.paused,
    phase: snapshotting ? snapshotting.phase : pipeline.state === 'starting' ? 'starting' : 'streaming',
    position: acked?.label ?? null,
    checkpoint: s.lastCheckpoint ? { position: s.lastCheckpoint, atMs: s.lastCheckpointAt } : null,
    lag: {
      seconds: round(binlog?.lagSeconds() ?? 0, 3),
      transactions: gtidDistance(bstats?.serverPosition, ackedGtid),
      inFlightEvents: pipeline.inFlightEvents,
    },
    throughput: {
      inPerSecond: round(s.rateIn.perSecond(now), 1),
      outPerSecond: round(s.rateOut.perSecond(now), 1),
      windowSeconds: 10,
    },
    events: { in: s.eventsIn, ok: s.docsOk, stale: s.stale, dead: s.dead, retried: s.retried },
    tables: [...tables].sort().map((table) => {
      const o = s.outByTable.get(table);
      return {
        table,
        in: s.eventsByTable.get(table) ?? 0,
        ok: o?.ok ?? 0,
        stale: o?.stale ?? 0,
        dead: o?.dead ?? 0,
      };
    }),
    lastError: pipeline.lastError ?? null,
    snapshot: snapshotting?.snapshotProgress ?? null,
    relations:
      pipeline.mapping instanceof MappingSet
        ? pipeline.mapping.rebuilders.map((r) => ({ ...r.progress }))
        : [],
    sink:
      sink instanceof BulkSink
        ? {
            bufferedBytes: sink.bufferedBytes,
            inFlightRequests: sink.inFlight,
            bulkRequests: sink.counters.bulkRequests,
            bulkFailures: sink.counters.bulkFailures,
          }
        : null,
  };
}

/**
 * Transactions between two GTID positions (MariaDB) or sets (MySQL): the server's count of executed
 * transactions minus ours (GtidState.count, the version sequence). Null when either side is unknown.
 */
export function gtidDistance(server: string | undefined, ours: string | undefined): number | null {
  if (server === undefined || ours === undefined) return null;
  try {
    const n = GtidState.parse(server).count - GtidState.parse(ours).count;
    return Number(n > 0n ? n : 0n);
  } catch {
    return null;
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
