import type { Pool } from 'mysql2/promise';
import type { Position } from '../../core/change-event.js';
import { positionFromJson, positionToJson } from '../../core/event-json.js';
import { quoteId } from '../../sources/mysql-binlog/table-patterns.js';

export type ReindexState = 'filling' | 'swapped' | 'done' | 'failed';

export interface ReindexRecord {
  readonly id: number;
  readonly alias: string;
  readonly fromIndex: string;
  readonly toIndex: string;
  /** reindex: a new index from a snapshot; rollback: back to an earlier index. */
  readonly kind: 'reindex' | 'rollback';
  readonly state: ReindexState;
  /** Binlog position the job started streaming from (a rollback catches the old index up from there). */
  readonly startPosition: Position | undefined;
  readonly error: string | null;
  readonly startedAt: string;
  readonly swappedAt: string | null;
  readonly finishedAt: string | null;
}

/** `<internal db>.reindex_history`: one row per reindex or rollback, for --status, resume and rollback. */
export class ReindexHistory {
  private ready: Promise<void> | undefined;
  constructor(
    private readonly pool: Pool,
    private readonly database: string,
  ) {}

  private get table(): string {
    return `${quoteId(this.database)}.reindex_history`;
  }

  private ensure(): Promise<void> {
    this.ready ??= this.pool
      .query(`CREATE DATABASE IF NOT EXISTS ${quoteId(this.database)} CHARACTER SET utf8mb4`)
      .then(() =>
        this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          alias VARCHAR(255) NOT NULL,
          from_index VARCHAR(255) NOT NULL,
          to_index VARCHAR(255) NOT NULL,
          kind VARCHAR(16) NOT NULL,
          state VARCHAR(16) NOT NULL,
          start_position TEXT NULL,
          error TEXT NULL,
          started_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
          swapped_at DATETIME(6) NULL,
          finished_at DATETIME(6) NULL,
          KEY idx_alias (alias, id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`),
      )
      .then(() => undefined);
    return this.ready;
  }

  async start(r: Pick<ReindexRecord, 'alias' | 'fromIndex' | 'toIndex' | 'kind'>): Promise<number> {
    await this.ensure();
    const [res] = await this.pool.query(
      `INSERT INTO ${this.table} (alias, from_index, to_index, kind, state) VALUES (?, ?, ?, ?, 'filling')`,
      [r.alias, r.fromIndex, r.toIndex, r.kind],
    );
    return Number((res as { insertId: number }).insertId);
  }

  /** Where a rollback replays from (see rollbackFrom in reindex.ts). */
  async setStart(id: number, p: Position | undefined): Promise<void> {
    if (!p) return;
    await this.ensure();
    await this.pool.query(`UPDATE ${this.table} SET start_position = ? WHERE id = ?`, [
      positionToJson(p),
      id,
    ]);
  }

  async set(id: number, state: ReindexState, error?: string): Promise<void> {
    await this.ensure();
    const stamp =
      state === 'swapped'
        ? ', swapped_at = NOW(6)'
        : state === 'done' || state === 'failed'
          ? ', finished_at = NOW(6)'
          : '';
    await this.pool.query(`UPDATE ${this.table} SET state = ?, error = ?${stamp} WHERE id = ?`, [
      state,
      error?.slice(0, 60_000) ?? null,
      id,
    ]);
  }

  async list(alias: string, limit = 20): Promise<ReindexRecord[]> {
    await this.ensure();
    const [rows] = await this.pool.query(
      `SELECT * FROM ${this.table} WHERE alias = ? ORDER BY id DESC LIMIT ?`,
      [alias, limit],
    );
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      id: Number(r.id),
      alias: String(r.alias),
      fromIndex: String(r.from_index),
      toIndex: String(r.to_index),
      kind: r.kind as ReindexRecord['kind'],
      state: r.state as ReindexState,
      startPosition: typeof r.start_position === 'string' ? positionFromJson(r.start_position) : undefined,
      error: (r.error as string | null) ?? null,
      startedAt: String(r.started_at),
      swappedAt: (r.swapped_at as string | null) ?? null,
      finishedAt: (r.finished_at as string | null) ?? null,
    }));
  }
}
