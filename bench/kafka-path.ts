/**
 * The Kafka path against the direct path, in one run on this machine (docs/kafka.md#performance):
 *
 *   npx tsc -p bench/tsconfig.json && node bench/.build/bench/kafka-path.js [--changes 100000] [--paced 20000] [--rate 1000]
 *
 * Same database table, same binlog range, same engine; only the path differs:
 *   direct: binlog → mapping → bulk sink → OpenSearch
 *   kafka:  binlog → Kafka (capture pipeline, idempotent producer, acks=all)
 *           → consumer group → mapping → bulk sink → OpenSearch (index pipeline)
 *
 * Throughput: `--changes` row changes (60 % insert, 30 % update, 10 % delete, 20 per transaction) are
 * written while the pipelines are stopped; then each path drains that backlog from its checkpoint, and
 * events/s = changes / time from the path's start until its bulk sink acknowledged the last one
 * (steadyEventsPerSec: from its first acknowledgement, without start-up and the consumer group join).
 * Latency: a paced workload (`--paced` changes at `--rate`/s, inserts and updates) runs while both paths
 * are live (side by side, same load); each row carries the wall-clock ms of its statement (t_ms, committed right after), and the
 * latency of a change is the time the index pipeline's bulk sink acknowledged it minus t_ms:
 * commit-to-indexed (acknowledged by the engine; searchable after the next refresh).
 * Prints the figures and writes bench/results/kafka-path-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { resolveConfig } from '../src/config/load.js';
import type { SynclineConfig } from '../src/config/schema.js';
import type { IndexOp, Sink, WriteResult } from '../src/core/interfaces.js';
import { createClients } from '../src/runtime/clients.js';
import { PipelineRunner } from '../src/runtime/pipeline-runner.js';
import { SearchClient } from '../src/sinks/search/client.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const CHANGES = Number(args.get('changes') ?? 100_000);
const PACED = Number(args.get('paced') ?? 20_000);
const RATE = Number(args.get('rate') ?? 1_000);
const PARTITIONS = Number(args.get('partitions') ?? 6);
const BROKERS = (args.get('brokers') ?? '127.0.0.1:9092').split(',');
const PATHS = (args.get('paths') ?? 'direct,kafka').split(',') as PathName[];

const stamp = Date.now().toString(36);
const db = `bench_kafka_${stamp}`;
const log = pino({ level: process.env.BENCH_LOG ?? 'warn' });

type PathName = 'direct' | 'kafka';
const indexOf = (p: PathName) => `${db}_${p}`;
const groupOf = `bench-${db}`;

function configFor(p: PathName): SynclineConfig {
  const source = { type: 'mysql-binlog', tables: [`${db}.events`], heartbeatMs: 1000 };
  return resolveConfig({
    stack: { manage: false },
    mysql: { url: `mysql://root@127.0.0.1:3307/${db}`, serverId: 61000 + Math.floor(Math.random() * 3000) },
    kafka: { brokers: BROKERS, clientId: 'syncline-bench' },
    mappings: [{ table: `${db}.events`, index: indexOf(p) }],
    logLevel: 'warn',
    pipelines:
      p === 'direct'
        ? [{ name: `${db}-direct`.replaceAll('_', '-'), source }]
        : [
            {
              name: `${db}-capture`.replaceAll('_', '-'),
              source,
              sink: { type: 'kafka', topicTemplate: 'syncline.{database}.{table}', partitions: PARTITIONS },
            },
            {
              name: `${db}-index`.replaceAll('_', '-'),
              source: { type: 'kafka', topics: [`syncline.${db}.events`], groupId: groupOf, maxWaitMs: 50 },
            },
          ],
  });
}

interface Observed {
  /** Distinct (document, version) pairs acknowledged: a re-delivered change (at-least-once) counts once. */
  acked: number;
  /** Acknowledgements of a (document, version) already acknowledged. */
  duplicates: number;
  seenOps: Set<string>;
  /** Acknowledged ops by event op (c, u, d, r, t): shows what a path really carried. */
  byOp: Record<string, number>;
  /** Latency samples only for changes written from this time on (the paced phase). */
  latencyFrom: number;
  firstAckAt: number;
  lastAckAt: number;
  latencies: number[];
  recordLatency: boolean;
}

const observed = (): Observed => ({
  acked: 0,
  duplicates: 0,
  seenOps: new Set(),
  byOp: {},
  latencyFrom: Number.POSITIVE_INFINITY,
  firstAckAt: 0,
  lastAckAt: 0,
  latencies: [],
  recordLatency: false,
});

/** Counts (and times) what the bulk sink of the indexing pipeline acknowledges. */
function instrument(sink: Sink, seen: Observed): void {
  const write = sink.write.bind(sink);
  sink.write = async (ops: readonly IndexOp[], signal?: AbortSignal): Promise<WriteResult> => {
    const r = await write(ops, signal);
    const now = Date.now();
    if (seen.acked === 0) seen.firstAckAt = now;
    for (const op of ops) {
      const id = `${op.action === 'truncate' ? '*' : op.id}:${op.version}`;
      if (seen.seenOps.has(id)) {
        seen.duplicates++;
        continue;
      }
      seen.seenOps.add(id);
      seen.acked++;
      seen.byOp[op.event.op] = (seen.byOp[op.event.op] ?? 0) + 1;
      if (seen.recordLatency && op.action === 'index' && Number(op.doc.t_ms) >= seen.latencyFrom)
        seen.latencies.push(now - Number(op.doc.t_ms));
    }
    seen.lastAckAt = now;
    return r;
  };
}

async function startPath(p: PathName, seen: Observed): Promise<{ stop(): Promise<void> }> {
  const config = configFor(p);
  const clients = createClients(config);
  const search = new SearchClient({ url: config.search.url });
  const runner = new PipelineRunner(config, clients, search, log);
  runner.hooks.onPipeline = (handle) => {
    // The sink that writes the index: the binlog pipeline's (direct), the Kafka consumer's (kafka).
    const h = handle as unknown as { kind?: string; sink: Sink };
    if (p === 'direct' || h.kind === 'from-kafka') instrument(h.sink, seen);
  };
  await runner.start();
  return {
    async stop() {
      await runner.stop();
      await search.close();
      await clients.close();
    },
  };
}

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `n` row changes in transactions of 20; `paced`: at `rate` changes/s, inserts and updates only. */
async function workload(
  conn: mysql.Connection,
  n: number,
  state: { next: number },
  paced?: number,
): Promise<{ ops: number; indexOps: number }> {
  let done = 0;
  let indexOps = 0;
  const t0 = Date.now();
  let seed = 12345 + state.next;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  while (done < n) {
    await conn.beginTransaction();
    for (let i = 0; i < 20 && done < n; ) {
      const p = rnd();
      const id = 1 + Math.floor(rnd() * Math.max(1, state.next - 1));
      let changed: number;
      if (p < 0.6 || state.next < 100) {
        await conn.query('INSERT INTO events VALUES (?, ?, ?, ?, ?)', [
          state.next++,
          Math.floor(rnd() * 100),
          `订单 payload ${done} ${'x'.repeat(80)}`,
          (rnd() * 1000).toFixed(2),
          Date.now(),
        ]);
        changed = 1;
      } else if (p < 0.9 || paced) {
        const [r] = await conn.query('UPDATE events SET amount = amount + 1, t_ms = ? WHERE id = ?', [
          Date.now(),
          id,
        ]);
        changed = (r as { affectedRows: number }).affectedRows;
      } else {
        const [r] = await conn.query('DELETE FROM events WHERE id = ?', [id]);
        changed = (r as { affectedRows: number }).affectedRows;
      }
      // An id deleted earlier changes nothing: only real row changes count.
      if (changed > 0) {
        i++;
        done++;
        indexOps++;
      }
    }
    await conn.commit();
    if (paced) {
      const ahead = (done / paced) * 1000 - (Date.now() - t0);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  return { ops: done, indexOps };
}

const pct = (sorted: number[], q: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
    : Number.NaN;

async function main(): Promise<void> {
  const root = await mysql.createConnection({
    host: '127.0.0.1',
    port: 3307,
    user: 'root',
    database: 'mysql',
  });
  const state = { next: 1 };
  const results: Record<PathName, Record<string, number>> = { direct: {}, kafka: {} };
  try {
    await root.query(`CREATE DATABASE ${db}`);
    await root.query(`USE ${db}`);
    await root.query(
      'CREATE TABLE events (id BIGINT PRIMARY KEY, grp INT NOT NULL, payload VARCHAR(200) NOT NULL, amount DECIMAL(12,2) NOT NULL, t_ms BIGINT NOT NULL)',
    );
    // Both paths started once, then one row written and deleted: each path's checkpoint is after it,
    // its index exists, and for the Kafka path the topic exists and the group has committed offsets — so
    // the measured runs start from a steady state, as a restart in production would.
    const warm = {
      direct: observed() as Observed,
      kafka: observed() as Observed,
    };
    const runs = [await startPath('direct', warm.direct), await startPath('kafka', warm.kafka)];
    await new Promise((r) => setTimeout(r, 3000)); // snapshots of the empty table done, streaming
    await root.query("INSERT INTO events VALUES (0, 0, 'warm-up', 0, 0)");
    await root.query('DELETE FROM events WHERE id = 0');
    for (const p of ['direct', 'kafka'] as const)
      await waitUntil(`${p}: the warm-up row indexed and deleted`, () => warm[p].acked >= 2, 120_000);
    await new Promise((r) => setTimeout(r, 2500)); // checkpoint / offsets committed
    for (const r of runs) await r.stop();
    console.log(`[kafka-path] writing the backlog: ${CHANGES} changes into ${db}.events …`);
    const backlog = await workload(root, CHANGES, state);

    // Throughput: each path alone drains the same backlog from its checkpoint (nothing else is written
    // meanwhile, so each sees exactly the backlog).
    for (const p of PATHS) {
      const seen: Observed = observed();
      const t0 = Date.now();
      const run = await startPath(p, seen);
      await waitUntil(
        `${p}: ${backlog.indexOps} acknowledged`,
        () => seen.acked >= backlog.indexOps,
        1_800_000,
      );
      const elapsed = seen.lastAckAt - t0;
      // From start (pipelines, group join, snapshot check included) and from the first acknowledgement.
      results[p].throughputEventsPerSec = Math.round((CHANGES / elapsed) * 1000);
      results[p].steadyEventsPerSec = Math.round((CHANGES / (seen.lastAckAt - seen.firstAckAt)) * 1000);
      results[p].backlogDrainMs = elapsed;
      results[p].startToFirstAckMs = seen.firstAckAt - t0;
      results[p].backlogDuplicatesDelivered = seen.duplicates;
      for (const [op, n] of Object.entries(seen.byOp)) results[p][`backlogOps_${op}`] = n;
      await run.stop();
      console.log(`[kafka-path] ${p} throughput: ${JSON.stringify(results[p])}`);
    }
    // Latency: both paths live at once on the same paced writes (a write while only one path runs
    // would be backlog for the other), so both are measured under the same load.
    const seen = Object.fromEntries(PATHS.map((p) => [p, observed()])) as Record<PathName, Observed>;
    const live = [];
    for (const p of PATHS) live.push(await startPath(p, seen[p]));
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of PATHS) {
      seen[p].recordLatency = true;
      seen[p].latencyFrom = Date.now();
    }
    const paced = await workload(root, PACED, state, RATE);
    for (const p of PATHS)
      await waitUntil(`${p}: paced changes acknowledged`, () => seen[p].acked >= paced.indexOps, 600_000);
    for (const p of PATHS) {
      const lat = [...seen[p].latencies].sort((a, b) => a - b);
      results[p].latencyP50Ms = pct(lat, 0.5);
      results[p].latencyP99Ms = pct(lat, 0.99);
      results[p].latencyMaxMs = lat[lat.length - 1] ?? Number.NaN;
      results[p].latencySamples = lat.length;
      results[p].pacedDuplicatesDelivered = seen[p].duplicates;
      console.log(`[kafka-path] ${p}: ${JSON.stringify(results[p])}`);
    }
    for (const r of live) await r.stop();
  } finally {
    await cleanup(root);
  }
  const figures = {
    date: new Date().toISOString(),
    command: `node bench/.build/bench/kafka-path.js --changes ${CHANGES} --paced ${PACED} --rate ${RATE} --partitions ${PARTITIONS}`,
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / 1048576),
      loadAverage1m: os.loadavg()[0],
      node: process.version,
      note: 'MariaDB, OpenSearch and Kafka share this machine with Syncline',
    },
    workload: {
      backlogChanges: CHANGES,
      mix: '60% insert, 30% update, 10% delete, 20 changes per transaction, ~300-byte rows',
      pacedChanges: PACED,
      pacedRatePerSec: RATE,
      kafkaPartitions: PARTITIONS,
    },
    direct: results.direct,
    kafka: results.kafka,
    kafkaVsDirect: {
      throughputRatio: round2(results.kafka.throughputEventsPerSec! / results.direct.throughputEventsPerSec!),
      steadyThroughputRatio: round2(results.kafka.steadyEventsPerSec! / results.direct.steadyEventsPerSec!),
      addedLatencyP50Ms: results.kafka.latencyP50Ms! - results.direct.latencyP50Ms!,
      addedLatencyP99Ms: results.kafka.latencyP99Ms! - results.direct.latencyP99Ms!,
    },
  };
  const out = path.join(repoRoot, 'bench', 'results', `kafka-path-${figures.date.slice(0, 10)}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  console.log(`[kafka-path] written to ${path.relative(repoRoot, out)}`);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function cleanup(root: mysql.Connection): Promise<void> {
  const search = new SearchClient({ url: 'http://127.0.0.1:9200' });
  for (const p of ['direct', 'kafka'] as const)
    await search.request('DELETE', `/${indexOf(p)}_v1`).catch(() => {});
  await search.close();
  await root.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
  await root
    .query('DELETE FROM syncline.checkpoints WHERE pipeline LIKE ?', [`${db.replaceAll('_', '-')}-%`])
    .catch(() => {});
  await root.end();
  const admin = new Admin({ clientId: 'syncline-bench', bootstrapBrokers: BROKERS });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`syncline.${db}.`));
    if (topics.length) await admin.deleteTopics({ topics });
    await admin.deleteGroups({ groups: [groupOf] }).catch(() => {});
  } finally {
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
