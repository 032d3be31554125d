// Fan-out of a category rename to N products (issue 14), measured by hand on the shared stack:
//   npm run --silent build && node bench/relations-fanout.mjs [products=100000]
// Prints the rebuild rate (docs/s), its ratio to a raw `_bulk` of the same documents (C1: 1000 per
// request, 4 in flight) and the freshness of an unrelated change committed right after the rename.
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { resolveConfig } from '../dist/config/load.js';
import { createClients } from '../dist/runtime/clients.js';
import { PipelineRunner } from '../dist/runtime/pipeline-runner.js';
import { SearchClient } from '../dist/sinks/search/client.js';

const N = Number(process.argv[2] ?? 100_000);
const db = `bench_fanout_${Date.now().toString(36)}`;
const index = `${db}_products`;
const root = await mysql.createConnection({
  host: '127.0.0.1',
  port: 3307,
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
    mysql: { url: `mysql://root@127.0.0.1:3307/${db}`, serverId: 64000 + Math.floor(Math.random() * 900) },
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
const count = async (q) => {
  await search.request('POST', `/${index}/_refresh`);
  const r = await search.request('POST', `/${index}/_count`, { query: q });
  return r.body.count ?? 0;
};
const until = async (pred) => {
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

// C1: the same documents as raw _bulk into a scratch index, 1000 per request, 4 in flight
const hits = (await search.request('POST', `/${index}/_search`, { size: 1000, query: { match_all: {} } }))
  .body.hits.hits;
const lines = hits.flatMap((h) => [
  JSON.stringify({ index: { _id: h._id, version: 1, version_type: 'external' } }),
  JSON.stringify(h._source),
]);
const body = `${lines.join('\n')}\n`;
const scratch = `${index}_c1`;
await search.request('PUT', `/${scratch}`, {});
let sent = 0;
const c1Start = Date.now();
const worker = async () => {
  while (sent < N) {
    sent += 1000;
    await search.request('POST', `/${scratch}/_bulk`, body, { contentType: 'application/x-ndjson' });
  }
};
await Promise.all([worker(), worker(), worker(), worker()]);
const c1 = N / ((Date.now() - c1Start) / 1000);
const rate = N / fanoutS;
console.log(
  `fan-out: ${N} products rebuilt in ${fanoutS.toFixed(1)} s = ${Math.round(rate)} docs/s; C1 raw _bulk ${Math.round(c1)} docs/s; ratio ${(rate / c1).toFixed(2)} × C1; unrelated change visible after ${unrelatedMs} ms`,
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
