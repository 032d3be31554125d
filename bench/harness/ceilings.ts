import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysqlCore from 'mysql2';
import { Pool as HttpPool } from 'undici';
import type { ChangeEvent } from '../../src/core/change-event.js';
import { withSupportedFieldTypes } from '../../src/mapping/field-type-fallback.js';
import { columnProperties } from '../../src/mapping/field-types.js';
import { ensureIndex } from '../../src/mapping/index-definitions.js';
import { TableMapping } from '../../src/mapping/table-mapping.js';
import { encodeOp } from '../../src/sinks/search/request-builder.js';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';
import { type BinlogMark, binlogFiles, bytesBetween } from './dataset.js';
import { deleteIndex } from './search-helpers.js';
import { BULK_BATCH_DOCS, C1_CONCURRENCY } from './sizes.js';

export interface C1Result {
  readonly best: number;
  readonly bestConcurrency: number;
  readonly byConcurrency: Record<string, number>;
  readonly docs: number;
  readonly avgDocBytes: number;
}

/** The product mapping Syncline uses for the bench table (the same conversion and index definition). */
export async function benchMapping(ctx: BenchContext, index = ctx.index): Promise<TableMapping> {
  return TableMapping.load(ctx.pool, { table: ctx.table, index });
}

/** Creates `name` exactly as Syncline would create the bench index (alias over name_v1, same properties). */
export async function createLikeSyncline(ctx: BenchContext, name: string): Promise<void> {
  const mapping = await benchMapping(ctx, name);
  const engine = await ctx.search.info();
  const properties = await withSupportedFieldTypes(ctx.search, columnProperties(mapping, engine));
  await ensureIndex(ctx.search, name, {}, { properties });
}

/**
 * C1, the sink ceiling: the first `docs` rows as Syncline would index them (same conversion, same
 * `_bulk` lines with explicit ids and version_type=external, 1000 per request), serialised before the
 * clock starts, then sent into a fresh index with 1, 2 and 4 requests in flight. The best wins.
 */
export async function measureC1(
  ctx: BenchContext,
  docs: number,
  levels: readonly number[] = C1_CONCURRENCY,
): Promise<C1Result> {
  const mapping = await benchMapping(ctx);
  const [rows] = (await ctx.pool.query('SELECT * FROM products ORDER BY id LIMIT ?', [docs])) as unknown as [
    Array<Record<string, unknown>>,
  ];
  const event = { op: 'r' } as unknown as ChangeEvent;
  const bodies: Buffer[] = [];
  let bytes = 0;
  for (let i = 0; i < rows.length; i += BULK_BATCH_DOCS) {
    let body = '';
    for (const row of rows.slice(i, i + BULK_BATCH_DOCS)) {
      const enc = encodeOp({
        action: 'index',
        index: '__INDEX__',
        id: mapping.idOf(row),
        version: 1n,
        doc: mapping.toDocument(row),
        event,
      });
      body += enc.lines;
    }
    const buf = Buffer.from(body);
    bytes += buf.length;
    bodies.push(buf);
  }
  const byConcurrency: Record<string, number> = {};
  const http = new HttpPool(benchStack.searchUrl, { connections: 8, keepAliveTimeout: 30_000 });
  try {
    for (const concurrency of levels) {
      const name = `${ctx.db}_c1_${concurrency}`;
      await createLikeSyncline(ctx, name);
      const concrete = Buffer.from(`"_index":${JSON.stringify(`${name}_v1`)}`);
      const placeholder = Buffer.from('"_index":"__INDEX__"');
      const named = bodies.map((b) => replaceAll(b, placeholder, concrete));
      let next = 0;
      const t0 = performance.now();
      const worker = async () => {
        while (next < named.length) {
          const body = named[next++]!;
          const res = await http.request({
            method: 'POST',
            path: '/_bulk',
            body,
            headers: { 'content-type': 'application/x-ndjson' },
          });
          const text = await res.body.text();
          // the top-level flag, whichever key comes first (OpenSearch: took, Elasticsearch: errors)
          if (res.statusCode !== 200 || !/^\{("took":\d+,)?"errors":false/.test(text))
            throw new Error(`C1 _bulk answered ${res.statusCode}: ${text.slice(0, 300)}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - t0) / 1000;
      byConcurrency[String(concurrency)] = rows.length / seconds;
      ctx.log(`C1 concurrency ${concurrency}: ${Math.round(rows.length / seconds)} docs/s`);
      await deleteIndex(ctx, name);
    }
  } finally {
    await http.close();
  }
  let best = 0;
  let bestConcurrency = 0;
  for (const [c, rate] of Object.entries(byConcurrency)) {
    if (rate > best) [best, bestConcurrency] = [rate, Number(c)];
  }
  return { best, bestConcurrency, byConcurrency, docs: rows.length, avgDocBytes: bytes / rows.length };
}

/**
 * A copy of Syncline's index as the snapshot left it (`_clone`: hard links, seconds), so the mixed
 * workload can be applied raw to the same starting state without touching Syncline's own index.
 */
export async function cloneSynclineIndex(ctx: BenchContext, target: string): Promise<void> {
  const source = `${ctx.index}_v1`;
  const block = (index: string, on: boolean) =>
    ctx.search.request('PUT', `/${index}/_settings`, { 'index.blocks.write': on });
  await block(source, true);
  try {
    const res = await ctx.search.request('POST', `/${source}/_clone/${target}`, {
      settings: { 'index.blocks.write': false },
    });
    if (res.status !== 200)
      throw new Error(`_clone answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  } finally {
    await block(source, false);
  }
  await ctx.search.request('GET', `/_cluster/health/${target}?wait_for_status=yellow&timeout=60s`);
}

/**
 * C1 for the streaming workload ("C1-mixed"): the workload's own first ops as Syncline encodes them
 * (index and delete lines, GTID versions, 1000 per request; dumped by the decode child), sent raw into
 * a clone of the post-snapshot index at C1's best concurrency. Updates and deletes cost the engine more
 * than the fresh inserts of C1, and this says how much.
 */
export async function measureC1Mixed(
  ctx: BenchContext,
  dumpFile: string,
  clone: string,
  concurrency: number,
): Promise<{ opsPerSec: number; ops: number }> {
  const raw = readFileSync(dumpFile);
  const bodies: Buffer[] = [];
  const from = Buffer.from(`"_index":${JSON.stringify(ctx.index)}`);
  const to = Buffer.from(`"_index":${JSON.stringify(clone)}`);
  let ops = 0;
  // Each body: u32 byte length, u32 op count, the NDJSON.
  for (let at = 0; at < raw.length; ) {
    const len = raw.readUInt32BE(at);
    ops += raw.readUInt32BE(at + 4);
    bodies.push(replaceAll(raw.subarray(at + 8, at + 8 + len), from, to));
    at += 8 + len;
  }
  const http = new HttpPool(benchStack.searchUrl, { connections: 8, keepAliveTimeout: 30_000 });
  try {
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < bodies.length) {
        const res = await http.request({
          method: 'POST',
          path: '/_bulk?filter_path=errors,items.*.status',
          body: bodies[next++]!,
          headers: { 'content-type': 'application/x-ndjson' },
        });
        const text = await res.body.text();
        if (res.statusCode !== 200)
          throw new Error(`C1-mixed _bulk answered ${res.statusCode}: ${text.slice(0, 300)}`);
        if (text.includes('"errors":true')) {
          const items = (JSON.parse(text) as { items: Array<Record<string, { status: number }>> }).items;
          const bad = items.filter((it) =>
            // 404: delete of a missing doc; 409: an op older than one another request applied first —
            // both are outcomes Syncline counts as done (ok / stale), not failures.
            Object.values(it).some((x) => x.status >= 400 && x.status !== 404 && x.status !== 409),
          );
          if (bad.length > 0)
            throw new Error(`C1-mixed: ${bad.length} items failed: ${JSON.stringify(bad[0])}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;
    return { opsPerSec: ops / seconds, ops };
  } finally {
    await http.close();
  }
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const i = buf.indexOf(from, at);
    if (i < 0) break;
    parts.push(buf.subarray(at, i), to);
    at = i + from.length;
  }
  parts.push(buf.subarray(at));
  return Buffer.concat(parts);
}

export interface C2Result {
  readonly eventsPerSec: number;
  readonly mbPerSec: number;
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * C2, the source ceiling: the server's own binlog client — `mariadb-binlog` for MariaDB, MySQL 9.7's
 * `mysqlbinlog` (run from the stack's MySQL root with chroot) for MySQL — reading the same binlog range
 * with --read-from-remote-server to /dev/null (the server sends it, the tool decodes the headers and
 * prints base64 row images).
 * `events` is the number of bench row changes in the range, so the rate compares with ours.
 */
export async function measureC2(
  ctx: BenchContext,
  range: { from: BinlogMark; to: BinlogMark; events: number },
): Promise<C2Result> {
  const files = await binlogFiles(ctx.pool, range.from, range.to);
  const bytes = bytesBetween(files, range.from, range.to);
  const args = [
    '--read-from-remote-server',
    `--host=${MYSQL_HOST}`,
    `--port=${benchStack.mysqlPort}`,
    '--user=root',
    `--start-position=${range.from.pos}`,
    `--stop-position=${range.to.pos}`,
    ...files.map((f) => f.file),
  ];
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const [cmd, cmdArgs] =
      benchStack.source === 'mysql'
        ? ['chroot', [mysqlRoot(), '/usr/bin/mysqlbinlog', ...args]]
        : ['mariadb-binlog', args];
    const p = spawn(cmd, cmdArgs, { stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 400)}`)),
    );
  });
  const seconds = (performance.now() - t0) / 1000;
  return { eventsPerSec: range.events / seconds, mbPerSec: bytes / 1e6 / seconds, bytes, seconds };
}

/** The stack's MySQL root (engines/mysql/prepare.sh builds it there). */
function mysqlRoot(): string {
  const cache =
    process.env.SYNCLINE_MYSQL_CACHE ?? path.join(os.homedir(), '.cache', 'syncline', 'mysql-9.7');
  return path.join(cache, 'root');
}

/** C3: the whole table streamed through mysql2 with the options Syncline's pool uses. */
export async function measureC3(ctx: BenchContext): Promise<{ rowsPerSec: number; rows: number }> {
  const conn = mysqlCore.createConnection({
    host: MYSQL_HOST,
    port: benchStack.mysqlPort,
    user: 'root',
    database: ctx.db,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    charset: 'utf8mb4',
  });
  try {
    const t0 = performance.now();
    let rows = 0;
    for await (const _row of conn.query('SELECT * FROM products').stream({ highWaterMark: 1000 })) rows++;
    const seconds = (performance.now() - t0) / 1000;
    return { rowsPerSec: rows / seconds, rows };
  } finally {
    conn.end();
  }
}
