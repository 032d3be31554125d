import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rng } from '../../../src/demo/seed-data.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { WorkerProcesses } from '../../helpers/worker-process.js';
import { converge, RELATIONS, SETUP, seed, summary } from './catalog-fixture.js';

/**
 * A random writer on all six tables of the built product documents (renames, FK moves of children and
 * of products, parent deletes with cascades, join rows, a TRUNCATE of the child table) while a real
 * `syncline run` worker is killed -9 at random points, from its snapshot on; after the last restart the
 * index equals the JOIN rendering of catalog-fixture.ts: zero drift.
 */
const TRANSACTIONS = 1200;
const h = new Harness({ tables: [], setup: SETUP, chunkSize: 50 });
const index = () => `${h.db}_products`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-relations-'));
const workers = new WorkerProcesses(dir);
let child: ChildProcess | undefined;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db, 300);
  const { configFile: _c, ...config } = h.config as typeof h.config & { configFile?: string };
  writeFileSync(
    path.join(dir, 'syncline.yaml'),
    stringify({
      ...config,
      mappings: [{ table: `${h.db}.products`, index: index(), relations: RELATIONS }],
      checkpoint: { store: 'mysql', dir: '.data/checkpoints' },
    }),
  );
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await h.cleanup();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
});

/** One random transaction over the related tables (statements that hit a constraint are skipped). */
function transaction(r: () => number, next: () => number): Array<[string, unknown[]]> {
  const n = (k: number) => 1 + Math.floor(r() * k);
  const out: Array<[string, unknown[]]> = [];
  for (let i = 0, count = n(4); i < count; i++) {
    const p = r();
    if (p < 0.1) out.push(['UPDATE §.categories SET name = ? WHERE id = ?', [`cat ${next()}`, n(22)]]);
    else if (p < 0.14)
      out.push(['UPDATE §.categories SET parent_id = ? WHERE id = ?', [r() < 0.3 ? null : n(5), 5 + n(17)]]);
    else if (p < 0.16) out.push(['DELETE FROM §.categories WHERE id = ?', [5 + n(17)]]);
    else if (p < 0.19)
      out.push(['INSERT IGNORE INTO §.categories VALUES (?, ?, ?)', [5 + n(17), `cat ${next()}`, n(5)]]);
    else if (p < 0.22)
      out.push([
        'UPDATE §.warehouses SET city = ? WHERE country = ? AND code = ?',
        [`city ${next()}`, 'CN', r() < 0.5 ? 'SH1' : 'BJ1'],
      ]);
    else if (p < 0.3)
      out.push([
        'UPDATE §.products SET category_id = ?, name = ? WHERE id = ?',
        [n(20), `p ${next()}`, n(320)],
      ]);
    else if (p < 0.33)
      out.push(['UPDATE §.products SET wh_country = ?, wh_code = ? WHERE id = ?', ['DE', 'BE1', n(320)]]);
    else if (p < 0.37)
      out.push([
        'INSERT IGNORE INTO §.products VALUES (?, ?, ?, ?, ?)',
        [n(320), `new ${next()}`, n(20), 'CN', 'SH1'],
      ]);
    else if (p < 0.4) out.push(['DELETE FROM §.products WHERE id = ?', [n(320)]]);
    else if (p < 0.5) out.push(['UPDATE §.skus SET product_id = ? WHERE id = ?', [n(320), n(700)]]);
    else if (p < 0.57) out.push(['UPDATE §.skus SET code = ? WHERE id = ?', [`c${next()}`, n(700)]]);
    else if (p < 0.63)
      out.push(['INSERT IGNORE INTO §.skus VALUES (?, ?, ?)', [n(700), n(320), `s${next()}`]]);
    else if (p < 0.68) out.push(['DELETE FROM §.skus WHERE id = ?', [n(700)]]);
    else if (p < 0.74) out.push(['UPDATE §.tags SET name = ? WHERE id = ?', [`tag ${next()}`, n(12)]]);
    else if (p < 0.76) out.push(['DELETE FROM §.tags WHERE id = ?', [n(12)]]);
    else if (p < 0.79) out.push(['INSERT IGNORE INTO §.tags VALUES (?, ?)', [n(12), `tag ${next()}`]]);
    else if (p < 0.9) out.push(['INSERT IGNORE INTO §.product_tags VALUES (?, ?)', [n(320), n(12)]]);
    else if (p < 0.9995)
      out.push(['DELETE FROM §.product_tags WHERE product_id = ? AND tag_id = ?', [n(320), n(12)]]);
    else out.push(['TRUNCATE TABLE §.skus', []]);
  }
  return out;
}

describe('built documents under a random writer and kill -9', () => {
  it('end equal to the JOIN rendering, with zero drift', async () => {
    const r = rng(14);
    let counter = 0;
    let done = 0;
    let failed = 0;
    const workload = (async () => {
      const conn = await h.clients.db.getConnection();
      try {
        while (done < TRANSACTIONS) {
          const stmts = transaction(r, () => ++counter);
          if (stmts.some(([sql]) => sql.startsWith('TRUNCATE'))) {
            await conn.query(`TRUNCATE TABLE ${h.db}.skus`);
          } else {
            await conn.beginTransaction();
            try {
              for (const [sql, args] of stmts) await conn.query(sql.replaceAll('§', h.db), args);
              await conn.commit();
            } catch {
              failed++; // a foreign key refused it (a child of a missing parent): nothing was written
              await conn.rollback();
            }
          }
          done++;
          if (done % 100 === 0) await new Promise((res) => setTimeout(res, 150));
        }
      } finally {
        conn.release();
      }
    })();
    child = workers.start();
    let kills = 0;
    const killer = (async () => {
      // at least 3 kills, also when the writer is quicker than that (the last ones land in the catch-up)
      while (done < TRANSACTIONS || kills < 3) {
        await new Promise((res) => setTimeout(res, 1500 + Math.floor(r() * 2000)));
        await workers.kill(child!);
        kills++;
        child = workers.start();
      }
    })();
    await Promise.all([workload, killer]);
    const d = await converge(h.clients.db, h.db, h.search, index(), 60_000);
    console.log(
      `[relations-crash] ${kills} kills, ${done} transactions (${failed} refused by a foreign key)`,
    );
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(workers.unexpectedExits).toEqual([]);
    expect(summary(d)).toEqual({ missing: 0, extra: 0, different: 0, first: undefined });
  }, 150_000);
});
