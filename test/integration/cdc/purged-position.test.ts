import { describe, expect, it } from 'vitest';
import { clean } from '../../helpers/pipeline-harness.js';
import { SOURCE_SQL } from '../../helpers/stack.js';
import { itemsTable } from './items-table.js';

/**
 * The checkpoint's binlog position is purged while the pipeline is stopped (changes, including deletes,
 * happened in the gap): on restart the source re-snapshots, sweeps the documents of rows deleted in the
 * gap, and the index converges to the table.
 */
const h = itemsTable(200);

describe('purged binlog position', () => {
  it('re-snapshots, removes rows deleted during the gap, and converges', async () => {
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    await new Promise((r) => setTimeout(r, 1200)); // let the checkpoint commit
    await h.stop();

    await h.exec('UPDATE items SET qty = qty + 1000 WHERE id <= 20');
    await h.exec('DELETE FROM items WHERE id BETWEEN 100 AND 129');
    await h.exec('INSERT INTO items VALUES ?', [
      Array.from({ length: 10 }, (_, i) => [1000 + i, 'gap insert', 0]),
    ]);
    const conn = await h.clients.db.getConnection();
    await conn.query('FLUSH BINARY LOGS');
    const [[status]] = (await conn.query(SOURCE_SQL.binlogStatus)) as unknown as [[{ File: string }]];
    let oldest = '';
    for (let i = 0; i < 40 && oldest !== status.File; i++) {
      await conn.query(`PURGE BINARY LOGS TO '${status.File}'`);
      const [[first]] = (await conn.query('SHOW BINARY LOGS')) as unknown as [[{ Log_name: string }]];
      oldest = first.Log_name;
      if (oldest !== status.File) await new Promise((r) => setTimeout(r, 250));
    }
    conn.release();
    expect(oldest).toBe(status.File);

    await h.start();
    const diff = await h.converge('items', 60_000);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(diff.rows).toBe(180);
    expect(h.runner!.handles[0]!.source.purgedResnapshots).toBe(1);
  });
});
