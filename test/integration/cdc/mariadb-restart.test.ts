import { createPool } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { isListening } from '../../../src/stack/ports.js';
import { LocalStack } from '../../../src/stack/stack.js';
import { clean } from '../../helpers/pipeline-harness.js';
import { SOURCE_PORT, TEST_SOURCE } from '../../helpers/stack.js';
import { itemsTable } from './items-table.js';

/**
 * A real fault at the pipeline level: the source server (MariaDB, or MySQL in the "mysql" project) that this
 * checkout's stack started is killed with SIGKILL while a
 * running binlog pipeline streams a steady write load, and started again 3 s later. The binlog reader reconnects,
 * checkpoint commits that fail meanwhile are retried (the pipeline never stops), and once the writer has
 * finished the index equals the table.
 */
const h = itemsTable(100);
// The server killed must be this checkout's own (its pid file): in CI the global setup started it.
const server = new LocalStack(resolveConfig({}, process.env)).servers[TEST_SOURCE];
let writerPool: ReturnType<typeof createPool> | undefined;
afterAll(async () => {
  await writerPool?.end().catch(() => {});
  await h.stop().catch(() => {});
});

describe(`${TEST_SOURCE} killed with SIGKILL under a running pipeline`, () => {
  it('the pipeline reconnects, keeps running, and the index equals the table', async () => {
    const pid = server.pid();
    if (pid === undefined)
      throw new Error(
        `${TEST_SOURCE} on ${SOURCE_PORT} was not started by this checkout (no pid file): this test must kill it`,
      );
    await h.start();
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });

    // The writer: its own pool; a statement that fails while the server is away is retried.
    writerPool = createPool({ uri: h.config.mysql.url, connectionLimit: 2, connectTimeout: 2000 });
    const pool = writerPool;
    let stop = false;
    let written = 0;
    let retried = 0;
    const writer = (async () => {
      for (let id = 1000; !stop; id++) {
        for (;;) {
          try {
            await pool.query('INSERT INTO items VALUES (?, ?, ?)', [id, `live ${id}`, id]);
            if (id % 3 === 0) await pool.query('UPDATE items SET qty = qty + 1 WHERE id = ?', [id - 900]);
            if (id % 7 === 0) await pool.query('DELETE FROM items WHERE id = ?', [id - 1]);
            written++;
            break;
          } catch {
            retried++;
            // a retried INSERT of a row that did commit would be a duplicate key: move on
            const [rows] = (await pool.query('SELECT 1 FROM items WHERE id = ?', [id]).catch(() => [[]])) as [
              unknown[],
            ];
            if (rows.length > 0) break;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
    })();

    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    // gone, and its port closed (the kernel closes the socket while it tears the process down)
    while (server.pid() !== undefined || (await isListening(SOURCE_PORT)))
      await new Promise((r) => setTimeout(r, 50));
    // stay down for a few seconds: checkpoint commits and binlog reconnects fail meanwhile
    await new Promise((r) => setTimeout(r, 3000));
    await server.up();
    const outageMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 2000)); // writes after the restart
    stop = true;
    await writer;
    console.log(`[${TEST_SOURCE} kill] down ${outageMs} ms; ${written} write rounds, ${retried} retried`);
    expect(retried).toBeGreaterThan(0); // the fault did hit the writer

    const diff = await h.converge('items', 90_000);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    const handle = h.runner!.handles[0]!;
    expect(handle.pipeline.state).toBe('running');
    expect(handle.binlog()?.stats().reader?.reconnects ?? 0).toBeGreaterThanOrEqual(1);
  });
});
