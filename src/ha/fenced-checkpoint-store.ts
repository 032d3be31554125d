import type { Pool, ResultSetHeader } from 'mysql2/promise';
import type { Position } from '../core/change-event.js';
import { SynclineError } from '../core/errors.js';
import { positionToJson } from '../core/event-json.js';
import type { CheckpointStore } from '../core/interfaces.js';

const q = (s: string) => `\`${s.replaceAll('`', '``')}\``;

/**
 * The checkpoint store of one leadership term: a commit of a fenced pipeline lands only while
 * `<internal db>.leaders` still holds the token this term started with — one statement checks and writes,
 * so a deposed worker that wakes up (SIGCONT, a healed network) cannot move a checkpoint its successor
 * owns. Loads and the pipelines outside the lock set go to the plain store.
 */
export class FencedCheckpointStore implements CheckpointStore {
  private tableReady = false;
  constructor(
    private readonly base: CheckpointStore,
    private readonly pool: Pool,
    private readonly database: string,
    private readonly tokens: ReadonlyMap<string, number>,
  ) {}

  load(pipeline: string): Promise<Position | undefined> {
    return this.base.load(pipeline);
  }

  async commit(pipeline: string, position: Position): Promise<void> {
    const token = this.tokens.get(pipeline);
    if (token === undefined) return this.base.commit(pipeline, position);
    if (!this.tableReady) {
      await this.base.load(pipeline); // creates the checkpoints table when missing
      this.tableReady = true;
    }
    const db = q(this.database);
    const json = positionToJson(position);
    const label = position.label.slice(0, 512);
    // mysql2 sets CLIENT_FOUND_ROWS: affectedRows counts matched rows, so an unchanged position is 1
    const [updated] = await this.pool.query<ResultSetHeader>(
      `UPDATE ${db}.checkpoints c JOIN ${db}.leaders l ON l.pipeline = c.pipeline AND l.token = ?
          SET c.position = ?, c.label = ? WHERE c.pipeline = ?`,
      [token, json, label, pipeline],
    );
    if (updated.affectedRows > 0) return;
    // the first checkpoint of the pipeline, or fenced off: insert only under the current token
    let inserted: ResultSetHeader;
    try {
      [inserted] = await this.pool.query<ResultSetHeader>(
        `INSERT INTO ${db}.checkpoints (pipeline, position, label)
           SELECT ?, ?, ? FROM ${db}.leaders WHERE pipeline = ? AND token = ?`,
        [pipeline, json, label, pipeline, token],
      );
    } catch (e) {
      if ((e as { code?: string }).code !== 'ER_DUP_ENTRY') throw e;
      inserted = { affectedRows: 0 } as ResultSetHeader;
    }
    if (inserted.affectedRows > 0) return;
    const [rows] = await this.pool.query(`SELECT holder, token FROM ${db}.leaders WHERE pipeline = ?`, [
      pipeline,
    ]);
    const now = (rows as Array<{ holder: string; token: number | string }>)[0];
    throw new SynclineError(
      'HA_FENCED',
      `pipelines[${pipeline}]: checkpoint not committed: this worker's fencing token ${token} is stale (${
        now ? `token ${now.token} held by ${now.holder}` : 'no leader row'
      })`,
    );
  }

  close(): Promise<void> {
    return this.base.close();
  }
}
