import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { PollingSourceConfig } from '../../config/schema.js';
import type { ChangeEvent, Position, Row } from '../../core/change-event.js';
import { SynclineError } from '../../core/errors.js';
import type { Batch, Source } from '../../core/interfaces.js';
import { idle as sleep } from '../../core/timers.js';
import { type ColumnType, readTableColumns } from '../../mapping/column-types.js';
import { type Converter, compileConverter } from '../../mapping/convert.js';
import { microsFromMatch, microsText } from '../../mapping/datetime-micros.js';
import { readRows } from '../../mapping/exact-numbers.js';
import { parseZone } from '../../mapping/time-zone.js';
import { isVersionableType, versionFromSequence, versionSequence } from '../../mapping/version-column.js';
import { quoteId, splitTable } from '../mysql-binlog/table-patterns.js';
import { pageSql } from './keyset.js';
import { createSchedule } from './schedule.js';

/** Per-table progress: the last (tracking value, key) read, and the last tombstone (deleted_at, id). */
export interface TableCursor {
  readonly value: string | null;
  readonly pk: readonly unknown[] | null;
  readonly tombstone?: { readonly value: string; readonly id: string };
}

/** Position.checkpoint of a polling source. */
export interface PollingCheckpoint {
  readonly polling: Readonly<Record<string, TableCursor>>;
}

export interface PollingSourceOptions {
  readonly name: string;
  readonly pool: Pool;
  readonly config: PollingSourceConfig;
  /** Key columns for tables without a primary key (`database.table` → columns). */
  readonly keyColumns?: ReadonlyMap<string, readonly string[]>;
  /** Zone of DATETIME tracking values per table (the mapping's datetimeZone); default UTC. */
  readonly datetimeZones?: ReadonlyMap<string, string>;
  readonly logger?: Logger;
}

interface TablePlan {
  readonly qualified: string;
  readonly database: string;
  readonly table: string;
  readonly keys: readonly string[];
  readonly tracking: ColumnType;
  readonly convert: Converter;
  readonly temporal: boolean;
  readonly zone: string;
}

export interface PollingStats {
  /** Rows read from the tables (rescans included), and tombstone rows read. */
  rowsRead: number;
  tombstonesRead: number;
  polls: number;
  lastPollAt: number;
}

const ack = (): Promise<void> => Promise.resolve();

/**
 * Scheduled keyset pulls (docs/polling.md). Per table: rows with (tracking, key) after the cursor and a
 * tracking time older than now − safetyLagMs, in pages of batchSize; each page is one batch whose
 * position holds every table's cursor, so a restart resumes where the acknowledged pages ended. Soft
 * deletes (a column) and tombstone rows (triggers) become delete events. Versions come from the
 * tracking column (× 2, + 1 for deletes), the same as a mapping's `versionColumn` computes them.
 */
export class PollingSource implements Source {
  readonly name: string;
  readonly stats: PollingStats = { rowsRead: 0, tombstonesRead: 0, polls: 0, lastPollAt: 0 };
  private readonly o: PollingSourceOptions;
  private plans: TablePlan[] = [];
  private cursors: Record<string, TableCursor> = {};

  constructor(options: PollingSourceOptions) {
    this.o = options;
    this.name = options.name;
    const d = options.config.deletes;
    if (d.softDeleteColumn !== undefined && d.tombstoneTable !== undefined) {
      throw new SynclineError(
        'CONFIG_INVALID',
        `pipelines[${options.name}].source.deletes: set softDeleteColumn or tombstoneTable, not both`,
      );
    }
    createSchedule(options.config, `pipelines[${options.name}].source`);
  }

  async *start(from: Position | undefined, signal: AbortSignal): AsyncIterable<Batch> {
    const c = this.o.config;
    const schedule = createSchedule(c, `pipelines[${this.name}].source`);
    this.plans = await Promise.all(c.tables.map((t) => this.plan(t)));
    this.cursors = { ...((from?.checkpoint as PollingCheckpoint | undefined)?.polling ?? {}) };
    while (!signal.aborted) {
      const started = Date.now();
      const upperUtcMicros = await this.dbNowMicros();
      for (const plan of this.plans) {
        if (signal.aborted) break;
        yield* this.pollTable(plan, upperUtcMicros - BigInt(c.safetyLagMs) * 1000n, signal);
        if (c.deletes.tombstoneTable !== undefined && !signal.aborted)
          yield* this.pollTombstones(plan, upperUtcMicros - BigInt(c.safetyLagMs) * 1000n, signal);
      }
      this.stats.polls += 1;
      this.stats.lastPollAt = Date.now();
      if (signal.aborted) break;
      const now = new Date();
      const wait =
        c.cron === undefined ? Math.max(0, c.intervalMs - (now.getTime() - started)) : schedule.delayMs(now);
      await sleep(wait, signal);
    }
  }

  /** The table's cursors now (for the admin API and tests). */
  cursor(qualified: string): TableCursor | undefined {
    return this.cursors[qualified];
  }

  private async plan(qualified: string): Promise<TablePlan> {
    const { database, table } = splitTable(qualified);
    const where = `pipelines[${this.name}].source`;
    let columns: Awaited<ReturnType<typeof readTableColumns>>;
    try {
      columns = await readTableColumns(this.o.pool, database, table);
    } catch (e) {
      throw new SynclineError('CONFIG_INVALID', `${where}.tables: ${qualified}: ${(e as Error).message}`);
    }
    const keys = this.o.keyColumns?.get(qualified) ?? columns.primaryKey;
    if (!keys || keys.length === 0)
      throw new SynclineError(
        'NO_PRIMARY_KEY',
        `${qualified} has no primary key: polling pages by (tracking column, key)`,
      );
    const want = this.o.config.trackingColumn.toLowerCase();
    const tracking = columns.columns.find((col) => col.name.toLowerCase() === want);
    if (!tracking)
      throw new SynclineError(
        'CONFIG_INVALID',
        `${where}.trackingColumn: no column ${this.o.config.trackingColumn} in ${qualified}`,
      );
    if (!isVersionableType(tracking.type))
      throw new SynclineError(
        'CONFIG_INVALID',
        `${where}.trackingColumn: ${qualified}.${tracking.name} is ${tracking.columnType}; use DATETIME(6)/TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6) or an integer version column`,
      );
    const soft = this.o.config.deletes.softDeleteColumn;
    if (soft !== undefined && !columns.columns.some((col) => col.name.toLowerCase() === soft.toLowerCase()))
      throw new SynclineError(
        'CONFIG_INVALID',
        `${where}.deletes.softDeleteColumn: no column ${soft} in ${qualified}`,
      );
    const zone = tracking.type === 'datetime' ? (this.o.datetimeZones?.get(qualified) ?? 'UTC') : 'UTC';
    return {
      qualified,
      database,
      table,
      keys,
      tracking,
      convert: compileConverter(tracking, { decimal: 'string', tinyint1: 'number', datetimeZone: zone }),
      temporal: tracking.type === 'datetime' || tracking.type === 'timestamp',
      zone,
    };
  }

  /** The server's clock (UTC), so the safety lag does not depend on this host's clock. */
  private async dbNowMicros(): Promise<bigint> {
    const [rows] = await this.o.pool.query('SELECT UTC_TIMESTAMP(6) AS now');
    const text = String((rows as Array<{ now: string }>)[0]!.now);
    return microsFromMatch(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/.exec(text)!);
  }

  /** An instant (µs, UTC) as the column stores it: UTC text for TIMESTAMP (UTC session), wall clock in the zone for DATETIME. */
  private bound(plan: TablePlan, utcMicros: bigint): string | undefined {
    if (!plan.temporal) return undefined;
    let seconds = Number(utcMicros / 1_000_000n);
    if (plan.tracking.type === 'datetime') {
      const offset = parseZone(plan.zone);
      seconds += offset(seconds + offset(seconds));
    }
    return microsText(BigInt(seconds) * 1_000_000n + (utcMicros % 1_000_000n));
  }

  private versionOf(plan: TablePlan, raw: unknown, isDelete: boolean): bigint {
    return versionFromSequence(
      versionSequence(plan.tracking, plan.convert(raw), raw),
      isDelete,
      plan.tracking.name,
    );
  }

  private isSoftDeleted(row: Row): boolean {
    const col = this.o.config.deletes.softDeleteColumn;
    if (col === undefined) return false;
    const name = Object.keys(row).find((k) => k.toLowerCase() === col.toLowerCase());
    const v = name === undefined ? null : row[name];
    return !(v === null || v === undefined || v === 0 || v === '0' || v === false || v === '');
  }

  private position(plan: TablePlan, version: bigint, label: string): Position {
    return { version, checkpoint: { polling: { ...this.cursors } }, label: `${plan.qualified} ${label}` };
  }

  private async *pollTable(plan: TablePlan, upperMicros: bigint, signal: AbortSignal): AsyncIterable<Batch> {
    const c = this.o.config;
    const order = [plan.tracking.name, ...plan.keys];
    const upTo = this.bound(plan, upperMicros);
    const saved = this.cursors[plan.qualified];
    let after: unknown[] | null = saved?.value != null && saved.pk ? [saved.value, ...saved.pk] : null;
    // rescan: start from (cursor − window), inclusive, then continue by keyset
    let from: string | undefined;
    if (c.rescanWindowMs > 0 && plan.temporal && saved?.value != null) {
      const rescanFrom = rescanStart(saved.value, c.rescanWindowMs);
      if (rescanFrom !== undefined) from = rescanFrom;
    }
    while (!signal.aborted) {
      const q = pageSql({
        database: plan.database,
        table: plan.table,
        order,
        after,
        ...(from !== undefined && { from }),
        ...(upTo !== undefined && { upTo }),
        limit: c.batchSize,
      });
      const list = await readRows(this.o.pool, plan.database, plan.table, q.sql, q.values); // FLOAT/DOUBLE exact
      from = undefined;
      this.stats.rowsRead += list.length;
      if (list.length === 0) return;
      const events: ChangeEvent[] = [];
      for (const row of list) {
        const raw = row[plan.tracking.name];
        const deleted = this.isSoftDeleted(row);
        const sequence = versionSequence(plan.tracking, plan.convert(raw), raw);
        const version = versionFromSequence(sequence, deleted, plan.tracking.name);
        const key = Object.fromEntries(plan.keys.map((k) => [k, row[k]]));
        const label = `${plan.tracking.name}=${String(raw)} key=${JSON.stringify(Object.values(key))}`;
        events.push({
          op: deleted ? 'd' : 'u',
          before: deleted ? row : null,
          after: deleted ? null : row,
          key,
          source: {
            connector: 'polling',
            database: plan.database,
            table: plan.table,
            position: { version, checkpoint: { table: plan.qualified, value: String(raw) }, label },
            snapshot: false,
            // the change's time, when the tracking column is one (lag metrics)
            tsMs: plan.temporal ? Number(sequence / 1000n) : 0,
          },
        });
      }
      const last = list[list.length - 1]!;
      after = [last[plan.tracking.name], ...plan.keys.map((k) => last[k])];
      this.advance(plan, { value: String(after[0]), pk: after.slice(1) });
      yield {
        events,
        position: this.position(
          plan,
          events[events.length - 1]!.source.position.version,
          events[events.length - 1]!.source.position.label,
        ),
        ack,
      };
      if (list.length < c.batchSize) return;
    }
  }

  /** Never moves a cursor backwards (a rescan re-reads rows behind it). */
  private advance(plan: TablePlan, next: TableCursor): void {
    const cur = this.cursors[plan.qualified];
    if (cur?.value != null && cur.pk && compareCursor(plan, cur, next) >= 0) return;
    this.cursors[plan.qualified] = { ...next, ...(cur?.tombstone && { tombstone: cur.tombstone }) };
  }

  private async *pollTombstones(
    plan: TablePlan,
    upperMicros: bigint,
    signal: AbortSignal,
  ): AsyncIterable<Batch> {
    const c = this.o.config;
    const t = splitTable(c.deletes.tombstoneTable!);
    // deleted_at is DATETIME(6) NOW() of the deleting session: the same clock as a DATETIME tracking column
    const upTo = this.bound({ ...plan, tracking: { ...plan.tracking, type: 'datetime' } }, upperMicros);
    while (!signal.aborted) {
      const cur = this.cursors[plan.qualified]?.tombstone;
      const values: unknown[] = [plan.database, plan.table];
      let where = 'source_db = ? AND source_table = ?';
      if (cur) {
        where += ' AND (deleted_at > ? OR (deleted_at = ? AND id > ?))';
        values.push(cur.value, cur.value, cur.id);
      }
      if (upTo !== undefined) {
        where += ' AND deleted_at <= ?';
        values.push(upTo);
      }
      const [rows] = await this.o.pool.query({
        sql: `SELECT id, pk, deleted_at FROM ${quoteId(t.database)}.${quoteId(t.table)} WHERE ${where}
               ORDER BY deleted_at, id LIMIT ${Math.floor(c.batchSize)}`,
        values,
      });
      const list = rows as Array<{ id: string | number; pk: string | Row; deleted_at: string }>;
      this.stats.tombstonesRead += list.length;
      if (list.length === 0) return;
      const events: ChangeEvent[] = list.map((r) => {
        // LONGTEXT with a JSON_VALID check: text, or already parsed when the pool decodes JSON columns
        const key = (typeof r.pk === 'string' ? JSON.parse(r.pk) : r.pk) as Row;
        // the tombstone time plays the tracking column's part in the before-image (versionColumn reads it)
        const before: Row = { ...key, [plan.tracking.name]: plan.temporal ? r.deleted_at : null };
        const version = plan.temporal
          ? this.versionOf(plan, r.deleted_at, true)
          : versionFromSequence(BigInt(r.id), true, 'id');
        return {
          op: 'd',
          before: plan.temporal ? before : null,
          after: null,
          key,
          source: {
            connector: 'polling',
            database: plan.database,
            table: plan.table,
            position: {
              version,
              checkpoint: { table: plan.qualified, tombstone: String(r.id) },
              label: `tombstone ${r.id} at ${r.deleted_at}`,
            },
            snapshot: false,
            tsMs: 0,
          },
        };
      });
      const last = list[list.length - 1]!;
      const existing = this.cursors[plan.qualified] ?? { value: null, pk: null };
      this.cursors[plan.qualified] = {
        ...existing,
        tombstone: { value: String(last.deleted_at), id: String(last.id) },
      };
      const lastEvent = events[events.length - 1]!;
      yield {
        events,
        position: this.position(plan, lastEvent.source.position.version, lastEvent.source.position.label),
        ack,
      };
      if (list.length < c.batchSize) return;
    }
  }
}

/** Orders two cursors of one table by (tracking value, key); values compare as the server would for their type. */
function compareCursor(plan: TablePlan, a: TableCursor, b: TableCursor): number {
  const cmp = (x: unknown, y: unknown): number => {
    const xs = String(x);
    const ys = String(y);
    if (/^-?\d+$/.test(xs) && /^-?\d+$/.test(ys)) {
      const d = BigInt(xs) - BigInt(ys);
      return d === 0n ? 0 : d < 0n ? -1 : 1;
    }
    return xs < ys ? -1 : xs > ys ? 1 : 0;
  };
  const byValue = plan.temporal ? cmp(a.value, b.value) : cmp(a.value, b.value);
  if (byValue !== 0) return byValue;
  const ap = a.pk ?? [];
  const bp = b.pk ?? [];
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    const r = cmp(ap[i], bp[i]);
    if (r !== 0) return r;
  }
  return 0;
}

/** The tracking value `windowMs` before `value` (DATETIME text), where a rescan starts. */
function rescanStart(value: string, windowMs: number): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(value);
  if (!m) return undefined;
  return microsText(microsFromMatch(m) - BigInt(windowMs) * 1000n);
}
