import { afterAll, beforeAll, describe, it } from 'vitest';
import { outboxDdl, outboxInsert } from '../../../src/sources/outbox/outbox-table.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { SETUP, seed } from './catalog-fixture.js';
import {
  apply,
  CASCADING_DELETES,
  expectConverged,
  productMapping,
  RELATED_CHANGES,
  type RowChange,
  TRACKED_TABLES,
} from './source-scenario.js';

/**
 * Built documents under the transactional outbox: the application writes an outbox row for every
 * changed row of every related table, in the row's transaction; the relay reads the rows as they are
 * now (no before image), so a child row that moved or is gone is found in its old roots through the
 * index. Checked against the JOIN rendering of catalog-fixture.ts.
 */
const h = new Harness({ tables: [], setup: SETUP });
const index = () => `${h.db}_products`;
const relay = () => `${h.name}-relay`;
const outbox = () => `${h.db}.syncline_outbox`;
const row = (c: RowChange) => outboxInsert(outbox(), `${h.db}.${c.table}`, c.op, c.key, null);

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db);
  await h.exec(outboxDdl(outbox()));
  h.config.mappings.push({
    ...productMapping(h.db, index()),
    exclude: [],
  } as unknown as (typeof h.config.mappings)[number]);
  h.config.pipelines = [
    {
      name: relay(),
      source: {
        type: 'outbox',
        outboxTable: outbox(),
        tables: TRACKED_TABLES.map((t) => `${h.db}.${t}`),
        batchSize: 100,
        pollIntervalMs: 50,
        pruneBatchSize: 500,
      },
    },
  ] as unknown as typeof h.config.pipelines;
  await h.start();
});
afterAll(async () => {
  await h.stop();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
  for (const t of ['checkpoints', 'dead_letters'])
    await h.clients.db.query(`DELETE FROM syncline.${t} WHERE pipeline = ?`, [relay()]).catch(() => {});
  await h.clients.db
    .query('DELETE FROM syncline.outbox_sequences WHERE outbox_table = ?', [outbox()])
    .catch(() => {});
  await h.cleanup();
});

describe('built documents under the transactional outbox', () => {
  it('an outbox row per product builds every product', async () => {
    const [rows] = (await h.clients.db.query(`SELECT id FROM ${h.db}.products`)) as unknown as [
      Array<{ id: number }>,
    ];
    for (const r of rows) {
      const ins = outboxInsert(outbox(), `${h.db}.products`, 'c', { id: r.id }, null);
      await h.exec(ins.sql, ins.params);
    }
    await expectConverged(h.clients.db, h.db, h.search, index(), 'outbox: initial rows');
  });

  it('related-row updates, inserts, deletes and FK moves reach their roots, old and new', async () => {
    await apply(h.clients.db, h.db, RELATED_CHANGES, row);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'outbox: related row changes');
  });

  it('parent deletes whose children cascade silently still end right', async () => {
    await apply(h.clients.db, h.db, CASCADING_DELETES, row);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'outbox: cascades');
  });
});
