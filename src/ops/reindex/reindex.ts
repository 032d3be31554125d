import type { PoolConnection } from 'mysql2/promise';
import type { Position } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import { withSupportedFieldTypes } from '../../mapping/field-type-fallback.js';
import { columnProperties } from '../../mapping/field-types.js';
import { buildIndexBody, flattenSettings } from '../../mapping/index-definitions.js';
import { MappingSet } from '../../mapping/mapping-set.js';
import { relationProperties } from '../../mapping/relations/relation-properties.js';
import { chooseTextAnalyzer } from '../../mapping/text-analyzer-choice.js';
import { pipelinesCapturing, positionReached } from '../barrier.js';
import type { OpsContext } from '../context.js';
import { noProgress, type ProgressListener } from '../progress.js';
import { ReindexHistory, type ReindexRecord } from './history.js';
import {
  createIndex,
  deleteIndex,
  describeName,
  existingVersions,
  indexExists,
  refresh,
  setRefreshInterval,
  swapAlias,
  versionOf,
  waitForPrimaries,
} from './index-admin.js';
import { TailPipeline } from './tail-pipeline.js';

export interface ReindexOptions {
  /** The alias (the mapped index name), e.g. "products". */
  readonly index: string;
  /** Swap back to the index the last reindex replaced, caught up first. */
  readonly rollback?: boolean;
  /** Delete a leftover `<alias>_v<N+1>` of an interrupted run and start over (default: resume it). */
  readonly restart?: boolean;
  /** Swap even when the fill produced dead letters (documents missing from the new index). */
  readonly acceptDeadLetters?: boolean;
  /** Rows per snapshot chunk. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

export interface ReindexReport {
  readonly alias: string;
  readonly kind: 'reindex' | 'rollback';
  readonly from: string;
  readonly to: string;
  /** Rows read by the snapshot (0 for a rollback). */
  readonly rows: number;
  /** Change events the job applied while it ran. */
  readonly events: number;
  readonly deadLetters: number;
  readonly resumed: boolean;
  readonly durationMs: number;
}

export interface ReindexStatus {
  readonly alias: string;
  readonly current: string[];
  readonly versions: string[];
  readonly history: ReindexRecord[];
}

const jobName = (target: string) => `reindex-${target.replace(/[^a-z0-9_-]/g, '-')}`;

/**
 * Zero-downtime reindex (docs/reindex.md): a new `<alias>_v<N+1>` from the current definition, filled
 * by a temporary pipeline (lock-free snapshot + binlog streaming) while the configured pipelines keep
 * feeding the current index; caught up to a barrier; refreshed; then the alias is moved in one atomic
 * `_aliases` request; the job follows the binlog until it has passed a barrier taken after the move (so
 * whatever a lagging pipeline wrote to the old index is in the new one too), and stops. The old index is
 * kept for `--rollback`.
 */
export async function reindex(
  ctx: OpsContext,
  opts: ReindexOptions,
  onProgress: ProgressListener = noProgress,
): Promise<ReindexReport> {
  const alias = opts.index;
  if (!ctx.config.mappings.some((m) => m.index === alias)) {
    throw new SynclineError(
      'OPS_TARGET_UNKNOWN',
      `no mapping writes to "${alias}" (mapped indexes: ${[...new Set(ctx.config.mappings.map((m) => m.index))].join(', ')})`,
    );
  }
  const lock = await acquireLock(ctx, alias);
  try {
    return opts.rollback ? await rollback(ctx, opts, onProgress) : await forward(ctx, opts, onProgress);
  } finally {
    await releaseLock(lock, alias);
  }
}

async function currentIndex(ctx: OpsContext, alias: string): Promise<string> {
  const d = await describeName(ctx.search, alias);
  if (d.kind === 'index') {
    throw new SynclineError('REINDEX_NOT_ALIAS', `${alias} is a concrete index, not an alias`);
  }
  if (d.kind === 'missing') {
    throw new SynclineError(
      'REINDEX_FAILED',
      `${alias} does not exist yet: start the pipelines (syncline run) to create it`,
    );
  }
  if (d.indexes.length !== 1) {
    throw new SynclineError(
      'REINDEX_FAILED',
      `alias ${alias} points to ${d.indexes.length} indexes (${d.indexes.join(', ')}); expected one`,
    );
  }
  return d.indexes[0]!;
}

async function forward(
  ctx: OpsContext,
  opts: ReindexOptions,
  onProgress: ProgressListener,
): Promise<ReindexReport> {
  const t0 = Date.now();
  const alias = opts.index;
  const history = new ReindexHistory(ctx.db, ctx.config.internalDatabase);
  const from = await currentIndex(ctx, alias);
  const versions = await existingVersions(ctx.search, alias);
  const next = Math.max(versionOf(alias, from) ?? 0, ...versions) + 1;
  let to = `${alias}_v${next}`;
  // an interrupted run left its index (never behind the alias): resume it, or start over
  const last = (await history.list(alias, 1))[0];
  let resumed = false;
  let recordId: number;
  if (
    last &&
    last.kind === 'reindex' &&
    last.state === 'filling' &&
    last.fromIndex === from &&
    (await indexExists(ctx.search, last.toIndex))
  ) {
    if (opts.restart) {
      await deleteIndex(ctx.search, last.toIndex);
      await removeCheckpoint(ctx, jobName(last.toIndex));
      await history.set(last.id, 'failed', 'restarted');
      recordId = await history.start({ alias, fromIndex: from, toIndex: to, kind: 'reindex' });
      await createTarget(ctx, alias, to);
    } else {
      to = last.toIndex;
      recordId = last.id;
      resumed = true;
    }
  } else {
    recordId = await history.start({ alias, fromIndex: from, toIndex: to, kind: 'reindex' });
    await removeCheckpoint(ctx, jobName(to));
    await createTarget(ctx, alias, to);
  }
  ctx.logger.info(
    { alias, from, to, resumed },
    `reindex ${alias}: ${from} → ${to}${resumed ? ' (resumed)' : ''}`,
  );
  const job = new TailPipeline(ctx, {
    name: jobName(to),
    alias,
    target: to,
    snapshot: 'initial',
    ...(opts.chunkSize && { chunkSize: opts.chunkSize }),
  });
  try {
    const report = await runJob(ctx, job, {
      alias,
      from,
      to,
      recordId,
      history,
      opts,
      onProgress,
      fill: true,
    });
    return { ...report, kind: 'reindex', resumed, durationMs: Date.now() - t0 };
  } catch (e) {
    await history.set(recordId, 'failed', errorMessage(e)).catch(() => {});
    throw e;
  }
}

async function rollback(
  ctx: OpsContext,
  opts: ReindexOptions,
  onProgress: ProgressListener,
): Promise<ReindexReport> {
  const t0 = Date.now();
  const alias = opts.index;
  const history = new ReindexHistory(ctx.db, ctx.config.internalDatabase);
  const from = await currentIndex(ctx, alias);
  const done = (await history.list(alias, 50)).find(
    (r) => r.kind === 'reindex' && r.state === 'done' && r.toIndex === from,
  );
  if (!done || !(await indexExists(ctx.search, done.fromIndex))) {
    throw new SynclineError(
      'REINDEX_NO_ROLLBACK',
      done
        ? `${done.fromIndex}, which ${from} replaced, no longer exists`
        : `no finished reindex of ${alias} moved it to ${from}`,
    );
  }
  const to = done.fromIndex;
  const recordId = await history.start({ alias, fromIndex: from, toIndex: to, kind: 'rollback' });
  const name = jobName(`${to}-rollback`);
  await removeCheckpoint(ctx, name);
  // The old index got the pipelines' writes until the move; replaying the binlog from the start of the
  // reindex that replaced it (versions make the overlap harmless) brings it up to date.
  if (done.startPosition) await ctx.checkpoints.commit(name, done.startPosition);
  ctx.logger.info({ alias, from, to }, `rollback of ${alias}: catching ${to} up, then ${from} → ${to}`);
  const job = new TailPipeline(ctx, { name, alias, target: to, snapshot: 'never' });
  try {
    const report = await runJob(ctx, job, {
      alias,
      from,
      to,
      recordId,
      history,
      opts,
      onProgress,
      fill: false,
    });
    return { ...report, kind: 'rollback', resumed: false, durationMs: Date.now() - t0 };
  } catch (e) {
    await history.set(recordId, 'failed', errorMessage(e)).catch(() => {});
    throw e;
  }
}

interface JobPlan {
  alias: string;
  from: string;
  to: string;
  recordId: number;
  history: ReindexHistory;
  opts: ReindexOptions;
  onProgress: ProgressListener;
  fill: boolean;
}

async function runJob(ctx: OpsContext, job: TailPipeline, p: JobPlan) {
  const { alias, from, to, opts, onProgress } = p;
  const operation = p.fill ? 'reindex' : 'rollback';
  const signal = opts.signal;
  await job.start();
  try {
    // 1. fill: the snapshot (a new index) — the configured pipelines keep serving the alias meanwhile
    let first: Position | undefined;
    await job.snapshotDone(() => {
      const s = job.snapshotProgress;
      first ??= job.position;
      if (s) {
        onProgress({
          operation,
          subject: alias,
          phase: 'fill',
          done: s.rowsDone,
          total: Math.max(s.estimatedRows, s.rowsDone),
          unit: 'rows',
        });
      }
    }, signal);
    first ??= job.position;
    // the fill's last line, also when it finished before the first progress tick (a small table)
    onProgress({
      operation,
      subject: alias,
      phase: 'fill',
      done: job.snapshotRows,
      total: job.snapshotRows,
      unit: 'rows',
    });
    // 2. catch up with everything committed so far
    onProgress({ operation, subject: alias, phase: 'catch-up', done: 0, unit: 'events' });
    await job.catchUp(signal, () =>
      onProgress({
        operation,
        subject: alias,
        phase: 'catch-up',
        done: job.stats?.eventsIn ?? 0,
        unit: 'events',
      }),
    );
    const dead = (await ctx.deadLetters.list({ pipeline: job.o.name, limit: 100_000 })).length;
    if (dead > 0 && !opts.acceptDeadLetters) {
      throw new SynclineError(
        'REINDEX_FAILED',
        `${dead} document(s) could not be written to ${to} (dead letters of pipeline ${job.o.name}); fix the definition and run again with --restart, or pass --accept-dead-letters`,
      );
    }
    // 3. make it searchable like the old one: refresh interval back, refreshed, every primary active
    onProgress({ operation, subject: alias, phase: 'swap', done: 0, total: 1, unit: 'steps' });
    if (p.fill) await setRefreshInterval(ctx.search, to, refreshIntervalOf(ctx, alias));
    await waitForPrimaries(ctx.search, to);
    await job.catchUp(signal);
    await refresh(ctx.search, to);
    // 4. one atomic alias move; first, where a rollback would have to catch the old index up from
    await p.history.setStart(p.recordId, await rollbackFrom(ctx, alias, first ?? job.position));
    await swapAlias(ctx.search, alias, from, to);
    await p.history.set(p.recordId, 'swapped');
    ctx.logger.info({ alias, from, to }, `alias ${alias} moved from ${from} to ${to}`);
    onProgress({ operation, subject: alias, phase: 'swap', done: 1, total: 1, unit: 'steps' });
    // 5. follow until past a barrier taken after the move: what a lagging pipeline still wrote to the
    //    old index before the move is in the new one too; after the move every pipeline writes the new one
    onProgress({ operation, subject: alias, phase: 'follow', done: 0, unit: 'events' });
    await job.catchUp(signal);
    await p.history.set(p.recordId, 'done');
    return { alias, from, to, rows: job.snapshotRows, events: job.stats?.eventsIn ?? 0, deadLetters: dead };
  } finally {
    await job.stop();
    await removeCheckpoint(ctx, job.o.name);
  }
}

/** Creates `<alias>_v<N>` from the current definition, with refreshes off while it fills. */
async function createTarget(ctx: OpsContext, alias: string, index: string): Promise<void> {
  const set = await MappingSet.load(
    ctx.db,
    ctx.config.mappings.filter((m) => m.index === alias),
  );
  const engine = await ctx.search.info();
  const properties: Record<string, unknown> = {};
  for (const m of set.mappings) Object.assign(properties, columnProperties(m, engine));
  // embedded rows keep their explicit mapping (nested, Chinese text sub-fields) in the new index too
  for (const r of set.rebuilders) Object.assign(properties, relationProperties(r.tree, engine));
  const definition = ctx.config.indexes[alias] ?? {};
  const requested = ctx.config.indexes[alias]?.textAnalyzer ?? 'cjk';
  const textAnalyzer = await chooseTextAnalyzer(ctx.search, requested, ctx.logger);
  const body = buildIndexBody({ ...definition, textAnalyzer }, { properties });
  body.settings = { ...body.settings, 'index.refresh_interval': '-1' };
  body.mappings = await withSupportedFieldTypes(ctx.search, body.mappings, ctx.logger);
  await createIndex(ctx.search, index, body);
}

/** The refresh interval the definition asks for (the fill turned refreshes off). */
function refreshIntervalOf(ctx: OpsContext, alias: string): string | null {
  const settings = buildIndexBody(ctx.config.indexes[alias] ?? {}).settings;
  const v = flattenSettings(settings)['index.refresh_interval'];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/**
 * The old index has every change up to where the pipelines writing the alias are at the move; a rollback
 * replays from the lowest of those positions and the job's own first position (GTID only: a pipeline's
 * snapshot state is its own).
 */
async function rollbackFrom(
  ctx: OpsContext,
  alias: string,
  first: Position | undefined,
): Promise<Position | undefined> {
  let low = first && gtidOnly(first);
  const tables = ctx.config.mappings
    .filter((m) => m.index === alias)
    .map((m) => m.table.split('.') as [string, string]);
  const names = new Set(tables.flatMap(([d, t]) => pipelinesCapturing(ctx.config, d, t)));
  for (const name of names) {
    const pos = await ctx.pipelinePosition(name);
    const gtid = pos?.checkpoint.gtid;
    if (!pos || typeof gtid !== 'string') continue;
    if (!low || !positionReached(pos, String(low.checkpoint.gtid))) low = gtidOnly(pos);
  }
  return low;
}

function gtidOnly(p: Position): Position {
  return { version: p.version, checkpoint: { gtid: p.checkpoint.gtid }, label: p.label };
}

async function removeCheckpoint(ctx: OpsContext, name: string): Promise<void> {
  const store = ctx.checkpoints as { remove?: (name: string) => Promise<void> };
  await store.remove?.(name);
}

/** One reindex per alias at a time, across processes: a MariaDB named lock held on its own connection. */
async function acquireLock(ctx: OpsContext, alias: string): Promise<PoolConnection> {
  const conn = await ctx.db.getConnection();
  const [rows] = await conn.query('SELECT GET_LOCK(?, 0) AS ok', [`syncline-reindex-${alias}`.slice(0, 64)]);
  if (Number((rows as Array<{ ok: number | null }>)[0]?.ok) !== 1) {
    conn.release();
    throw new SynclineError('REINDEX_FAILED', `another reindex of ${alias} is running`);
  }
  return conn;
}

async function releaseLock(conn: PoolConnection, alias: string): Promise<void> {
  await conn.query('SELECT RELEASE_LOCK(?)', [`syncline-reindex-${alias}`.slice(0, 64)]).catch(() => {});
  conn.release();
}

/** Where the alias points, the versioned indexes that exist, and the last reindex runs. */
export async function reindexStatus(ctx: OpsContext, alias: string): Promise<ReindexStatus> {
  const d = await describeName(ctx.search, alias);
  const versions = await existingVersions(ctx.search, alias);
  return {
    alias,
    current: d.kind === 'alias' ? d.indexes : d.kind === 'index' ? [alias] : [],
    versions: versions.map((n) => `${alias}_v${n}`),
    history: await new ReindexHistory(ctx.db, ctx.config.internalDatabase).list(alias),
  };
}
