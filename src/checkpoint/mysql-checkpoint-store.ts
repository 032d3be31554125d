import type { Pool } from 'mysql2/promise';
import type { Position } from '../core/change-event.js';
import { positionFromJson, positionToJson } from '../core/event-json.js';
import type { CheckpointStore } from '../core/interfaces.js';

/** Checkpoints in `<internal db>.checkpoints` of the source database: durable with the data they describe. */
export class MysqlCheckpointStore implements CheckpointStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly database = 'syncline',
  ) {}

  private ensure(): Promise<void> {
    this.ready ??= this.pool
      .query(`CREATE DATABASE IF NOT EXISTS \`${this.database}\` CHARACTER SET utf8mb4`)
      .then(() =>
        this.pool.query(
          `CREATE TABLE IF NOT EXISTS \`${this.database}\`.checkpoints (
          pipeline VARCHAR(128) NOT NULL PRIMARY KEY,
          position JSON NOT NULL,
          label VARCHAR(512) NOT NULL,
          updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        ),
      )
      .then(() => undefined);
    return this.ready;
  }

  async load(pipeline: string): Promise<Position | undefined> {
    await this.ensure();
    const [rows] = await this.pool.query(
      `SELECT position FROM \`${this.database}\`.checkpoints WHERE pipeline = ?`,
      [pipeline],
    );
    const row = (rows as Array<{ position: string | object }>)[0];
    if (!row) return undefined;
    return positionFromJson(typeof row.position === 'string' ? row.position : JSON.stringify(row.position));
  }

  async commit(pipeline: string, position: Position): Promise<void> {
    await this.ensure();
    await this.pool.query(
      `INSERT INTO \`${this.database}\`.checkpoints (pipeline, position, label) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE position = VALUES(position), label = VALUES(label)`,
      [pipeline, positionToJson(position), position.label.slice(0, 512)],
    );
  }

  async remove(pipeline: string): Promise<void> {
    await this.ensure();
    await this.pool.query(`DELETE FROM \`${this.database}\`.checkpoints WHERE pipeline = ?`, [pipeline]);
  }

  async close(): Promise<void> {}
}
