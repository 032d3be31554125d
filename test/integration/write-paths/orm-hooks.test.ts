import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogDataSource } from '../../../src/catalog/data-source.js';
import { Category, Product } from '../../../src/catalog/entities.js';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { ensureDemoSchema } from '../../../src/demo/demo-catalog.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { createSync, type Sync } from '../../../src/sdk/index.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { attachSyncline, type SynclineSubscriber } from '../../../src/typeorm/index.js';
import { diffTableAndIndex, readIndex } from '../../helpers/compare.js';
import { rootConnection, SOURCE_PORT, testConfig, uniqueName } from '../../helpers/stack.js';

/**
 * `syncline/typeorm`: entity changes are collected per transaction and indexed after COMMIT — exactly
 * the committed ones; a rollback (or a rolled-back savepoint) indexes nothing.
 */
const database = uniqueName('orm');
const productsIndex = `${database}_products`;
let config: SynclineConfig;
let sql: mysql.Pool;
let ds: Awaited<ReturnType<ReturnType<typeof createCatalogDataSource>['initialize']>>;
let sync: Sync;
let hooks: SynclineSubscriber & { detach(): void };
let search: SearchClient;

beforeAll(async () => {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
  sql = mysql.createPool({
    host: '127.0.0.1',
    port: SOURCE_PORT,
    user: 'root',
    database,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
  sql.on('connection', (conn) => conn.query(`SET time_zone = '+00:00'`));
  await ensureDemoSchema(sql);
  await sql.query(`INSERT INTO categories (name, slug) VALUES ('手机', 'phones'), ('电脑', 'laptops')`);
  config = testConfig({
    mysql: { url: `mysql://root@127.0.0.1:${SOURCE_PORT}/${database}`, poolSize: 4 },
    mappings: [
      { table: `${database}.products`, index: productsIndex },
      { table: `${database}.categories`, index: `${database}_categories` },
    ],
    pipelines: [],
    sink: { batch: { lingerMs: 5 } },
  });
  ds = await createCatalogDataSource(config).initialize();
  sync = await createSync({ config, name: `${database}-hooks`.replaceAll('_', '-') });
  hooks = attachSyncline(ds, sync);
  search = new SearchClient({ url: config.search.url });
});
afterAll(async () => {
  hooks?.detach();
  await sync?.close();
  await ds?.destroy();
  await sql?.end();
  const c = await rootConnection();
  await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await c
    .query('DELETE FROM syncline.dead_letters WHERE pipeline = ?', [`${database}-hooks`.replaceAll('_', '-')])
    .catch(() => {});
  await c.end();
  for (const i of [productsIndex, `${database}_categories`])
    await search?.request('DELETE', `/${i}_v1`).catch(() => {});
  await search?.close();
});

const product = (name: string, extra: Partial<Product> = {}) =>
  Object.assign(new Product(), { name, price: '10.00', category_id: 1, stock: 1, tags: ['t'], ...extra });

const indexedIds = async () => [...(await readIndex(search, productsIndex)).keys()].sort();
const rowIds = async () => {
  const [rows] = await sql.query('SELECT id FROM products ORDER BY id');
  return (rows as Array<{ id: string }>).map((r) => String(r.id)).sort();
};
const diff = async () => {
  const mapping = (await MappingSet.load(sql, config.mappings)).get(database, 'products')!;
  const d = await diffTableAndIndex(sql, mapping, search, productsIndex);
  return { missing: d.missing.length, extra: d.extra.length, stale: d.stale.length };
};

describe('TypeORM after-commit hooks', () => {
  it('a commit indexes exactly the committed entities', async () => {
    const saved = await ds.transaction(async (m) => {
      const a = await m.save(product('华为 Mate 60', { tags: ['5G', '旗舰'] }));
      const b = await m.save(product('ThinkPad X1', { category_id: 2, price: '9999.00' }));
      b.stock = 7; // a second change of the same entity in the same transaction
      await m.save(b);
      return [a, b];
    });
    await sync.flush();
    expect(await indexedIds()).toEqual(saved.map((p) => String(p.id)).sort());
    expect(await diff()).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(hooks.stats.changes).toBe(2);
  });

  it('a rollback indexes nothing', async () => {
    const before = await indexedIds();
    const changesBefore = hooks.stats.changes;
    await expect(
      ds.transaction(async (m) => {
        await m.save(product('never committed'));
        const existing = await m.findOneByOrFail(Product, { id: Number(before[0]) });
        existing.name = 'never renamed';
        await m.save(existing);
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrow('abort the transaction');
    await sync.flush();
    expect(hooks.stats.changes).toBe(changesBefore);
    expect(hooks.stats.rolledBack).toBeGreaterThanOrEqual(2);
    expect(await rowIds()).toEqual(before);
    expect(await indexedIds()).toEqual(before);
    expect(await diff()).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('a rolled-back savepoint drops only its own changes', async () => {
    const kept = await ds.transaction(async (m) => {
      const k = await m.save(product('kept in outer'));
      await m
        .transaction(async (inner) => {
          await inner.save(product('dropped with the savepoint'));
          throw new Error('roll back the savepoint');
        })
        .catch(() => {});
      return k;
    });
    await sync.flush();
    const ids = await rowIds();
    expect(ids).toContain(String(kept.id));
    expect(await indexedIds()).toEqual(ids);
    expect(await diff()).toEqual({ missing: 0, extra: 0, stale: 0 });
  });

  it('repository save/remove outside an explicit transaction, and a QueryBuilder insert in autocommit', async () => {
    const repo = ds.getRepository(Product);
    const p = await repo.save(product('saved alone'));
    const inserted = await ds
      .createQueryBuilder()
      .insert()
      .into(Product)
      .values({ name: 'query builder insert', price: '1.00', category_id: 1, stock: 3 })
      .execute();
    const qbId = String(inserted.identifiers[0]!.id);
    await repo.remove(await repo.findOneByOrFail({ id: p.id }));
    const cat = await ds.getRepository(Category).findOneByOrFail({ id: 1 });
    cat.name = '智能手机';
    await ds.getRepository(Category).save(cat);
    await sync.flush();
    const ids = await indexedIds();
    expect(ids).toContain(qbId);
    expect(ids).not.toContain(String(p.id));
    expect(await diff()).toEqual({ missing: 0, extra: 0, stale: 0 });
    const catDoc = await search.request<{ _source: { name: string } }>(
      'GET',
      `/${database}_categories/_doc/1`,
    );
    expect(catDoc.body._source.name).toBe('智能手机');
  });

  it('cannot see a bulk QueryBuilder update (documented: use CDC or the outbox for those)', async () => {
    const invisible = hooks.stats.invisible;
    await ds.createQueryBuilder().update(Product).set({ stock: 0 }).where('stock > 0').execute();
    await sync.flush();
    expect(hooks.stats.invisible).toBe(invisible + 1);
    const d = await diff();
    expect(d.stale).toBeGreaterThan(0); // the index still has the old stock: the limitation, shown
  });
});
