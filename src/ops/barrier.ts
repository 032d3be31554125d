import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { SynclineConfig } from '../config/schema.js';
import { composeVersion, MAX_SUB, type Position } from '../core/change-event.js';
import { SynclineError } from '../core/errors.js';
import { sleep } from '../core/timers.js';
import { readCommitStamp } from '../sdk/commit-stamp.js';
import { SIGNAL_TABLE, WatermarkSignals } from '../sources/mysql-binlog/snapshot/watermark-signals.js';
import { GtidState } from '../sources/mysql-binlog/streaming/gtid-state.js';
import { quoteId, tableMatcher } from '../sources/mysql-binlog/table-patterns.js';

/** A committed transaction of our own in the binlog: a point every later change comes after. */
export interface Barrier {
  /** Its GTID (MariaDB domain-server-sequence, MySQL uuid:number). */
  readonly gtid: string;
  /** Its version sequence: the count of transactions executed up to it (docs/guarantees.md, "Versions"). */
  readonly seq: bigint;
  /**
   * The highest version of its transaction: composeVersion(seq, MAX_SUB). Every change committed before
   * the barrier has a lower version, every change after it a higher one (a higher sequence).
   */
  readonly version: bigint;
}

/**
 * Commits a row to the signal table and returns its GTID. Why a write and not just @@gtid_binlog_pos:
 * a transaction is in the binlog (and in gtid_binlog_pos) a moment before its rows are visible to other
 * sessions; with ordered commits (binlog_order_commits, on by default) our own commit returns only after
 * every earlier transaction is visible. So a read made after barrier() sees every change with a
 * sequence ≤ barrier.seq, and anything it misses has a higher version than barrier.version.
 * Pipelines capture the signal table, so the barrier also passes through every running pipeline: once a
 * pipeline's position has reached it, the pipeline has applied every change before it.
 */
export async function barrier(pool: Pool, internalDatabase: string): Promise<Barrier> {
  await new WatermarkSignals(pool, internalDatabase).ensure();
  const conn = await pool.getConnection();
  try {
    await conn.query(
      `INSERT INTO ${quoteId(internalDatabase)}.${SIGNAL_TABLE} (kind, chunk_id, table_name) VALUES ('barrier', ?, '')`,
      [randomUUID().slice(0, 32)],
    );
    let stamp: { gtid: string; seqNo: bigint };
    try {
      stamp = await readCommitStamp(conn);
    } catch (e) {
      throw new SynclineError(
        'PREFLIGHT_FAILED',
        `the barrier write got no GTID: binary logging is off for this server or session (log_bin, sql_log_bin): ${(e as Error).message}`,
        { cause: e },
      );
    }
    return { gtid: stamp.gtid, seq: stamp.seqNo, version: composeVersion(stamp.seqNo, Number(MAX_SUB)) };
  } finally {
    conn.release();
  }
}

/** The version a write made now must carry to be safe (see Barrier.version); reads must follow it. */
export const safeVersion = (b: Barrier): bigint => b.version;

/** True when a binlog position has reached the GTID position / set `target`. */
export function positionReached(p: Position | undefined, target: string): boolean {
  const gtid = p?.checkpoint.gtid;
  if (typeof gtid !== 'string') return false;
  try {
    return GtidState.parse(gtid).includes(GtidState.parse(target));
  } catch {
    return false;
  }
}

/**
 * Names of the configured binlog pipelines that capture `database.table` (the ones whose position can
 * be compared with a barrier's GTID; other kinds of pipeline are not waited for).
 */
export function pipelinesCapturing(config: SynclineConfig, database: string, table: string): string[] {
  return config.pipelines
    .filter((p) => p.source.type === 'mysql-binlog' && tableMatcher([...p.source.tables])(database, table))
    .map((p) => p.name);
}

export interface WaitResult {
  /** Pipelines whose position reached the target. */
  readonly reached: string[];
  /** Pipelines that did not (no position, not moving, or the timeout). */
  readonly behind: Array<{ pipeline: string; position: string | undefined; reason: string }>;
}

/**
 * Waits until each pipeline's position has reached `target`. A pipeline with no position, or whose
 * position does not move for `idleMs` while behind, is taken as not running and not waited for.
 */
export async function waitForPipelines(
  pipelines: readonly string[],
  target: string,
  positionOf: (name: string) => Promise<Position | undefined>,
  opts: { timeoutMs: number; idleMs?: number; pollMs?: number; signal?: AbortSignal },
): Promise<WaitResult> {
  const idleMs = opts.idleMs ?? 5000;
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  const reached: string[] = [];
  const behind: WaitResult['behind'] = [];
  const last = new Map<string, { label: string | undefined; since: number }>();
  let waiting = [...pipelines];
  while (waiting.length > 0) {
    const next: string[] = [];
    for (const name of waiting) {
      const p = await positionOf(name);
      if (positionReached(p, target)) {
        reached.push(name);
        continue;
      }
      if (!p) {
        behind.push({ pipeline: name, position: undefined, reason: 'no position (never ran)' });
        continue;
      }
      const seen = last.get(name);
      const label = String(p.checkpoint.gtid ?? p.label);
      if (!seen || seen.label !== label) last.set(name, { label, since: Date.now() });
      else if (Date.now() - seen.since > idleMs) {
        behind.push({
          pipeline: name,
          position: label,
          reason: `not moving for ${idleMs} ms (not running?)`,
        });
        continue;
      }
      if (Date.now() > deadline) {
        behind.push({ pipeline: name, position: label, reason: `timeout after ${opts.timeoutMs} ms` });
        continue;
      }
      next.push(name);
    }
    waiting = next;
    if (waiting.length > 0) await sleep(pollMs, opts.signal);
  }
  return { reached, behind };
}
