import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { checkRelationCoverage } from '../../../src/mapping/relations/pipeline-coverage.js';
import { createDatabasePool, uniqueName } from '../../helpers/stack.js';
import { RELATIONS, SETUP } from './catalog-fixture.js';

/** Relations are checked at start against INFORMATION_SCHEMA: a mismatch names the key and the fix. */
const db = uniqueName('t_rel_cfg');
let pool: Pool;

beforeAll(async () => {
  pool = await createDatabasePool(db);
  for (const sql of SETUP.split(';').filter((s) => s.trim())) await pool.query(sql);
});
afterAll(async () => {
  await pool.query(`DROP DATABASE IF EXISTS ${db}`);
  await pool.end();
});

const load = (relations: unknown[]) =>
  MappingSet.load(pool as never, [{ table: `${db}.products`, index: 'x', relations } as never]);

const failure = async (relations: unknown[]) => {
  try {
    await load(relations);
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('the relations were accepted');
};

describe('relations checked against the tables', () => {
  it('accepts the fixture relations and finds the cascading foreign keys', async () => {
    const set = await load(RELATIONS);
    expect(set.rebuilders).toHaveLength(1);
    expect([...set.rebuilders[0]!.tree.cascadeSources].sort()).toEqual(
      [`${db}.categories`, `${db}.products`, `${db}.tags`].sort(),
    );
    expect(set.handles(db, 'product_tags')).toBe(true);
  });

  it('names the relation key that does not match the columns', async () => {
    const category = RELATIONS[0]!;
    expect(await failure([{ ...category, on: { category: 'id' } }])).toEqual({
      code: 'SYNC_S0020',
      message: expect.stringContaining(
        `mappings[${db}.products].relations[0].on.category: no column category in ${db}.products`,
      ),
    });
    expect(await failure([{ ...category, on: { category_id: 'ident' } }])).toMatchObject({
      message: expect.stringContaining(`relations[0].on.category_id: no column ident in ${db}.categories`),
    });
    expect(await failure([{ ...category, table: 'nope' }])).toMatchObject({
      message: expect.stringContaining(`relations[0].table: table ${db}.nope does not exist`),
    });
    expect(await failure([{ ...category, include: ['colour'] }])).toMatchObject({
      message: expect.stringContaining('relations[0].include: no column colour'),
    });
    const tags = RELATIONS[3]!;
    expect(await failure([{ ...tags, through: undefined }])).toMatchObject({
      message: expect.stringContaining('relations[0].through: a many-to-many relation needs its join table'),
    });
    expect(await failure([{ ...tags, through: { table: 'product_tags', to: { tag: 'id' } } }])).toMatchObject(
      {
        message: expect.stringContaining('relations[0].through.to.tag: no column tag'),
      },
    );
    expect(
      await failure([{ ...category, relations: [{ ...category.relations![0]!, on: { parent: 'id' } }] }]),
    ).toMatchObject({
      message: expect.stringContaining('relations[0].relations[0].on.parent: no column parent'),
    });
  });

  it('the config schema refuses an unknown relation kind or key with its path', () => {
    const bad = (relation: Record<string, unknown>) => () =>
      resolveConfig(
        { stack: { manage: false }, mappings: [{ table: 'a.b', index: 'x', relations: [relation] }] },
        {},
      );
    expect(bad({ ...RELATIONS[0], kind: 'one-to-one' })).toThrow(
      /mappings\/0\/relations\/0\/kind|relations.*kind/,
    );
    expect(bad({ ...RELATIONS[0], colour: 1 })).toThrow(/colour/);
  });

  it('a binlog pipeline capturing the root but not a related table stops start-up, naming it', async () => {
    const set = await load(RELATIONS);
    const pipeline = (tables: string[]) => [{ name: 'p', source: { type: 'mysql-binlog', tables } }];
    expect(() => checkRelationCoverage(pipeline([`${db}.*`]), set.rebuilders)).not.toThrow();
    expect(() =>
      checkRelationCoverage(pipeline([`${db}.products`, `${db}.categories`]), set.rebuilders),
    ).toThrow(
      `pipelines[p].source.tables: reads ${db}.products, whose documents embed rows of ${db}.warehouses`,
    );
    // a pipeline that does not capture the root is not concerned
    expect(() => checkRelationCoverage(pipeline([`${db}.skus`]), set.rebuilders)).not.toThrow();
  });
});
