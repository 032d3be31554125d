/**
 * CPU cost of the Chinese text enrichment (issue 18) in the mapping step, alone: demo product rows
 * through TableMapping.toDocument with and without `text` on name and description, in one process
 * (pin it with taskset -c 1 for steadier figures). Prints µs of CPU (user + sys) per document.
 *
 *   npx tsc -p bench/tsconfig.json; taskset -c 1 node bench/.build/bench/text-enrichment.js [--docs 20000] [--runs 5]
 *
 * Figures: plain (no text config: what a mapping without Chinese fields pays), the first pass of a fresh
 * process (every memo empty: words, runs and pinyin are learnt), new rows once the catalog's vocabulary
 * is known (each run a fresh set of rows: the steady streaming cost), and the same rows again (replays).
 * Loading the libraries is timed once.
 */
import { parseArgs } from 'node:util';
import { demoProduct } from '../src/demo/demo-catalog.js';
import { rng } from '../src/demo/seed-data.js';
import type { ColumnType } from '../src/mapping/column-types.js';
import { TableMapping } from '../src/mapping/table-mapping.js';
import { enrichZh } from '../src/mapping/text-enrichment/enrich.js';

const { values } = parseArgs({
  options: { docs: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } },
});
const docs = Number(values.docs);
const runs = Number(values.runs);

const column = (name: string, type: string): ColumnType => ({
  name,
  type,
  columnType: type,
  unsigned: false,
  precision: type === 'decimal' ? 10 : null,
  scale: type === 'decimal' ? 2 : null,
  fsp: null,
  length: null,
  enumValues: null,
  setValues: null,
  isTinyint1: false,
  charset: null,
  nullable: name !== 'id',
});
const columns = {
  database: 'shop',
  table: 'products',
  primaryKey: ['id'],
  columns: [
    column('id', 'bigint'),
    column('name', 'varchar'),
    column('description', 'text'),
    column('price', 'decimal'),
    column('category_id', 'int'),
    column('tags', 'json'),
    column('stock', 'int'),
    column('status', 'enum'),
  ],
};
const r = rng(18);
let nextId = 1;
const makeRows = () => Array.from({ length: docs }, () => ({ id: nextId++, ...demoProduct(r) }));
const plain = new TableMapping({ table: 'shop.products', index: 'p' }, columns);
const zh = new TableMapping(
  {
    table: 'shop.products',
    index: 'p',
    text: { name: { language: 'zh' }, description: { language: 'zh' } },
  },
  columns,
);

function cpuMicrosPerDoc(m: TableMapping, rows: ReadonlyArray<Record<string, unknown>>): number {
  const start = process.cpuUsage();
  for (const row of rows) m.toDocument(row);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / rows.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (xs: number[]) => `${median(xs).toFixed(1)} µs (runs: ${xs.map((x) => x.toFixed(1)).join(', ')})`;

const warmup = makeRows();
cpuMicrosPerDoc(plain, warmup); // JIT
const plainRuns = Array.from({ length: runs }, () => cpuMicrosPerDoc(plain, warmup));

const loadStart = performance.now();
enrichZh('载入'); // loads the three libraries
const loadMs = performance.now() - loadStart;
const firstRows = makeRows();
const first = cpuMicrosPerDoc(zh, firstRows);
const steadyRuns: number[] = [];
const replayRuns: number[] = [];
for (let i = 0; i < runs; i++) {
  const rows = makeRows();
  steadyRuns.push(cpuMicrosPerDoc(zh, rows));
  replayRuns.push(cpuMicrosPerDoc(zh, rows));
}
console.log(`documents per run: ${docs}; e.g. name ${JSON.stringify(warmup[0]!.name)}`);
console.log(`libraries loaded once in ${loadMs.toFixed(0)} ms (only by a mapping with text)`);
console.log(`plain mapping (no text):                 ${fmt(plainRuns)} CPU per document`);
console.log(`name + description, first pass:         ${first.toFixed(1)} µs CPU per document (memos empty)`);
console.log(`name + description, new rows:            ${fmt(steadyRuns)} CPU per document`);
console.log(`the same rows again (replay):            ${fmt(replayRuns)} CPU per document`);
const extra = median(steadyRuns) - median(plainRuns);
console.log(
  `enrichment alone, new rows: ${extra.toFixed(1)} µs per document (${(1e6 / extra).toFixed(0)} documents per CPU second)`,
);
