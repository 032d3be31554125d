/**
 * The Kafka path against the direct path, in one run on this machine (docs/kafka.md#performance):
 *
 *   npm run -s build && npx tsc -p bench/tsconfig.json && node bench/.build/bench/kafka-path.js \
 *     [--changes 100000] [--paced 20000] [--rate 1000] [--partitions 6] [--paths direct,kafka,kafka-split]
 *
 * Same table, same binlog range, same engine; only the path differs:
 *   direct:      binlog → mapping → bulk sink → OpenSearch (one process)
 *   kafka:       binlog → Kafka (capture pipeline: idempotent producer, acks=all) → consumer group →
 *                mapping → bulk sink → OpenSearch, both pipelines in this one process (one event loop)
 *   kafka-split: the same, with the capture pipeline in its own `syncline run --no-api` process (dist/),
 *                the way it is deployed; the index pipeline is measured here
 *
 * Throughput: `--changes` row changes (60 % insert, 30 % update, 10 % delete, 20 per transaction) are
 * written while every path is stopped; then each path alone drains that backlog from its checkpoint.
 * events/s = changes / time from the path's start until its bulk sink acknowledged the last one
 * (steadyEventsPerSec: from its first acknowledgement, without start-up and the consumer group join).
 * Latency: each path alone again, caught up, under a paced workload (`--paced` changes at `--rate`/s,
 * inserts and updates); each row carries the wall-clock ms of its statement (t_ms, committed right
 * after) and the latency of a change is the time its bulk item was acknowledged minus t_ms:
 * commit-to-indexed (acknowledged by the engine; searchable after the next refresh).
 * Prints the figures and writes bench/results/kafka-path-<date>.json.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { resolveConfig } from '../src/config/load.js';
import type { SynclineConfig } from '../src/config/schema.js';
import type { IndexOp, Sink, WriteResult } from '../src/core/interfaces.js';
import { createClients } from '../src/runtime/clients.js';
import { PipelineRunner } from '../src/runtime/pipeline-runner.js';
import { SearchClient } from '../src/sinks/search/client.js';
import { benchStack, loadBenchConfig } from './harness/context.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const CHANGES = Number(args.get('changes') ?? 100_000);
const PACED = Number(args.get('paced') ?? 20_000);
const RATE = Number(args.get('rate') ?? 1_000);
const PARTITIONS = Number(args.get('partitions') ?? 6);
loadBenchConfig(process.env.SYNCLINE_BENCH_CONFIG);
const BROKERS = (args.get('brokers') ?? benchStack.kafkaBrokers).split(',');
const PATHS = (args.get('paths') ?? 'direct,kafka,kafka-split').split(',') as PathName[];

const stamp = Date.now().toString(36);
const db = `bench_kafka_${stamp}`;
const log = pino({ level: process.env.BENCH_LOG ?? 'warn' });

type PathName = 'direct' | 'kafka' | 'kafka-split';
const indexOf = (p: PathName) => `${db}_${p.replace('-', '_')}`;
const groupOf = (p: PathName) => `bench-${db}-${p}`;
const topicPrefix = (p: PathName) => `syncline-${p}.${db}.`;
const pipelineName = (p: PathName, role: string) => `${db}-${p}-${role}`.replaceAll('_', '-');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-kafka-path-'));

function configFor(p: PathName, part: 'all' | 'capture' | 'index' = 'all'): SynclineConfig {
  const source = { type: 'mysql-binlog', tables: [`${db}.events`], heartbeatMs: 1000 };
  const capture = {
    name: pipelineName(p, 'capture'),
    source,
    sink: { type: 'kafka', topicTemplate: `syncline-${p}.{database}.{table}`, partitions: PARTITIONS },
  };
  const index = {
    name: pipelineName(p, 'index'),
    source: { type: 'kafka', topics: [`${topicPrefix(p)}events`], groupId: groupOf(p), maxWaitMs: 50 },
  };
  return resolveConfig({
    stack: { manage: false },
    mysql: {
      url: `mysql://root@127.0.0.1:${benchStack.mysqlPort}/${db}`,
      serverId: 61000 + Math.floor(Math.random() * 3000),
    },
    kafka: { brokers: BROKERS, clientId: 'syncline-bench' },
    mappings: [{ table: `${db}.events`, index: indexOf(p) }],
    logLevel: 'warn',
    pipelines:
      p === 'direct'
        ? [{ name: pipelineName(p, 'binlog'), source }]
        : part === 'capture'
          ? [capture]
          : part === 'index'
            ? [index]
            : [capture, index],
  });
}

interface Observed {
  /** Distinct (document, version) pairs acknowledged: a re-delivered change (at-least-once) counts once. */
  acked: number;
  /** Acknowledgements of a (document, version) already acknowledged. */
  duplicates: number;
  seenOps: Set<string>;
  /** Kafka path: events the capture pipeline's Kafka sink had acknowledged by the broker, and when. */
  published: number;
  lastPublishAt: number;
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
  published: 0,
  lastPublishAt: 0,
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

/** `syncline run --no-api` with the capture pipeline of kafka-split, from dist/. */
function startCaptureProcess(): ChildProcess {
  const file = path.join(workDir, 'capture.yaml');
  writeFileSync(file, stringify(configFor('kafka-split', 'capture')));
  const out = openSync(path.join(workDir, 'capture.log'), 'a');
  return spawn(
    process.execPath,
    [path.join(repoRoot, 'dist', 'cli', 'main.js'), '-c', file, 'run', '--no-api'],
    {
      stdio: ['ignore', out, out],
    },
  );
}

async function startPath(p: PathName, seen: Observed): Promise<{ stop(): Promise<void> }> {
  const child = p === 'kafka-split' ? startCaptureProcess() : undefined;
  const config = configFor(p, p === 'kafka-split' ? 'index' : 'all');
  const clients = createClients(config);
  const search = new SearchClient({ url: config.search.url });
  const runner = new PipelineRunner(config, clients, search, log);
  runner.hooks.onPipeline = (handle) => {
    // The sink that writes the index: the binlog pipeline's (direct), the Kafka consumer's (kafka).
    const h = handle as unknown as { kind?: string; sink: Sink };
    if (p === 'direct' || h.kind === 'from-kafka') instrument(h.sink, seen);
    if (h.kind === 'to-kafka') {
      const write = h.sink.write.bind(h.sink);
      h.sink.write = async (ops, signal) => {
        const r = await write(ops, signal);
        seen.published += ops.length;
        seen.lastPublishAt = Date.now();
        return r;
      };
    }
  };
  await runner.start();
  return {
    async stop() {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
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
    port: benchStack.mysqlPort,
    user: 'root',
    database: 'mysql',
  });
  const state = { next: 1 };
  const results = Object.fromEntries(PATHS.map((p) => [p, {}])) as Record<PathName, Record<string, number>>;
  try {
    await root.query(`CREATE DATABASE ${db}`);
    await root.query(`USE ${db}`);
    await root.query(
      'CREATE TABLE events (id BIGINT PRIMARY KEY, grp INT NOT NULL, payload VARCHAR(200) NOT NULL, amount DECIMAL(12,2) NOT NULL, t_ms BIGINT NOT NULL)',
    );
    // Every path started once, then one row written and deleted: each path's checkpoint is after it, its
    // index exists, and for the Kafka paths the topic exists and the group has committed offsets — so the
    // measured runs start from a steady state, as a restart in production would.
    const warm = Object.fromEntries(PATHS.map((p) => [p, observed()])) as Record<PathName, Observed>;
    const runs = [];
    for (const p of PATHS) runs.push(await startPath(p, warm[p]));
    await new Promise((r) => setTimeout(r, 5000)); // snapshots of the empty table done, streaming
    await root.query("INSERT INTO events VALUES (0, 0, 'warm-up', 0, 0)");
    await root.query('DELETE FROM events WHERE id = 0');
    for (const p of PATHS)
      await waitUntil(`${p}: the warm-up row indexed and deleted`, () => warm[p].acked >= 2, 120_000);
    await new Promise((r) => setTimeout(r, 2500)); // checkpoints / offsets committed
    for (const r of runs) await r.stop();

    console.log(`[kafka-path] writing the backlog: ${CHANGES} changes into ${db}.events …`);
    const backlog = await workload(root, CHANGES, state);

    // Throughput: each path alone drains the same backlog from its checkpoint.
    for (const p of PATHS) {
      const seen = observed();
      const t0 = Date.now();
      const run = await startPath(p, seen);
      await waitUntil(
        `${p}: ${backlog.indexOps} acknowledged`,
        () => seen.acked >= backlog.indexOps,
        1_800_000,
      );
      const elapsed = seen.lastAckAt - t0;
      results[p].throughputEventsPerSec = Math.round((CHANGES / elapsed) * 1000);
      results[p].steadyEventsPerSec = Math.round((CHANGES / (seen.lastAckAt - seen.firstAckAt)) * 1000);
      results[p].backlogDrainMs = elapsed;
      results[p].startToFirstAckMs = seen.firstAckAt - t0;
      results[p].backlogDuplicatesDelivered = seen.duplicates;
      if (p === 'kafka') {
        // The first half alone: binlog → Kafka, acknowledged by the broker.
        results[p].captureEventsPerSec = Math.round((seen.published / (seen.lastPublishAt - t0)) * 1000);
      }
      await run.stop();
      console.log(`[kafka-path] ${p} throughput: ${JSON.stringify(results[p])}`);
    }

    // Latency: each path alone again. A paced write while one path runs is backlog for the others, so
    // each first catches up (latency is only sampled for rows written after it did).
    let pacedSoFar = 0;
    for (const p of PATHS) {
      const seen = observed();
      const run = await startPath(p, seen);
      await waitUntil(`${p}: caught up`, () => seen.acked >= pacedSoFar, 600_000);
      await new Promise((r) => setTimeout(r, 2000));
      seen.recordLatency = true;
      seen.latencyFrom = Date.now();
      const paced = await workload(root, PACED, state, RATE);
      pacedSoFar += paced.indexOps;
      await waitUntil(
        `${p}: paced changes acknowledged`,
        () => seen.latencies.length >= paced.indexOps,
        600_000,
      );
      const lat = [...seen.latencies].sort((a, b) => a - b);
      results[p].latencyP50Ms = pct(lat, 0.5);
      results[p].latencyP99Ms = pct(lat, 0.99);
      results[p].latencyMaxMs = lat[lat.length - 1] ?? Number.NaN;
      results[p].latencySamples = lat.length;
      await run.stop();
      console.log(`[kafka-path] ${p}: ${JSON.stringify(results[p])}`);
    }
  } finally {
    await cleanup(root);
  }
  const vs = (p: PathName) =>
    results[p] && results.direct
      ? {
          throughputRatio: round2(
            results[p].throughputEventsPerSec! / results.direct.throughputEventsPerSec!,
          ),
          steadyThroughputRatio: round2(results[p].steadyEventsPerSec! / results.direct.steadyEventsPerSec!),
          addedLatencyP50Ms: results[p].latencyP50Ms! - results.direct.latencyP50Ms!,
          addedLatencyP99Ms: results[p].latencyP99Ms! - results.direct.latencyP99Ms!,
        }
      : undefined;
  const figures = {
    date: new Date().toISOString(),
    command: `node bench/.build/bench/kafka-path.js --changes ${CHANGES} --paced ${PACED} --rate ${RATE} --partitions ${PARTITIONS} --paths ${PATHS.join(',')}`,
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(os.totalmem() / 1048576),
      loadAverage1m: round2(os.loadavg()[0]!),
      node: process.version,
      note: 'MariaDB, OpenSearch, Kafka and Syncline share this machine',
    },
    workload: {
      backlogChanges: CHANGES,
      mix: '60% insert, 30% update, 10% delete, 20 changes per transaction, ~300-byte rows',
      pacedChanges: PACED,
      pacedRatePerSec: RATE,
      kafkaPartitions: PARTITIONS,
    },
    ...results,
    kafkaVsDirect: vs('kafka'),
    kafkaSplitVsDirect: vs('kafka-split'),
  };
  // The full-size run is kafka-path-<date>.json; smaller ones (quick bench runs) do not overwrite it.
  const size = CHANGES === 100_000 ? '' : `-${CHANGES}`;
  const out = path.join(repoRoot, 'bench', 'results', `kafka-path-${figures.date.slice(0, 10)}${size}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  console.log(`[kafka-path] written to ${path.relative(repoRoot, out)}`);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function cleanup(root: mysql.Connection): Promise<void> {
  const search = new SearchClient({ url: benchStack.searchUrl });
  for (const p of PATHS) await search.request('DELETE', `/${indexOf(p)}_v1`).catch(() => {});
  await search.close();
  await root.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {});
  await root
    .query('DELETE FROM syncline.checkpoints WHERE pipeline LIKE ?', [`${db.replaceAll('_', '-')}-%`])
    .catch(() => {});
  await root.end();
  rmSync(workDir, { recursive: true, force: true });
  const admin = new Admin({ clientId: 'syncline-bench', bootstrapBrokers: BROKERS });
  try {
    const topics = (await admin.listTopics()).filter((t) => PATHS.some((p) => t.startsWith(topicPrefix(p))));
    if (topics.length) await admin.deleteTopics({ topics });
    await admin.deleteGroups({ groups: PATHS.map(groupOf) }).catch(() => {});
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
