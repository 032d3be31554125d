import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { binlogOf, gtidDistance, type PipelineView } from '../admin/pipeline-status.js';
import type { CacheStats } from '../catalog/search/search-cache.js';
import type { DeadLetterStore } from '../core/interfaces.js';
import type { RebuildProgress } from '../mapping/relations/rebuilder.js';
import type { PipelineRunner } from '../runtime/pipeline-runner.js';
import { BulkSink } from '../sinks/search/bulk-sink.js';
import { ignoredRecords } from '../sources/ingest/ignored-records.js';
import type { SnapshotProgress } from '../sources/mysql-binlog/snapshot/snapshot-state.js';
import { SnapshottingBinlogSource } from '../sources/mysql-binlog/snapshotting-source.js';
import { driftReports } from './drift.js';

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop, GC): on for the service, off for throwaway apps. */
  processMetrics?: boolean;
  /** How long the dead-letter counts read from the store are reused between scrapes. Default 5000. */
  deadLetterCountsTtlMs?: number;
}

const STATES = ['idle', 'starting', 'running', 'paused', 'stopping', 'stopped', 'failed'] as const;
/** Seconds; bulk requests take a few ms to a few s. */
const BULK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; binlog commit times have 1 s resolution, so sub-second buckets only say "under a second". */
const FRESHNESS_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 900, 3600];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process's Prometheus registry (docs/metrics.md). Counters and gauges of pipelines are read from
 * their stats at scrape time (nothing extra on the hot path); the bulk latency and freshness histograms
 * are fed by hooks, the API histogram by an onResponse hook.
 */
export class SynclineMetrics {
  readonly registry = new Registry();
  private views: () => PipelineView[] = () => [];
  private relations: () => readonly RebuildProgress[] = () => [];
  private deadLetterStore: DeadLetterStore | undefined;
  private cacheStats: (() => CacheStats) | undefined;
  private haStatus: (() => { role: string; failovers: number; stepDowns: number }) | undefined;
  private dlqCounts: { at: number; rows: Array<{ index: string; kind: string; count: number }> } | undefined;
  private readonly http: Histogram<'route' | 'method' | 'status'>;
  private readonly bulk: Histogram<'pipeline'>;
  private readonly freshness: Histogram<'pipeline'>;

  constructor(private readonly o: MetricsOptions = {}) {
    const registers = [this.registry];
    if (o.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.http = new Histogram({
      name: 'syncline_http_request_duration_seconds',
      help: 'API requests by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.bulk = new Histogram({
      name: 'syncline_bulk_request_duration_seconds',
      help: 'Latency of answered _bulk requests to the search engine.',
      labelNames: ['pipeline'],
      buckets: BULK_BUCKETS,
      registers,
    });
    this.freshness = new Histogram({
      name: 'syncline_freshness_seconds',
      help: 'End-to-end freshness: source commit time to the document acknowledged by the engine (snapshot rows excluded).',
      labelNames: ['pipeline'],
      buckets: FRESHNESS_BUCKETS,
      registers,
    });
    this.pipelineMetrics();
    this.sinkMetrics();
    this.snapshotMetrics();
    this.deadLetterMetrics();
    this.driftMetrics();
    this.cacheMetrics();
    this.haMetrics();
    this.ingestMetrics();
    this.relationMetrics();
  }

  /** Documents built from several tables (docs/mapping.md#documents-built-from-several-tables). */
  private relationMetrics(): void {
    const registers = [this.registry];
    const rebuilt: Counter<'index'> = new Counter({
      name: 'syncline_relation_roots_rebuilt_total',
      help: 'Root documents rebuilt from their related rows, per index.',
      labelNames: ['index'],
      registers,
      collect: () => {
        rebuilt.reset();
        for (const p of this.relations()) rebuilt.inc({ index: p.index }, p.rootsRebuilt);
      },
    });
    const fanOut: Gauge<'index'> = new Gauge({
      name: 'syncline_relation_fanout_roots',
      help: 'Roots rebuilt so far by the fan-out running now (a related row shared by many roots); 0 when none runs.',
      labelNames: ['index'],
      registers,
      collect: () => {
        fanOut.reset();
        for (const p of this.relations()) fanOut.set({ index: p.index }, p.fanOutActive ? p.fanOutRoots : 0);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Hooks the runner's pipelines; call before runner.start(). */
  watchRunner(runner: PipelineRunner): void {
    this.views = () => runner.all();
    this.relations = () => runner.mappings?.rebuilders.map((r) => r.progress) ?? [];
    this.deadLetterStore = runner.deadLetters;
    runner.hooks.onBulk = (pipeline, ms) => this.bulk.observe({ pipeline }, ms / 1000);
    runner.hooks.onPipeline = (h) => {
      const child = this.freshness.labels({ pipeline: h.pipeline.name });
      h.pipeline.stats.onFreshness = (ms) => child.observe(ms / 1000);
    };
  }

  /** With ha.enabled: this worker's role and failover counts (docs/ha.md). */
  watchLeadership(status: () => { role: string; failovers: number; stepDowns: number }): void {
    this.haStatus = status;
  }

  /** Foreign records ingest ignored as not row changes (ignored-records.ts), HTTP and Kafka alike. */
  private ingestMetrics(): void {
    const ignored: Counter<'format' | 'kind'> = new Counter({
      name: 'syncline_ingest_ignored_total',
      help: 'Ingest: Canal/Maxwell/Debezium records that are not row changes (DDL, schema changes, transaction BEGIN/END, heartbeats, tombstones), by format and kind.',
      labelNames: ['format', 'kind'],
      registers: [this.registry],
      collect: () => {
        ignored.reset();
        for (const e of ignoredRecords.entries()) ignored.inc({ format: e.format, kind: e.kind }, e.count);
      },
    });
  }

  private haMetrics(): void {
    const registers = [this.registry];
    const leader: Gauge = new Gauge({
      name: 'syncline_leader',
      help: "HA: 1 while this worker is the active one (holds the pipelines' database lock), 0 while standby; absent without ha.enabled.",
      registers,
      collect: () => {
        leader.reset();
        const s = this.haStatus?.();
        if (s) leader.set(s.role === 'active' ? 1 : 0);
      },
    });
    const counter = (name: string, help: string, key: 'failovers' | 'stepDowns') =>
      snapshotCounter(registers, name, help, () => this.haStatus?.()?.[key]);
    counter(
      'syncline_failovers_total',
      'HA: times this worker took the pipelines over from another worker (a fencing token existed).',
      'failovers',
    );
    counter(
      'syncline_leader_step_downs_total',
      'HA: times this worker lost its lock (connection gone, ping late) and stopped its pipelines.',
      'stepDowns',
    );
  }

  watchSearchCache(stats: () => CacheStats): void {
    this.cacheStats = stats;
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, status: String(status) }, seconds);
  }

  private pipelineMetrics(): void {
    const registers = [this.registry];
    const each = (fn: (h: PipelineView, pipeline: string) => void) => {
      for (const h of this.views()) fn(h, h.pipeline.name);
    };
    const eventsIn: Counter<'pipeline' | 'table'> = new Counter({
      name: 'syncline_events_in_total',
      help: 'Change events read from the source, per pipeline and source table.',
      labelNames: ['pipeline', 'table'],
      registers,
      collect: () => {
        eventsIn.reset();
        each((h, pipeline) => {
          for (const [table, n] of h.pipeline.stats.eventsByTable) eventsIn.inc({ pipeline, table }, n);
        });
      },
    });
    const eventsOut: Counter<'pipeline' | 'table' | 'outcome'> = new Counter({
      name: 'syncline_events_out_total',
      help: 'Index operations acknowledged by the sink, per pipeline, source table and outcome (ok, stale = the index already had it or newer, dead = dead-lettered).',
      labelNames: ['pipeline', 'table', 'outcome'],
      registers,
      collect: () => {
        eventsOut.reset();
        each((h, pipeline) => {
          for (const [table, o] of h.pipeline.stats.outByTable)
            for (const outcome of ['ok', 'stale', 'dead'] as const)
              eventsOut.inc({ pipeline, table, outcome }, o[outcome]);
        });
      },
    });
    const state: Gauge<'pipeline' | 'state'> = new Gauge({
      name: 'syncline_pipeline_state',
      help: 'The pipeline state: 1 for the current one (idle, starting, running, paused, stopping, stopped, failed).',
      labelNames: ['pipeline', 'state'],
      registers,
      collect: () => {
        state.reset();
        each((h, pipeline) => {
          for (const s of STATES) state.set({ pipeline, state: s }, h.pipeline.state === s ? 1 : 0);
        });
      },
    });
    const lag: Gauge<'pipeline'> = new Gauge({
      name: 'syncline_pipeline_lag_seconds',
      help: 'Replication lag: now minus the commit time of the last transaction processed; 0 when caught up.',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        lag.reset();
        each((h, pipeline) => {
          const b = binlogOf(h);
          if (b) lag.set({ pipeline }, b.lagSeconds());
        });
      },
    });
    const lagTx: Gauge<'pipeline'> = new Gauge({
      name: 'syncline_pipeline_lag_transactions',
      help: 'Transactions the server has committed (its GTID position, polled every few seconds) that the pipeline has not acknowledged yet.',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        lagTx.reset();
        each((h, pipeline) => {
          const p = h.pipeline.position?.checkpoint.gtid;
          const b = binlogOf(h)?.stats();
          const n = gtidDistance(b?.serverPosition, typeof p === 'string' ? p : b?.position);
          if (n !== null) lagTx.set({ pipeline }, n);
        });
      },
    });
    const inflight: Gauge<'pipeline'> = new Gauge({
      name: 'syncline_pipeline_inflight_events',
      help: 'Events read from the source and not yet acknowledged by the sink.',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        inflight.reset();
        each((h, pipeline) => inflight.set({ pipeline }, h.pipeline.inFlightEvents));
      },
    });
    const rate: Gauge<'pipeline' | 'direction'> = new Gauge({
      name: 'syncline_pipeline_throughput_events_per_second',
      help: 'Mean rate over the last 10 s: events read (direction=in) and operations acknowledged (direction=out).',
      labelNames: ['pipeline', 'direction'],
      registers,
      collect: () => {
        rate.reset();
        const now = Date.now();
        each((h, pipeline) => {
          rate.set({ pipeline, direction: 'in' }, h.pipeline.stats.rateIn.perSecond(now));
          rate.set({ pipeline, direction: 'out' }, h.pipeline.stats.rateOut.perSecond(now));
        });
      },
    });
    const checkpoint: Gauge<'pipeline'> = new Gauge({
      name: 'syncline_checkpoint_timestamp_seconds',
      help: 'When the pipeline last committed its checkpoint (Unix time).',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        checkpoint.reset();
        each((h, pipeline) => {
          const at = h.pipeline.stats.lastCheckpointAt;
          if (at > 0) checkpoint.set({ pipeline }, at / 1000);
        });
      },
    });
  }

  private sinkMetrics(): void {
    const registers = [this.registry];
    /** read returns undefined where the metric does not apply (a Kafka sink, a non-binlog source). */
    const counter = (name: string, help: string, read: (h: PipelineView) => number | undefined) => {
      const c: Counter<'pipeline'> = new Counter({
        name,
        help,
        labelNames: ['pipeline'],
        registers,
        collect: () => {
          c.reset();
          for (const h of this.views()) {
            const v = read(h);
            if (v !== undefined) c.inc({ pipeline: h.pipeline.name }, v);
          }
        },
      });
    };
    const bulk = (h: PipelineView) => (h.sink instanceof BulkSink ? h.sink : undefined);
    counter(
      'syncline_bulk_requests_total',
      '_bulk requests sent (including failed ones).',
      (h) => bulk(h)?.counters.bulkRequests,
    );
    counter(
      'syncline_bulk_failures_total',
      '_bulk requests that failed as a whole (transport error or non-2xx).',
      (h) => bulk(h)?.counters.bulkFailures,
    );
    counter(
      'syncline_sink_retries_total',
      'Item re-sends after a transient failure (429, 5xx, timeout, connection error).',
      (h) => bulk(h)?.counters.retriedItems,
    );
    counter(
      'syncline_dead_letters_total',
      'Operations stored in the dead-letter store by this process (mapping or engine rejections, retries exhausted, conversion failures).',
      (h) => h.pipeline.stats.dead,
    );
    counter(
      'syncline_sink_bytes_total',
      'Request body bytes sent to _bulk.',
      (h) => bulk(h)?.counters.bytesSent,
    );
    counter(
      'syncline_sink_backpressure_waits_total',
      'Times the source had to wait for sink buffer space.',
      (h) => bulk(h)?.counters.backpressureWaits,
    );
    counter(
      'syncline_binlog_purged_resnapshots_total',
      'Times the checkpoint was no longer in the binlog and every table was re-snapshotted.',
      (h) => (h.source instanceof SnapshottingBinlogSource ? h.source.purgedResnapshots : undefined),
    );
    const buffered: Gauge<'pipeline'> = new Gauge({
      name: 'syncline_sink_buffered_bytes',
      help: 'Encoded bytes accepted by the sink and not yet acknowledged (bounded by sink.maxBufferedBytes).',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        buffered.reset();
        for (const h of this.views()) {
          const b = bulk(h);
          if (b) buffered.set({ pipeline: h.pipeline.name }, b.bufferedBytes);
        }
      },
    });
  }

  private snapshotMetrics(): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, value: (p: SnapshotProgress | undefined) => number) => {
      const g: Gauge<'pipeline'> = new Gauge({
        name,
        help,
        labelNames: ['pipeline'],
        registers,
        collect: () => {
          g.reset();
          for (const h of this.views())
            if (h.source instanceof SnapshottingBinlogSource)
              g.set({ pipeline: h.pipeline.name }, value(h.source.snapshotProgress));
        },
      });
    };
    gauge('syncline_snapshot_running', '1 while a snapshot (initial or requested) has chunks left.', (p) =>
      p ? 1 : 0,
    );
    gauge(
      'syncline_snapshot_rows_done',
      'Rows read so far by the snapshot in progress (0 when none runs).',
      (p) => (p ? p.rowsDone : 0),
    );
    gauge(
      'syncline_snapshot_rows_estimated',
      'Estimated rows of the snapshot in progress (information_schema estimate; 0 when none runs).',
      (p) => (p ? p.estimatedRows : 0),
    );
    const rows: Counter<'pipeline'> = new Counter({
      name: 'syncline_snapshot_rows_total',
      help: 'Rows read by snapshots (initial and requested re-snapshots) since the process started.',
      labelNames: ['pipeline'],
      registers,
      collect: () => {
        rows.reset();
        for (const h of this.views()) rows.inc({ pipeline: h.pipeline.name }, h.pipeline.stats.snapshotRows);
      },
    });
  }

  private deadLetterMetrics(): void {
    const stored: Gauge<'index' | 'kind'> = new Gauge({
      name: 'syncline_dead_letters_stored',
      help: 'Dead letters waiting in the store, per index and kind (read from the store, cached a few seconds).',
      labelNames: ['index', 'kind'],
      registers: [this.registry],
      collect: async () => {
        const store = this.deadLetterStore;
        if (!store) return;
        const ttl = this.o.deadLetterCountsTtlMs ?? 5000;
        if (!this.dlqCounts || Date.now() - this.dlqCounts.at > ttl) {
          try {
            this.dlqCounts = { at: Date.now(), rows: await store.counts() };
          } catch {
            return; // the store is down: keep the last values rather than fail the scrape
          }
        }
        stored.reset();
        for (const r of this.dlqCounts.rows) stored.set({ index: r.index, kind: r.kind }, r.count);
      },
    });
  }

  private driftMetrics(): void {
    const registers = [this.registry];
    const drift: Gauge<'index' | 'kind'> = new Gauge({
      name: 'syncline_drift_documents',
      help: 'Documents that differed between the table and its index at the last reconcile, per index and kind (missing, extra, stale), before any repair.',
      labelNames: ['index', 'kind'],
      registers,
      collect: () => {
        drift.reset();
        for (const r of driftReports())
          for (const kind of ['missing', 'extra', 'stale'] as const)
            drift.set({ index: r.index, kind }, r[kind]);
      },
    });
    const left: Gauge<'index'> = new Gauge({
      name: 'syncline_drift_unrepaired_documents',
      help: 'Drift left after the last reconcile of the index: what it found, less what --repair fixed. Alert when > 0.',
      labelNames: ['index'],
      registers,
      collect: () => {
        left.reset();
        for (const r of driftReports()) left.set({ index: r.index }, r.drift);
      },
    });
    const at: Gauge<'index'> = new Gauge({
      name: 'syncline_drift_checked_timestamp_seconds',
      help: 'When the last reconcile of the index finished (Unix time).',
      labelNames: ['index'],
      registers,
      collect: () => {
        at.reset();
        for (const r of driftReports()) at.set({ index: r.index }, r.checkedAt / 1000);
      },
    });
  }

  private cacheMetrics(): void {
    const registers = [this.registry];
    const counter = (name: string, help: string, key: 'hits' | 'misses' | 'evictions') =>
      snapshotCounter(registers, name, help, () => this.cacheStats?.()?.[key]);
    counter(
      'syncline_search_cache_hits_total',
      'Product searches answered from the in-memory cache.',
      'hits',
    );
    counter('syncline_search_cache_misses_total', 'Product searches that went to the engine.', 'misses');
    counter(
      'syncline_search_cache_evictions_total',
      'Cache entries evicted (LRU, over api.searchCache.maxEntries).',
      'evictions',
    );
    const size: Gauge = new Gauge({
      name: 'syncline_search_cache_entries',
      help: 'Entries in the search cache.',
      registers,
      collect: () => {
        size.set(this.cacheStats?.().size ?? 0);
      },
    });
  }
}

/** A counter whose value is read at scrape time from a running total kept elsewhere (undefined: not exposed yet). */
function snapshotCounter(
  registers: Registry[],
  name: string,
  help: string,
  read: () => number | undefined,
): Counter {
  const c: Counter = new Counter({
    name,
    help,
    registers,
    collect: () => {
      c.reset();
      const v = read();
      if (v !== undefined) c.inc(v);
    },
  });
  return c;
}
