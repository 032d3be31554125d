import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { SynclineError } from '../../core/errors.js';
import { quoteId } from '../mysql-binlog/table-patterns.js';
import { quoteTable } from './outbox-table.js';

export const SEQUENCE_TABLE = 'outbox_sequences';

/**
 * The counter that versions an outbox's documents (docs/outbox.md#versions): one row per outbox table in
 * `<internalDatabase>.outbox_sequences`, incremented by an autocommitted UPDATE once per batch, after the
 * batch's outbox rows were read and before the entities' rows are read again.
 *
 * Why a committed counter and not the checkpoint: the checkpoint is written after the batch is
 * acknowledged (and at most once a second), so after a kill -9 it lags the versions already in the
 * index; a relay resuming from it would hand out versions the engine refuses for newer states. A value
 * taken from the counter is above every value taken before it, by this relay or another one of the same
 * outbox (a restart, a standby taking over).
 *
 * It starts above the outbox's AUTO_INCREMENT, so documents written by relays that versioned with the
 * outbox id are outranked by the first new write.
 */
export class RelaySequence {
  private readonly table: string;
  private readonly database: string;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    internalDatabase: string,
    private readonly outboxTable: string,
  ) {
    this.table = `${quoteId(internalDatabase)}.${quoteId(SEQUENCE_TABLE)}`;
    this.database = internalDatabase;
  }

  /** The next value; committed before it is returned. */
  async next(): Promise<bigint> {
    for (let attempt = 0; ; attempt++) {
      await this.ensure();
      const [res] = await this.pool.query<ResultSetHeader>(
        `UPDATE ${this.table} SET seq = LAST_INSERT_ID(seq + 1) WHERE outbox_table = ?`,
        [this.key],
      );
      if (res.affectedRows === 1) return BigInt(String(res.insertId));
      // the row was removed behind our back: seed it again (from the outbox's counter) and retry
      this.ready = undefined;
      if (attempt > 0)
        throw new SynclineError(
          'SOURCE_UNREACHABLE',
          `outbox relay: no sequence row for ${this.outboxTable} in ${this.database}.${SEQUENCE_TABLE}`,
        );
    }
  }

  private get key(): string {
    return this.outboxTable.toLowerCase();
  }

  private ensure(): Promise<void> {
    this.ready ??= this.create().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  private async create(): Promise<void> {
    await this.pool.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(this.database)} CHARACTER SET utf8mb4`);
    await this.pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.table} (
        outbox_table VARCHAR(200) NOT NULL PRIMARY KEY,
        seq BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    );
    const [exists] = await this.pool.query(`SELECT 1 FROM ${this.table} WHERE outbox_table = ?`, [this.key]);
    if ((exists as unknown[]).length > 0) return;
    await this.pool.query(`INSERT IGNORE INTO ${this.table} (outbox_table, seq) VALUES (?, ?)`, [
      this.key,
      (await this.outboxCounter()).toString(),
    ]);
  }

  /** The outbox's next AUTO_INCREMENT id (at least MAX(id) + 1): above every id ever handed out. */
  private async outboxCounter(): Promise<bigint> {
    const quoted = quoteTable(this.outboxTable);
    const [create] = await this.pool.query(`SHOW CREATE TABLE ${quoted}`);
    const ddl = String(Object.values((create as Array<Record<string, unknown>>)[0] ?? {})[1] ?? '');
    const auto = /AUTO_INCREMENT=(\d+)/i.exec(ddl)?.[1];
    const [max] = await this.pool.query(`SELECT COALESCE(MAX(id), 0) AS m FROM ${quoted}`);
    const next = BigInt(String((max as Array<{ m: unknown }>)[0]?.m ?? 0)) + 1n;
    const fromDdl = auto === undefined ? 0n : BigInt(auto);
    return fromDdl > next ? fromDdl : next;
  }
}
