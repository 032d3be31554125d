import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { eventFromJson, eventToJson } from '../core/event-json.js';
import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterKind,
  DeadLetterStore,
} from '../core/interfaces.js';

interface Row {
  id: number;
  pipeline: string;
  index_name: string;
  doc_id: string | null;
  kind: DeadLetterKind;
  error: string;
  attempts: number;
  event: string;
  first_seen: string;
  last_seen: string;
}

/**
 * Dead letters in `<internal db>.dead_letters`. One row per (pipeline, index, document): a document that
 * fails again keeps its first-seen time, adds its attempts and keeps the newest event (older ones would be
 * stale on replay anyway, since versions are external).
 */
export class MysqlDeadLetterStore implements DeadLetterStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly database = 'syncline',
  ) {}

  private get table(): string {
    return `\`${this.database}\`.dead_letters`;
  }

  private ensure(): Promise<void> {
    this.ready ??= this.pool
      .query(`CREATE DATABASE IF NOT EXISTS \`${this.database}\` CHARACTER SET utf8mb4`)
      .then(() =>
        this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (
          id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
          pipeline VARCHAR(128) NOT NULL,
          index_name VARCHAR(255) NOT NULL,
          doc_id VARCHAR(512) NULL,
          kind VARCHAR(32) NOT NULL,
          error TEXT NOT NULL,
          attempts INT UNSIGNED NOT NULL DEFAULT 1,
          event LONGTEXT NOT NULL,
          event_version DECIMAL(20,0) NOT NULL DEFAULT 0,
          first_seen DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
          last_seen DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
          -- one row per document: the three columns (up to 3,580 bytes) are over MySQL's 3,072-byte key
          -- limit, so the key is their SHA-256; no document id (NULL) never collides, as in a plain key
          doc_key BINARY(32) AS (IF(doc_id IS NULL, NULL,
            UNHEX(SHA2(CONCAT(pipeline, CHAR(0), index_name, CHAR(0), doc_id), 256)))) STORED,
          UNIQUE KEY uq_doc (doc_key),
          KEY idx_kind (index_name, kind)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        ),
      )
      .then(() => undefined);
    return this.ready;
  }

  async put(e: DeadLetterEntry): Promise<number> {
    await this.ensure();
    const version = e.event.source.position.version.toString();
    const [res] = await this.pool.query<ResultSetHeader>(
      `INSERT INTO ${this.table} (pipeline, index_name, doc_id, kind, error, attempts, event, event_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE
         id = LAST_INSERT_ID(id),
         attempts = attempts + VALUES(attempts),
         last_seen = CURRENT_TIMESTAMP(6),
         kind = IF(VALUES(event_version) >= event_version, VALUES(kind), kind),
         error = IF(VALUES(event_version) >= event_version, VALUES(error), error),
         event = IF(VALUES(event_version) >= event_version, VALUES(event), event),
         event_version = GREATEST(event_version, VALUES(event_version))`,
      [
        e.pipeline,
        e.index,
        e.docId,
        e.kind,
        e.error.slice(0, 60_000),
        e.attempts,
        eventToJson(e.event),
        version,
      ],
    );
    return res.insertId;
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    await this.ensure();
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.pipeline) where.push('pipeline = ?') && args.push(filter.pipeline);
    if (filter.index) where.push('index_name = ?') && args.push(filter.index);
    if (filter.kind) where.push('kind = ?') && args.push(filter.kind);
    if (filter.ids) {
      if (filter.ids.length === 0) return [];
      where.push('id IN (?)');
      args.push(filter.ids);
    }
    if (filter.afterId !== undefined) where.push('id > ?') && args.push(filter.afterId);
    const sql = `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    args.push(Math.min(filter.limit ?? 1000, 100_000));
    const [rows] = await this.pool.query(sql, args);
    return (rows as Row[]).map((r) => ({
      id: Number(r.id),
      pipeline: r.pipeline,
      index: r.index_name,
      docId: r.doc_id,
      kind: r.kind,
      error: r.error,
      attempts: r.attempts,
      event: eventFromJson(r.event),
      firstSeen: new Date(`${r.first_seen.replace(' ', 'T')}Z`),
      lastSeen: new Date(`${r.last_seen.replace(' ', 'T')}Z`),
    }));
  }

  async counts(): Promise<Array<{ index: string; kind: DeadLetterKind; count: number }>> {
    await this.ensure();
    const [rows] = await this.pool.query(
      `SELECT index_name AS idx, kind, COUNT(*) AS n FROM ${this.table} GROUP BY index_name, kind ORDER BY index_name, kind`,
    );
    return (rows as Array<{ idx: string; kind: DeadLetterKind; n: number | string }>).map((r) => ({
      index: r.idx,
      kind: r.kind,
      count: Number(r.n),
    }));
  }

  async remove(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    await this.ensure();
    const [res] = await this.pool.query<ResultSetHeader>(`DELETE FROM ${this.table} WHERE id IN (?)`, [ids]);
    return res.affectedRows;
  }
}
