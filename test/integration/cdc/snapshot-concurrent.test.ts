import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../src/demo/seed-data.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';

const ROWS = 20_000;
const h = new Harness({
  tables: ['products'],
  chunkSize: 500,
  setup: `CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(200), price DECIMAL(12,2), stock INT, updated_at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6));`,
});

beforeAll(async () => {
  await h.createDatabase();
  for (let i = 0; i < ROWS; i += 2000) {
    const rows = Array.from({ length: 2000 }, (_, k) => [
      i + k + 1,
      `product ${i + k + 1} 商品`,
      ((i + k) % 997) + 0.5,
      k,
    ]);
    await h.exec('INSERT INTO products (id, name, price, stock) VALUES ?', [rows]);
  }
});
afterAll(() => h.cleanup());

describe('lock-free snapshot under concurrent writes', () => {
  it('a writer updating, deleting and inserting during the snapshot: the index equals the table row by row', async () => {
    const r = rng(7);
    let stop = false;
    let writes = 0;
    let writesDuringSnapshot = 0;
    let snapshotRunning = false;
    let nextId = ROWS + 1;
    const writer = (async () => {
      while (!stop) {
        const id = 1 + Math.floor(r() * ROWS);
        const pick = r();
        if (pick < 0.6)
          await h.exec('UPDATE products SET price = price + 1, stock = stock - 1 WHERE id = ?', [id]);
        else if (pick < 0.8) await h.exec('DELETE FROM products WHERE id = ?', [id]);
        else
          await h.exec('INSERT INTO products (id, name, price, stock) VALUES (?, ?, 1.00, 1)', [
            nextId++,
            `new ${nextId}`,
          ]);
        writes++;
        if (snapshotRunning) writesDuringSnapshot++;
      }
    })();
    await new Promise((res) => setTimeout(res, 300));
    await h.start();
    const source = h.runner!.handles[0]!.source;
    snapshotRunning = true;
    const progressSeen: number[] = [];
    const deadline = Date.now() + 120_000;
    while (source.phase !== 'streaming' && Date.now() < deadline) {
      progressSeen.push(source.snapshotProgress?.rowsDone ?? 0);
      await new Promise((res) => setTimeout(res, 100));
    }
    snapshotRunning = false;
    await new Promise((res) => setTimeout(res, 500));
    stop = true;
    await writer;
    expect(source.snapshotProgress).toBeUndefined();
    expect(writesDuringSnapshot).toBeGreaterThan(20);
    expect(Math.max(...progressSeen, 0)).toBeGreaterThan(0);
    const diff = await h.converge('products', 90_000);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(diff.rows).toBeGreaterThan(ROWS / 2);
    console.log(
      `[snapshot] ${diff.rows} rows; ${writes} concurrent writes, ${writesDuringSnapshot} during the snapshot`,
    );
  });
});
