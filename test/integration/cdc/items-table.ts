import { afterAll, beforeAll } from 'vitest';
import { Harness } from '../../helpers/pipeline-harness.js';

/**
 * A harness over one `items (id, name, qty)` table holding ids 1..rows, created before the file's tests
 * and dropped after them (the pipeline is started by the test).
 */
export function itemsTable(rows: number): Harness {
  const h = new Harness({
    tables: ['items'],
    setup: 'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50), qty INT);',
  });
  beforeAll(async () => {
    await h.createDatabase();
    await h.exec('INSERT INTO items VALUES ?', [
      Array.from({ length: rows }, (_, i) => [i + 1, `item ${i + 1}`, i]),
    ]);
  });
  afterAll(() => h.cleanup());
  return h;
}
