/**
 * Fan-out of a category rename to N products (issue 14) on the local stack — a phase of `./syncline bench`
 * (bench/harness/fanout.ts: 100k products in the full run, 20k in --quick), or on its own:
 *   npx tsc -p bench/tsconfig.json && node bench/.build/bench/relations-fanout.js [products=100000]
 * Prints the rebuild rate (docs/s), its ratio to a raw `_bulk` of the same documents (C1: 1000 per
 * request, 4 in flight, distinct ids) and the freshness of an unrelated change committed right after the
 * rename. SYNCLINE_BENCH_CONFIG names a config whose stack section says where the servers run.
 */
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { resolveConfig } from '../src/config/load.js';
import { createClients } from '../src/runtime/clients.js';
import { PipelineRunner } from '../src/runtime/pipeline-runner.js';
import { SearchClient } from '../src/sinks/search/client.js';
import { benchStack, loadBenchConfig } from './harness/context.js';

loadBenchConfig(process.env.SYNCLINE_BENCH_CONFIG);

const N = Number(process.argv[2] ?? 100_000);
const db = `bench_fanout_${Date.now().toString(36)}`;
const index = `${db}_products`;
const root = await mysql.createConnection({
  host: '127.0.0.1',
  port: benchStack.mysqlPort,
  user: 'root',
  multipleStatements: true,
});
await root.query(`CREATE DATABASE ${db}; USE ${db};
  CREATE TABLE categories (id INT PRIMARY KEY, name VARCHAR(60));
  CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(80), price DECIMAL(10,2), category_id INT, KEY (category_id));
  INSERT INTO categories VALUES (1, 'big'), (2, 'small');`);
for (let i = 0; i < N; i += 5000) {
  const rows = Array.from({ length: Math.min(5000, N - i) }, (_, k) => [
    i + k + 1,
    `product ${i + k + 1}`,
    (k % 900) + 0.5,
    1,
  ]);
  await root.query('INSERT INTO products VALUES ?', [rows]);
}
const config = resolveConfig(
  {
    stack: { manage: false },
    mysql: {
      url: `mysql://root@127.0.0.1:${benchStack.mysqlPort}/${db}`,
      serverId: 64000 + Math.floor(Math.random() * 900),
    },
    search: { url: benchStack.searchUrl },
    mappings: [
      {
        table: `${db}.products`,
        index,
        relations: [
          { field: 'category', kind: 'many-to-one', table: 'categories', on: { category_id: 'id' } },
        ],
      },
    ],
    pipelines: [{ name: db.replaceAll('_', '-'), source: { type: 'mysql-binlog', tables: [`${db}.*`] } }],
    logLevel: 'warn',
  },
  {},
);
const clients = createClients(config);
const search = new SearchClient({ url: config.search.url });
const runner = new PipelineRunner(config, clients, search, pino({ level: 'warn' }));
const count = async (q: unknown): Promise<number> => {
  await search.request('POST', `/${index}/_refresh`);
  const r = await search.request<{ count?: number }>('POST', `/${index}/_count`, { query: q });
  return r.body.count ?? 0;
};
const until = async (pred: () => Promise<boolean>): Promise<number> => {
  for (;;) {
    if (await pred()) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
};
let t = Date.now();
await runner.start();
await until(async () => (await count({ match_all: {} })) === N);
console.log(`snapshot: ${N} built documents in ${((Date.now() - t) / 1000).toFixed(1)} s`);

t = Date.now();
await root.query(`UPDATE ${db}.categories SET name = 'renamed' WHERE id = 1`);
await new Promise((r) => setTimeout(r, 200));
const t1 = Date.now();
await root.query(`INSERT INTO ${db}.products VALUES (${N + 1}, 'unrelated', 1.0, 2)`);
const fresh = until(async () => (await count({ term: { id: N + 1 } })) === 1);
const done = await until(async () => (await count({ term: { 'category.name.keyword': 'renamed' } })) === N);
const fanoutS = (done - t) / 1000;
const unrelatedMs = (await fresh) - t1;

// C1: the same documents as raw _bulk into a scratch index, 1000 per request, 4 in flight, each request
// with ids of its own (no version conflicts), all bodies serialised before the clock starts
const hits = (
  await search.request<{ hits: { hits: Array<{ _source: unknown }> } }>('POST', `/${index}/_search`, {
    size: 1000,
    query: { match_all: {} },
  })
).body.hits.hits;
const sources = hits.map((h) => JSON.stringify(h._source));
const bodies: string[] = [];
for (let base = 0; base < N; base += 1000) {
  const lines: string[] = [];
  for (let k = 0; k < 1000 && base + k < N; k++)
    lines.push(
      JSON.stringify({ index: { _id: String(base + k + 1), version: 1, version_type: 'external' } }),
      sources[k % sources.length]!,
    );
  bodies.push(`${lines.join('\n')}\n`);
}
const scratch = `${index}_c1`;
await search.request('PUT', `/${scratch}`, {});
let next = 0;
const c1Start = Date.now();
const worker = async () => {
  while (next < bodies.length) {
    const body = bodies[next++]!;
    await search.request('POST', `/${scratch}/_bulk`, body, { contentType: 'application/x-ndjson' });
  }
};
await Promise.all([worker(), worker(), worker(), worker()]);
const c1 = N / ((Date.now() - c1Start) / 1000);
const rate = N / fanoutS;
console.log(
  `fan-out: ${N} products rebuilt in ${fanoutS.toFixed(1)} s = ${Math.round(rate)} docs/s; C1 raw _bulk ${Math.round(c1)} docs/s; ratio ${(rate / c1).toFixed(2)} × C1; unrelated change visible after ${unrelatedMs} ms`,
);
// one machine-readable line for ./syncline bench (bench/harness/fanout.ts)
console.log(
  `[fanout] ${JSON.stringify({ products: N, seconds: fanoutS, docsPerSec: rate, c1DocsPerSec: c1, unrelatedMs })}`,
);
await runner.stop();
await search.request('DELETE', `/${scratch}`);
await search.request('DELETE', `/${index}_v1`);
await root.query(`DROP DATABASE ${db}`);
await clients.db
  .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [db.replaceAll('_', '-')])
  .catch(() => {});
await root.end();
await clients.close();
await search.close();
