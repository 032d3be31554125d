import { afterAll, beforeAll, describe, it } from 'vitest';
import { installTombstoneTrigger } from '../../../src/sources/polling/tombstones.js';
import { Harness } from '../../helpers/pipeline-harness.js';
import { seed } from './catalog-fixture.js';
import {
  apply,
  CASCADING_DELETES,
  expectConverged,
  productMapping,
  RELATED_CHANGES,
  TRACKED_SETUP,
  TRACKED_TABLES,
} from './source-scenario.js';

/**
 * Built documents under the polling source: the pipeline polls the related and join tables too (start-up
 * refuses a polling pipeline that polls the root without them), hard deletes come from tombstone triggers.
 * Polled rows have no before image, so a child row that moved to another root (or is gone) is found in
 * its old roots through the index. Checked against the JOIN rendering of catalog-fixture.ts.
 */
const h = new Harness({ tables: [], setup: TRACKED_SETUP });
const index = () => `${h.db}_products`;
const pipeline = () => `${h.name}-poll`;

beforeAll(async () => {
  await h.createDatabase();
  await seed(h.clients.db, h.db);
  for (const t of TRACKED_TABLES)
    await installTombstoneTrigger(h.clients.db, `${h.db}.${t}`, `${h.db}.tombstones`);
  h.config.mappings.push(productMapping(h.db, index()) as unknown as (typeof h.config.mappings)[number]);
  h.config.pipelines = [
    {
      name: pipeline(),
      source: {
        type: 'polling',
        tables: TRACKED_TABLES.map((t) => `${h.db}.${t}`),
        trackingColumn: 'updated_at',
        intervalMs: 100,
        batchSize: 200,
        safetyLagMs: 300,
        rescanWindowMs: 0,
        deletes: { tombstoneTable: `${h.db}.tombstones` },
      },
    },
  ] as unknown as typeof h.config.pipelines;
  await h.start();
});
afterAll(async () => {
  await h.stop();
  await h.search.request('DELETE', `/${index()}_v1`).catch(() => {});
  await h.clients.db.query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [pipeline()]);
  await h.cleanup();
});

describe('built documents under the polling source', () => {
  it('the first polls build every product', async () => {
    await expectConverged(h.clients.db, h.db, h.search, index(), 'polling: first polls');
  });

  it('related-row updates, inserts, deletes and FK moves reach their roots, old and new', async () => {
    await apply(h.clients.db, h.db, RELATED_CHANGES);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'polling: related row changes');
  });

  it('parent deletes whose children cascade silently (no trigger fires for them) still end right', async () => {
    await apply(h.clients.db, h.db, CASCADING_DELETES);
    await expectConverged(h.clients.db, h.db, h.search, index(), 'polling: cascades');
  });
});
