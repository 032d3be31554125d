/**
 * Binlog decode alone, on its own (issue 17): writes the streaming workload once into a scratch database,
 * then times the decode child over that binlog range `--runs` times, pinned to one CPU with taskset, and
 * prints events/s and CPU µs per event (user + sys of the child) with median and spread.
 *
 *   node bench/.build/bench/harness/decode-alone.js --source mariadb --changes 100000 --runs 5 --cpu 1 \
 *     [--save range.json --keep | --reuse range.json] [--profile dir]
 *
 * SYNCLINE_BINLOG_DECODER in the environment reaches the child (A/B of the row decoders on one range).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import type { BenchContext } from './context.js';
import { benchStack, createBenchPool, loadBenchConfig, MYSQL_HOST } from './context.js';
import { createSchema, mixedChanges } from './dataset.js';

interface ChildResult {
  events: number;
  seconds: number;
  cpuMicros: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string', default: 'mariadb' },
      changes: { type: 'string', default: '100000' },
      perTx: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      cpu: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      /** A file a previous run saved with --save: the same binlog range again (A/B on one range). */
      reuse: { type: 'string' },
      save: { type: 'string' },
      profile: { type: 'string' },
      /** decode: BinlogSource alone; map: also the mapping and the _bulk encoding of every event (no HTTP). */
      mode: { type: 'string', default: 'decode' },
    },
  });
  process.env.SYNCLINE_BENCH_SOURCE = values.source;
  loadBenchConfig(undefined);
  let db: string;
  let from: string;
  let expect: number;
  if (values.reuse) {
    [db, from, expect] = JSON.parse(readFileSync(values.reuse, 'utf8')) as [string, string, number];
  } else {
    db = `bench_dec${Date.now().toString(36)}`;
    const pool = createBenchPool(db, 6);
    const ctx = { db, pool } as unknown as BenchContext;
    await createSchema(ctx);
    // Rows the updates and deletes work on, written before the range starts.
    const seedIds: number[] = [];
    const seed = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
    await seed.query(`USE \`${db}\``);
    const n = Math.max(20_000, Number(values.changes));
    for (let i = 0; i < n; i += 2000) {
      const rows = [];
      for (let id = i + 1; id <= Math.min(n, i + 2000); id++) {
        rows.push([
          id,
          `product ${id}`,
          'seed row of the decode bench, a few words long',
          '9.99',
          1,
          '["a","b"]',
          5,
          'active',
          0,
        ]);
        seedIds.push(id);
      }
      await seed.query(
        'INSERT INTO products (id, name, description, price, category_id, tags, stock, status, bench_seq) VALUES ?',
        [rows],
      );
    }
    await seed.end();
    const w = await mixedChanges(ctx, {
      changes: Number(values.changes),
      perTx: Number(values.perTx),
      firstNewId: n + 1,
      liveIds: seedIds,
    });
    await pool.end();
    from = w.from.gtid;
    expect = w.events;
    if (values.save) writeFileSync(values.save, JSON.stringify([db, from, expect]));
  }
  const child = fileURLToPath(new URL('./decode-child.js', import.meta.url));
  const results: ChildResult[] = [];
  for (let r = 0; r < Number(values.runs); r++) {
    const args = {
      url: `mysql://root@${MYSQL_HOST}:${benchStack.mysqlPort}/${db}`,
      database: db,
      table: `${db}.products`,
      index: `${db}_products`,
      from,
      expect,
      mode: values.mode,
      serverId: 80_000 + Math.floor(Math.random() * 9_000),
    };
    const prof = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
    const p = spawnSync(
      'taskset',
      ['-c', values.cpu!, process.execPath, ...prof, child, JSON.stringify(args)],
      {
        encoding: 'utf8',
        env: process.env,
      },
    );
    if (p.status !== 0) throw new Error(`decode child exited ${p.status}: ${p.stderr.slice(-800)}`);
    const out = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
    if (out.events !== expect) throw new Error(`decode saw ${out.events} events, expected ${expect}`);
    results.push(out);
    process.stderr.write(
      `run ${r + 1}: ${Math.round(out.events / out.seconds)} events/s, ${(out.cpuMicros / out.events).toFixed(2)} µs CPU/event\n`,
    );
  }
  const rates = results.map((x) => x.events / x.seconds);
  const cpu = results.map((x) => x.cpuMicros / x.events);
  const summary = {
    source: values.source,
    decoder: process.env.SYNCLINE_BINLOG_DECODER || 'default',
    mode: values.mode,
    events: expect,
    runs: results.length,
    eventsPerSec: {
      median: Math.round(median(rates)),
      min: Math.round(Math.min(...rates)),
      max: Math.round(Math.max(...rates)),
    },
    cpuMicrosPerEvent: {
      median: +median(cpu).toFixed(2),
      min: +Math.min(...cpu).toFixed(2),
      max: +Math.max(...cpu).toFixed(2),
    },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (!values.keep && !values.reuse) {
    const c = await mysql.createConnection({ host: MYSQL_HOST, port: benchStack.mysqlPort, user: 'root' });
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await c.end();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`decode-alone: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
