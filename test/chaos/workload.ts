import type mysql from 'mysql2/promise';
import { rng } from '../../src/demo/seed-data.js';

export const DEMO_DB = 'syncline_demo';
/** A category row the suite owns: its name is rewritten to probe the pipeline end to end. */
export const PROBE_ID = 1_000_000;

/**
 * A random workload of inserts, updates and deletes on the demo catalog's three tables, in transactions
 * of up to 10 statements, paced to `perSecond` changes. Database outages (the suite restarts MariaDB) are
 * waited out: a failed transaction is rolled back and retried later, and only committed changes count.
 */
export class CatalogWorkload {
  changes = 0;
  failedTransactions = 0;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly r: () => number;
  private nextUser = 0;
  private nextCategory = 0;

  constructor(
    private readonly pool: mysql.Pool,
    private readonly perSecond: number,
    seed = 7,
  ) {
    this.r = rng(seed);
  }

  /** Initial rows: categories, products, users (and the probe row). */
  async seed(products: number, users: number): Promise<void> {
    const cats = Array.from({ length: 20 }, (_, i) => [i + 1, `类目 ${i}`, `cat-${i}`]);
    await this.pool.query(`INSERT INTO ${DEMO_DB}.categories (id, name, slug) VALUES ?`, [cats]);
    await this.pool.query(
      `INSERT INTO ${DEMO_DB}.categories (id, name, slug) VALUES (?, 'probe-0', 'probe')`,
      [PROBE_ID],
    );
    this.nextCategory = 21;
    for (let from = 0; from < products; from += 1000) {
      const rows = Array.from({ length: Math.min(1000, products - from) }, (_, k) => this.product(from + k));
      await this.pool.query(
        `INSERT INTO ${DEMO_DB}.products (name, description, price, category_id, tags, stock, status) VALUES ?`,
        [rows],
      );
    }
    const us = Array.from({ length: users }, () => this.user());
    await this.pool.query(`INSERT INTO ${DEMO_DB}.users (email, display_name, city, is_active) VALUES ?`, [
      us,
    ]);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private product(n: number): unknown[] {
    return [
      `产品 ${n} ${this.pick(['phone', 'laptop', '耳机', 'camera'])}`,
      this.r() < 0.2 ? null : `desc ${Math.floor(this.r() * 1e6)}`,
      (Math.floor(this.r() * 1e6) / 100).toFixed(2),
      1 + Math.floor(this.r() * 20),
      JSON.stringify([this.pick(['a', 'b', '新']), `t${Math.floor(this.r() * 100)}`]),
      Math.floor(this.r() * 500),
      this.pick(['draft', 'active', 'archived']),
    ];
  }

  private user(): unknown[] {
    const n = this.nextUser++;
    return [
      `u${n}@chaos.test`,
      `用户 ${n}`,
      this.r() < 0.3 ? null : this.pick(['北京', 'Paris', 'Lyon']),
      this.r() < 0.5 ? 1 : 0,
    ];
  }

  /** One random statement against a random existing-or-not key (misses are harmless). */
  private statement(maxProduct: number, maxUser: number): [string, unknown[]] {
    const p = this.r();
    const pid = 1 + Math.floor(this.r() * maxProduct);
    const uid = 1 + Math.floor(this.r() * maxUser);
    if (p < 0.3)
      return [
        `UPDATE ${DEMO_DB}.products SET price = ?, stock = stock + 1, status = ?, version = version + 1 WHERE id = ?`,
        [(Math.floor(this.r() * 1e6) / 100).toFixed(2), this.pick(['draft', 'active', 'archived']), pid],
      ];
    if (p < 0.45)
      return [
        `INSERT INTO ${DEMO_DB}.products (name, description, price, category_id, tags, stock, status) VALUES (?)`,
        [this.product(Math.floor(this.r() * 1e6))],
      ];
    if (p < 0.52) return [`DELETE FROM ${DEMO_DB}.products WHERE id = ?`, [pid]];
    if (p < 0.75)
      return [
        `UPDATE ${DEMO_DB}.users SET display_name = ?, city = ?, is_active = 1 - is_active, version = version + 1 WHERE id = ?`,
        [`名 ${Math.floor(this.r() * 1e6)}`, this.r() < 0.2 ? null : 'Lyon', uid],
      ];
    if (p < 0.85)
      return [
        `INSERT INTO ${DEMO_DB}.users (email, display_name, city, is_active) VALUES (?)`,
        [this.user()],
      ];
    if (p < 0.9) return [`DELETE FROM ${DEMO_DB}.users WHERE id = ?`, [uid]];
    if (p < 0.97)
      return [
        `UPDATE ${DEMO_DB}.categories SET name = ? WHERE id = ?`,
        [`类目 ${Math.floor(this.r() * 1e6)}`, 1 + Math.floor(this.r() * (this.nextCategory - 1))],
      ];
    const c = this.nextCategory++;
    return [
      `INSERT INTO ${DEMO_DB}.categories (id, name, slug) VALUES (?, ?, ?)`,
      [c, `新类目 ${c}`, `cat-${c}`],
    ];
  }

  start(): void {
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    const t0 = Date.now();
    let maxProduct = 1000;
    let maxUser = 1000;
    while (!this.stopped) {
      const ahead = this.changes - ((Date.now() - t0) / 1000) * this.perSecond;
      if (ahead > 0) {
        await new Promise((res) => setTimeout(res, Math.min(200, (ahead / this.perSecond) * 1000)));
        continue;
      }
      const stmts = Array.from({ length: 1 + Math.floor(this.r() * 10) }, () =>
        this.statement(maxProduct, maxUser),
      );
      let conn: mysql.PoolConnection | undefined;
      try {
        conn = await this.pool.getConnection();
        await conn.beginTransaction();
        for (const [sql, args] of stmts) await conn.query(sql, args);
        await conn.commit();
        this.changes += stmts.length;
        const [[ids]] = (await conn.query(
          `SELECT (SELECT MAX(id) FROM ${DEMO_DB}.products) AS p, (SELECT MAX(id) FROM ${DEMO_DB}.users) AS u`,
        )) as unknown as [[{ p: string | null; u: string | null }]];
        maxProduct = Number(ids.p ?? 1000);
        maxUser = Number(ids.u ?? 1000);
        conn.release();
      } catch {
        this.failedTransactions++;
        conn?.destroy();
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
