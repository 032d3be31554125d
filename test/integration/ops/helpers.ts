import { pino } from 'pino';
import { type OpsContext, opsContextFor } from '../../../src/ops/context.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { rootConnection } from '../../helpers/stack.js';

export const ITEMS_DDL = `CREATE TABLE items (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  tag VARCHAR(20) NULL
)`;

/** Inserts rows [from, to) in one statement per 1000 rows. */
export async function seedItems(h: Harness, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1000) {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let id = i; id < Math.min(to, i + 1000); id++) {
      rows.push('(?, ?, ?, ?)');
      values.push(id, `item ${id}`, (id % 997) + 0.5, id % 3 === 0 ? null : `t${id % 7}`);
    }
    await h.exec(`INSERT INTO items (id, name, price, tag) VALUES ${rows.join(',')}`, values);
  }
}

/** A harness over one `items` table, started and converged. */
export async function startItems(rows: number, extra: Record<string, unknown> = {}): Promise<Harness> {
  const h = new Harness({ tables: ['items'], setup: ITEMS_DDL, config: extra });
  await h.createDatabase();
  await seedItems(h, 1, rows + 1);
  await h.start();
  return h;
}

export function opsFor(h: Harness): OpsContext {
  return opsContextFor({
    config: h.config,
    db: h.clients.db,
    search: h.search,
    logger: pino({ level: 'warn' }),
    ...(h.runner && { runner: h.runner }),
  });
}

/** Runs statements with the binlog off for that session only (changes no pipeline ever sees). */
export async function withoutBinlog(db: string, sql: string): Promise<void> {
  const c = await rootConnection(db);
  try {
    await c.query('SET sql_log_bin = 0');
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Random inserts, updates and deletes until stopped; returns how many statements ran. */
export function startWriter(h: Harness, opts: { minId: number; maxId: number; newFrom: number }) {
  let stop = false;
  let statements = 0;
  let next = opts.newFrom;
  const rnd = (n: number) => Math.floor(Math.random() * n);
  const done = (async () => {
    while (!stop) {
      const id = opts.minId + rnd(opts.maxId - opts.minId);
      const r = rnd(10);
      if (r < 6)
        await h.exec('UPDATE items SET name = ?, price = price + 1 WHERE id = ?', [`upd ${Date.now()}`, id]);
      else if (r < 8) {
        const nid = next++;
        await h.exec('INSERT INTO items (id, name, price, tag) VALUES (?, ?, ?, ?)', [
          nid,
          `new ${nid}`,
          1.25,
          'new',
        ]);
      } else await h.exec('DELETE FROM items WHERE id = ?', [id]);
      statements++;
    }
  })();
  return {
    async stop(): Promise<number> {
      stop = true;
      await done;
      return statements;
    },
  };
}
