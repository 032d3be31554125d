import type { SynclineConfig } from '../../config/schema.js';
import { SynclineError } from '../../core/errors.js';
import type { MappingSet } from '../../mapping/mapping-set.js';
import type { TableMapping } from '../../mapping/table-mapping.js';
import {
  type ChunkTable,
  estimateRows,
  readChunk,
} from '../../sources/mysql-binlog/snapshot/chunk-reader.js';
import { pipelinesCapturing } from '../barrier.js';
import type { OpsContext } from '../context.js';
import { countDocs, mgetSources, refreshIndex, scanIds } from '../index-reader.js';
import { noProgress, type ProgressListener } from '../progress.js';
import { recordDrift } from './drift.js';
import { builtDocuments, type IndexTables, type Suspect } from './expected.js';
import { docFingerprint, rangeChecksum } from './fingerprint.js';
import { type KeyReverser, keyOf, keyReverser, rowsByKeys } from './key-lookup.js';
import { type RepairResult, repair } from './repair.js';
import { type Finding, type SettleDeps, type SettleResult, settle } from './settle.js';

export interface ReconcileOptions {
  /** A pipeline name, a mapped table (database.table) or an index; default: every mapped index. */
  readonly target?: string;
  /** Fix what differs through the versioned sink path. Default: config.reconcile.repair when scheduled, else false. */
  readonly repair?: boolean;
  /** Rows per key range. Default config.reconcile.chunkSize. */
  readonly chunkSize?: number;
  /** Re-check rounds for keys that keep changing. Default config.reconcile.settleRounds. */
  readonly settleRounds?: number;
  /** How long a re-check waits for a pipeline to pass its barrier. Default config.reconcile.settleTimeoutMs. */
  readonly settleTimeoutMs?: number;
  /** Ids listed per kind in the report (counts are always complete). Default 100. */
  readonly maxReported?: number;
  readonly signal?: AbortSignal;
}

export interface IndexReport {
  readonly index: string;
  readonly tables: string[];
  readonly rows: number;
  readonly docs: number;
  readonly ranges: number;
  readonly rangesDiffering: number;
  readonly missing: number;
  readonly extra: number;
  readonly stale: number;
  readonly inFlight: number;
  readonly unmappable: number;
  /** Ids that differed at first sight and were re-checked after the pipelines passed a barrier. */
  readonly rechecked: number;
  /** False when extras could not be looked for (the reason says why). */
  readonly extrasChecked: boolean;
  readonly extrasSkippedReason?: string;
  readonly samples: {
    missing: string[];
    extra: string[];
    stale: string[];
    inFlight: string[];
    unmappable: string[];
  };
  readonly repair?: RepairResult & { readonly remaining: number };
  /** Pipelines that were not running or did not reach a barrier (their changes could not be waited for). */
  readonly pipelinesNotWaitedFor: string[];
  /** Drift left: missing + extra + stale, or after a repair what it could not fix. */
  readonly drift: number;
  readonly durationMs: number;
}

export interface ReconcileReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly repair: boolean;
  readonly indexes: IndexReport[];
  /** Sum of the indexes' drift. */
  readonly drift: number;
}

/** The indexes a target names, each with every mapping that writes it (extras need all of them). */
export function resolveTargets(config: SynclineConfig, mappings: MappingSet, target?: string): IndexTables[] {
  let indexes: string[];
  if (!target) indexes = mappings.indexes();
  else if (config.pipelines.some((p) => p.name === target)) {
    const p = config.pipelines.find((x) => x.name === target)!;
    indexes = [
      ...new Set(
        mappings.mappings
          .filter((m) => pipelinesCapturing({ ...config, pipelines: [p] }, m.database, m.table).length > 0)
          .map((m) => m.index),
      ),
    ];
  } else if (target.includes('.') && mappings.mappings.some((m) => `${m.database}.${m.table}` === target)) {
    indexes = [
      ...new Set(mappings.mappings.filter((m) => `${m.database}.${m.table}` === target).map((m) => m.index)),
    ];
  } else if (mappings.indexes().includes(target)) indexes = [target];
  else {
    throw new SynclineError(
      'OPS_TARGET_UNKNOWN',
      `"${target}" is not a pipeline, a mapped table or a mapped index (pipelines: ${config.pipelines.map((p) => p.name).join(', ') || 'none'}; indexes: ${mappings.indexes().join(', ') || 'none'})`,
    );
  }
  return indexes.map((index) => {
    const list = mappings.mappings.filter((m) => m.index === index);
    const reversers = new Map<TableMapping, KeyReverser | undefined>();
    for (const m of list) {
      const r = keyReverser(m);
      reversers.set(m, typeof r === 'function' ? r : undefined);
    }
    const builders = new Map(
      mappings.rebuilders.filter((r) => list.includes(r.tree.root)).map((r) => [r.tree.root, r.builder]),
    );
    return { index, mappings: list, reversers, builders };
  });
}

/**
 * Proves an index equal to its tables, or lists how it differs (docs/reconcile.md):
 * 1. each table is walked in key order in ranges of `chunkSize` rows (keyset paging, nothing held
 *    beyond one range); the range's rows go through the mapping, the same ids are read from the index
 *    (mget), and the two sides' range checksums are compared; only a range that differs is compared
 *    document by document;
 * 2. the index's ids are scanned (ids only) and looked up in the tables, to find documents that have
 *    no row (extras);
 * 3. every difference is re-checked after the pipelines have passed a barrier (settle.ts), so changes
 *    in flight are not reported;
 * 4. with `repair`, what is left is fixed through the versioned sink (repair.ts) and checked again.
 */
export async function reconcile(
  ctx: OpsContext,
  opts: ReconcileOptions = {},
  onProgress: ProgressListener = noProgress,
): Promise<ReconcileReport> {
  const t0 = Date.now();
  const mappings = await ctx.loadMappings();
  const targets = resolveTargets(ctx.config, mappings, opts.target);
  const indexes: IndexReport[] = [];
  for (const t of targets) {
    opts.signal?.throwIfAborted();
    const report = await reconcileIndex(ctx, t, opts, onProgress);
    indexes.push(report);
    recordDrift({
      index: t.index,
      missing: report.missing,
      extra: report.extra,
      stale: report.stale,
      inFlight: report.inFlight,
      unmappable: report.unmappable,
      drift: report.drift,
      repaired: report.repair !== undefined,
      checkedAt: Date.now(),
    });
  }
  return {
    startedAt: new Date(t0).toISOString(),
    durationMs: Date.now() - t0,
    repair: opts.repair ?? false,
    indexes,
    drift: indexes.reduce((n, r) => n + r.drift, 0),
  };
}

class Tally {
  missing = 0;
  extra = 0;
  stale = 0;
  inFlight = 0;
  unmappable = 0;
  readonly samples = {
    missing: [] as string[],
    extra: [] as string[],
    stale: [] as string[],
    inFlight: [] as string[],
    unmappable: [] as string[],
  };
  constructor(private readonly max: number) {}
  add(kind: keyof Tally['samples'], id: string): void {
    this[kind]++;
    if (this.samples[kind].length < this.max) this.samples[kind].push(id);
  }
  addSettled(r: SettleResult): void {
    for (const f of r.drift) this.add(f.kind, f.id);
    for (const id of r.inFlight) this.add('inFlight', id);
    for (const u of r.unmappable) this.add('unmappable', u.id);
  }
}

async function reconcileIndex(
  ctx: OpsContext,
  t: IndexTables,
  opts: ReconcileOptions,
  onProgress: ProgressListener,
): Promise<IndexReport> {
  const t0 = Date.now();
  const cfg = ctx.config.reconcile;
  const chunkSize = opts.chunkSize ?? cfg.chunkSize;
  const tally = new Tally(opts.maxReported ?? 100);
  const pipelines = [
    ...new Set(t.mappings.flatMap((m) => pipelinesCapturing(ctx.config, m.database, m.table))),
  ];
  const stopped = new Set<string>();
  const deps: SettleDeps = {
    pool: ctx.db,
    search: ctx.search,
    internalDatabase: ctx.config.internalDatabase,
    pipelines,
    positionOf: (p) => ctx.pipelinePosition(p),
    rounds: opts.settleRounds ?? cfg.settleRounds,
    timeoutMs: opts.settleTimeoutMs ?? cfg.settleTimeoutMs,
    stopped,
    ...(opts.signal && { signal: opts.signal }),
  };
  const repairTotals = { indexed: 0, deleted: 0, stale: 0, dead: 0, unconfirmed: 0, remaining: 0 };
  const settleBatch = Math.max(100, chunkSize * 2);
  let pending = new Map<string, Suspect>();
  let rechecked = 0;

  // Settles the suspects gathered so far (and repairs what is left), keeping memory bounded.
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    rechecked += batch.size;
    onProgress({
      operation: 'reconcile',
      subject: t.index,
      phase: 'settle',
      done: 0,
      total: batch.size,
      unit: 'ids',
    });
    const settled = await settle(deps, t, [...batch.values()]);
    tally.addSettled(settled);
    if (opts.repair && settled.drift.length > 0) {
      onProgress({
        operation: 'reconcile',
        subject: t.index,
        phase: 'repair',
        done: 0,
        total: settled.drift.length,
        unit: 'docs',
      });
      const r = await repair(
        {
          pool: ctx.db,
          search: ctx.search,
          internalDatabase: ctx.config.internalDatabase,
          sink: ctx.config.sink,
          deadLetters: ctx.deadLetters,
          logger: ctx.logger,
          ...(opts.signal && { signal: opts.signal }),
        },
        t,
        settled.drift,
        batch,
      );
      repairTotals.indexed += r.indexed;
      repairTotals.deleted += r.deleted;
      repairTotals.stale += r.stale;
      repairTotals.dead += r.dead;
      repairTotals.unconfirmed += r.unconfirmed;
      // Checked again like any suspect: what still differs after the pipelines passed is what is left.
      const again = await settle(
        deps,
        t,
        settled.drift.map((f: Finding) => batch.get(f.id) ?? { id: f.id }),
      );
      repairTotals.remaining += again.drift.length;
    }
  };

  // 1. ranges of each table: checksum of the mapped rows against checksum of the same ids in the index
  let rows = 0;
  let ranges = 0;
  let rangesDiffering = 0;
  const tables = t.mappings.map((m) => `${m.database}.${m.table}`);
  const estimated = await estimateRows(ctx.db, [...new Set(tables)]);
  for (const m of t.mappings) {
    const chunk: ChunkTable = {
      qualified: `${m.database}.${m.table}`,
      database: m.database,
      table: m.table,
      keyColumns: [...m.keyColumns],
    };
    let after: unknown[] | null = null;
    for (;;) {
      opts.signal?.throwIfAborted();
      const page = await readChunk(ctx.db, chunk, after, chunkSize);
      if (page.rows.length === 0) break;
      const db = new Map<string, { fp: string; key: unknown[] }>();
      // a mapping with relations: the fingerprint covers the built document (one batched build per page)
      const builder = t.builders?.get(m);
      const built = builder ? await builtDocuments(builder, m, page.rows) : undefined;
      for (const row of page.rows) {
        let id: string;
        try {
          id = m.idOf(row);
        } catch {
          tally.add('unmappable', JSON.stringify(keyOf(m, row)));
          continue;
        }
        try {
          const doc = built ? built.get(id) : m.toDocument(row);
          if (!doc) throw new Error('gone since the page was read');
          db.set(id, { fp: docFingerprint(doc), key: keyOf(m, row) });
        } catch {
          // not convertible: such a row is a dead letter of the pipeline; re-checked like any suspect
          pending.set(id, { id, mapping: m, key: keyOf(m, row) });
        }
      }
      const ix = await mgetSources(ctx.search, t.index, [...db.keys()], opts.signal);
      const ixSum = rangeChecksum([...ix].map(([id, src]) => [id, docFingerprint(src)] as const));
      const dbSum = rangeChecksum([...db].map(([id, v]) => [id, v.fp] as const));
      ranges++;
      if (ixSum !== dbSum) {
        rangesDiffering++;
        for (const [id, v] of db) {
          const src = ix.get(id);
          if (!src || docFingerprint(src) !== v.fp) pending.set(id, { id, mapping: m, key: v.key });
        }
      }
      rows += page.rows.length;
      after = page.lastKey;
      onProgress({
        operation: 'reconcile',
        subject: t.index,
        phase: 'compare',
        done: rows,
        total: Math.max(estimated, rows),
        unit: 'rows',
      });
      if (pending.size >= settleBatch) await flush();
    }
  }
  await flush();

  // 2. extras: every id of the index looked up in its tables
  const unsupported = t.mappings.find((m) => !t.reversers.get(m));
  let extrasSkippedReason: string | undefined;
  let docs = 0;
  if (unsupported) {
    const r = keyReverser(unsupported);
    extrasSkippedReason = typeof r === 'function' ? 'unknown' : r.unsupported;
  } else {
    await refreshIndex(ctx.search, t.index, opts.signal);
    const total = await countDocs(ctx.search, t.index, opts.signal);
    for await (const ids of scanIds(ctx.search, t.index, chunkSize, opts.signal)) {
      const known = new Set<string>();
      for (const m of t.mappings) {
        const rev = t.reversers.get(m)!;
        const keys = ids.map(rev).filter((k): k is unknown[] => k !== null);
        for (const id of (await rowsByKeys(ctx.db, m, keys)).keys()) known.add(id);
      }
      for (const id of ids) if (!known.has(id)) pending.set(id, { id });
      docs += ids.length;
      onProgress({
        operation: 'reconcile',
        subject: t.index,
        phase: 'extras',
        done: docs,
        total: Math.max(total, docs),
        unit: 'ids',
      });
      if (pending.size >= settleBatch) await flush();
    }
    await flush();
  }

  const found = tally.missing + tally.extra + tally.stale;
  const repaired = opts.repair ? { ...repairTotals } : undefined;
  return {
    index: t.index,
    tables,
    rows,
    docs,
    ranges,
    rangesDiffering,
    missing: tally.missing,
    extra: tally.extra,
    stale: tally.stale,
    inFlight: tally.inFlight,
    unmappable: tally.unmappable,
    rechecked,
    extrasChecked: !unsupported,
    ...(extrasSkippedReason && { extrasSkippedReason }),
    samples: tally.samples,
    ...(repaired && { repair: repaired }),
    pipelinesNotWaitedFor: [...stopped],
    drift: repaired ? repaired.remaining : found,
    durationMs: Date.now() - t0,
  };
}
