import { describe, expect, it } from 'vitest';
import { clean } from '../../helpers/pipeline-harness.js';
import { itemsTable } from './items-table.js';

/**
 * A run that ended before its first checkpoint (kill -9 during the first seconds) leaves documents in
 * the index; rows deleted before the next run starts its snapshot have no delete event that run will
 * read. The fresh snapshot must remove them: it sees the index already holds documents and sweeps those
 * below its start version once the table is done.
 */
const h = itemsTable(300);

describe('fresh snapshot over an index that already holds documents', () => {
  it('removes the documents of rows deleted while no checkpoint existed, and keeps the rest', async () => {
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await h.stop();
    // as if that run had been killed before its first checkpoint
    await h.exec('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [h.name]);

    await h.exec('DELETE FROM items WHERE id BETWEEN 50 AND 89');
    await h.exec('UPDATE items SET qty = qty + 1000 WHERE id > 280');
    await h.exec('INSERT INTO items VALUES ?', [
      Array.from({ length: 5 }, (_, i) => [1000 + i, 'inserted between runs', 0]),
    ]);

    await h.start();
    const diff = await h.converge('items', 60_000);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(diff.rows).toBe(265);
    expect(diff.docs).toBe(265);
  });
});
