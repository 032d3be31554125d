import type { Pool } from 'mysql2/promise';
import { quoteId } from '../table-patterns.js';

export const SIGNAL_TABLE = 'snapshot_signals';

export type SignalKind = 'low' | 'high' | 'resnapshot';

export interface Signal {
  kind: SignalKind;
  chunkId: string;
  table: string;
  /** For 'resnapshot': optional key range [from (exclusive), until (inclusive)] as JSON arrays. */
  fromKey?: unknown[] | null;
  untilKey?: unknown[] | null;
}

/**
 * The signal table in the internal schema. Watermark rows are written around each chunk read; the binlog
 * reader recognises them in the stream, which is what orders the chunk against concurrent changes.
 */
export class WatermarkSignals {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    readonly database: string,
  ) {}

  get qualified(): string {
    return `${this.database}.${SIGNAL_TABLE}`;
  }

  ensure(): Promise<void> {
    this.ready ??= this.pool
      .query(`CREATE DATABASE IF NOT EXISTS ${quoteId(this.database)} CHARACTER SET utf8mb4`)
      .then(() =>
        this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${quoteId(this.database)}.${SIGNAL_TABLE} (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          kind VARCHAR(16) NOT NULL,
          chunk_id VARCHAR(64) NOT NULL,
          table_name VARCHAR(255) NOT NULL,
          payload TEXT NULL,
          created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        ),
      )
      .then(() => undefined);
    return this.ready;
  }

  async write(s: Signal): Promise<void> {
    await this.ensure();
    const payload =
      s.fromKey !== undefined || s.untilKey !== undefined
        ? JSON.stringify({ fromKey: s.fromKey ?? null, untilKey: s.untilKey ?? null })
        : null;
    await this.pool.query(
      `INSERT INTO ${quoteId(this.database)}.${SIGNAL_TABLE} (kind, chunk_id, table_name, payload) VALUES (?, ?, ?, ?)`,
      [s.kind, s.chunkId, s.table, payload],
    );
  }

  /** Signal rows are only needed in the binlog; old rows are pruned. */
  async prune(olderThanSeconds = 3600): Promise<void> {
    await this.ensure();
    await this.pool.query(
      `DELETE FROM ${quoteId(this.database)}.${SIGNAL_TABLE} WHERE created_at < NOW(6) - INTERVAL ? SECOND LIMIT 10000`,
      [olderThanSeconds],
    );
  }

  /** Decodes a row event of the signal table (as captured from the binlog). */
  static parse(row: Record<string, unknown> | null): Signal | undefined {
    if (!row) return undefined;
    const kind = String(row.kind) as SignalKind;
    if (kind !== 'low' && kind !== 'high' && kind !== 'resnapshot') return undefined;
    let range: { fromKey?: unknown[] | null; untilKey?: unknown[] | null } = {};
    if (typeof row.payload === 'string' && row.payload.length > 0) {
      try {
        range = JSON.parse(row.payload);
      } catch {
        range = {};
      }
    }
    return { kind, chunkId: String(row.chunk_id), table: String(row.table_name), ...range };
  }
}
