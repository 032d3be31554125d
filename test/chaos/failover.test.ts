import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCHEMA } from '../../src/demo/schema.js';
import type { SearchClient } from '../../src/sinks/search/client.js';
import { diffTableAndIndex, summarize } from '../helpers/compare.js';
import {
  CHAOS_KAFKA_BROKER,
  CHAOS_MYSQL_URL,
  CHAOS_SEARCH_URL,
  type OwnServer,
  OwnStack,
} from './own-stack.js';
import { Worker } from './workers.js';
import { CatalogWorkload, DEMO_DB, PROBE_ID } from './workload.js';

/**
 * The chaos suite (docs/ha.md). Two `syncline run` workers with ha.enabled (the database lock) sync the
 * demo catalog from the suite's own MariaDB to its own OpenSearch, and capture the same tables into a
 * topic of the suite's own Kafka; two more workers index that topic as one consumer group (the group is
 * their leadership) into a second set of indexes. A random workload runs while the suite kill -9s the
 * active worker of each pair (both at once) again and again, freezes the database-lock holder (SIGSTOP),
 * and restarts the search engine, the database and Kafka. Each fault waits first until both paths have
 * shipped (a probe row visible in both indexes), and each kill is checked to have landed. At the end
 * every index must equal the database by an independent oracle (test/helpers/oracle.ts renders the rows
 * from SQL): 0 missing, 0 extra, 0 stale.
 *
 * Short form (CI): SYNCLINE_CHAOS_MINUTES unset — 3 kills (of each pair), 1 freeze, 1 search, 1 database and
 * 1 Kafka restart, back to back. Long form: `./syncline chaos --minutes N` sets it — 20 kills, 2 freezes,
 * 3 search, 2 database and 2 Kafka restarts spread over N minutes, with a heavier workload.
 */
const MINUTES = Number(process.env.SYNCLINE_CHAOS_MINUTES ?? 0);
const LONG = MINUTES > 0;
const PLAN = LONG
  ? { kill: 20, freeze: 2, search: 3, database: 2, kafka: 2, perSecond: 120, products: 20_000, users: 5_000 }
  : { kill: 3, freeze: 1, search: 1, database: 1, kafka: 1, perSecond: 200, products: 1_000, users: 300 };
/** The Kafka path's indexes: the demo tables' names with this prefix. */
const K = 'k';
const TABLES = ['products', 'users', 'categories'] as const;
const RUN = Date.now().toString(36);
const TOPIC = `chaos-${RUN}.capture`;
const FAILOVER_LIMIT_MS = 5_000;
const dir = path.resolve('.data/chaos/run');
const own = new OwnStack();
let pool: mysql.Pool;
let search: SearchClient;
let workload: CatalogWorkload | undefined;
const workers: Worker[] = [];
/** The Kafka path's indexing pair: one consumer group, the group decides who is active. */
const kafkaWorkers: Worker[] = [];

interface Failover {
  fault: 'kill' | 'freeze';
  /** Fault → the standby holds the lock (a newer fencing token). */
  takeoverMs: number;
  /** Fault → a row written after the fault is in the index. */
  shippedMs: number;
}
const failovers: Failover[] = [];
/** kill -9 of the Kafka pair's active worker → the other one owns the partition / ships a probe. */
const kafkaFailovers: Array<{ takeoverMs: number; shippedMs: number }> = [];
const recoveries: Array<{ fault: string; ms: number }> = [];
const probeLatencies: number[] = [];
const kafkaProbeLatencies: number[] = [];
let probeSeq = 0;

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`chaos: ${what} not reached in ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The lock's current holder and token, from the leaders table (undefined before the first term). */
async function leaderRow(): Promise<{ holder: string; token: number } | undefined> {
  const [rows] = await pool.query('SELECT holder, token FROM syncline.leaders WHERE pipeline = ?', [
    'catalog',
  ]);
  const r = (rows as Array<{ holder: string; token: string }>)[0];
  return r && { holder: r.holder, token: Number(r.token) };
}

/**
 * Writes a new probe value; resolves when both paths show it (direct index and the Kafka path's index),
 * with the ms each took (the end-to-end lags).
 */
async function probe2(timeoutMs: number): Promise<{ direct: number; kafka: number }> {
  const value = `probe-${++probeSeq}`;
  const t0 = Date.now();
  await until('probe write', timeoutMs, async () => {
    await pool.query(`UPDATE ${DEMO_DB}.categories SET name = ? WHERE id = ?`, [value, PROBE_ID]);
    return true;
  });
  const seen: { direct?: number; kafka?: number } = {};
  const shows = async (index: string) => {
    const r = await search.request<{ _source?: { name?: string } }>('GET', `/${index}/_doc/${PROBE_ID}`);
    return r.body._source?.name === value;
  };
  await until(`probe ${value} in both indexes`, timeoutMs, async () => {
    if (seen.direct === undefined && (await shows('categories'))) seen.direct = Date.now() - t0;
    if (seen.kafka === undefined && (await shows(`${K}categories`))) seen.kafka = Date.now() - t0;
    return seen.direct !== undefined && seen.kafka !== undefined ? true : undefined;
  });
  probeLatencies.push(seen.direct!);
  kafkaProbeLatencies.push(seen.kafka!);
  return { direct: seen.direct!, kafka: seen.kafka! };
}

/** The direct path's lag of a new probe (the Kafka path's is recorded too). */
async function probe(timeoutMs: number): Promise<number> {
  return (await probe2(timeoutMs)).direct;
}

/** The Kafka pair's worker that owns the partition, once the other answers as standby naming it. */
async function activeKafkaWorker(timeoutMs = READY_MS): Promise<Worker> {
  return until('an active Kafka-path worker with a standby', timeoutMs, async () => {
    const views = await Promise.all(kafkaWorkers.map((w) => (w.alive ? w.ha() : undefined)));
    const i = views.findIndex((v) => v?.role === 'active');
    const active = kafkaWorkers[i];
    const other = views[1 - i];
    if (!active) return undefined;
    if (!kafkaWorkers[1 - i]!.alive) kafkaWorkers[1 - i]!.start();
    return other?.role === 'standby' && other.leader?.holder === active.id ? active : undefined;
  });
}

/** The worker that holds the lock, once it also answers as active and has shipped a probe. */
// Waits for readiness (not failover measurements): generous, a loaded host catches up slowly after a
// search-engine restart (145 s seen at load 17)
const READY_MS = 300_000;

async function activeWorker(timeoutMs = READY_MS): Promise<Worker> {
  const holder = await until('an active worker', timeoutMs, async () => {
    const row = await leaderRow();
    const w = workers.find((x) => x.id === row?.holder && x.alive);
    const view = await w?.ha();
    return view?.role === 'active' ? w : undefined;
  });
  await probe(timeoutMs);
  return holder;
}

/** Both workers run and the other one answers as standby naming the active one as leader. */
async function standbyReady(active: Worker): Promise<void> {
  const other = workers.find((w) => w !== active)!;
  if (!other.alive) other.start();
  // a restarted worker starts slowly on a loaded host (75 s seen at load 24): not part of the failover time
  await until(`${other.id} standby`, 180_000, async () => {
    const v = await other.ha();
    return v?.role === 'standby' && v.leader?.holder === active.id ? true : undefined;
  });
}

/** kill -9 or SIGSTOP of the active worker; measures the takeover and the first change shipped after it. */
async function failover(fault: 'kill' | 'freeze'): Promise<void> {
  const active = await activeWorker();
  await standbyReady(active);
  const kActive = fault === 'kill' ? await activeKafkaWorker() : undefined;
  const kStandby = kafkaWorkers.find((w) => w !== kActive);
  const before = (await leaderRow())!;
  const t0 = Date.now();
  if (fault === 'kill') {
    // both pairs' active workers at once; each kill checked to have landed
    const [a, k] = await Promise.all([active.kill(), kActive!.kill()]);
    expect([a, k]).toEqual(['SIGKILL', 'SIGKILL']);
  } else active.freeze();
  const kafkaTakeover = kActive
    ? until('Kafka-path takeover', 30_000, async () =>
        (await kStandby!.ha())?.role === 'active' ? Date.now() - t0 : undefined,
      )
    : undefined;
  const takeover = await until('takeover', 30_000, async () => {
    const row = await leaderRow();
    return row && row.token > before.token && row.holder !== active.id ? Date.now() - t0 : undefined;
  });
  const kTakeover = await kafkaTakeover;
  const lags = await probe2(120_000);
  const shipped = Date.now() - t0 - (Math.max(lags.direct, lags.kafka) - lags.direct);
  const kShipped = Date.now() - t0 - (Math.max(lags.direct, lags.kafka) - lags.kafka);
  failovers.push({ fault, takeoverMs: takeover, shippedMs: shipped });
  if (kTakeover !== undefined) kafkaFailovers.push({ takeoverMs: kTakeover, shippedMs: kShipped });
  console.log(
    `[chaos] ${fault} of ${active.id}: takeover ${takeover} ms, shipping again after ${shipped} ms${
      kActive
        ? `; kill of ${kActive.id}: Kafka-path takeover ${kTakeover} ms, shipping again ${kShipped} ms`
        : ''
    }`,
  );
  if (kActive) kActive.start();
  if (fault === 'freeze') {
    // the frozen worker wakes up deposed: it must step down to standby (its commits are fenced)
    active.thaw();
    const other = workers.find((w) => w !== active)!;
    await until(`${active.id} back as standby`, 30_000, async () => {
      const v = await active.ha();
      return v?.role === 'standby' && v.leader?.holder === other.id ? true : undefined;
    });
  } else active.start();
}

async function restart(name: OwnServer): Promise<void> {
  await activeWorker();
  await activeKafkaWorker();
  const t0 = Date.now();
  const { downMs } = await own.restart(name);
  await activeWorker();
  await activeKafkaWorker();
  recoveries.push({ fault: name, ms: Date.now() - t0 });
  console.log(
    `[chaos] ${name} restarted (${downMs} ms down+up); shipping again ${Date.now() - t0} ms after the stop`,
  );
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  await own.up();
  pool = own.rootPool();
  search = own.search();
  // a clean slate on the suite's own servers
  await pool.query(`DROP DATABASE IF EXISTS ${DEMO_DB}`);
  await pool.query('DROP DATABASE IF EXISTS syncline');
  await pool.query(`CREATE DATABASE ${DEMO_DB} CHARACTER SET utf8mb4`);
  for (const ddl of DEMO_SCHEMA)
    await pool.query(ddl.replace('CREATE TABLE IF NOT EXISTS ', `CREATE TABLE ${DEMO_DB}.`));
  for (const t of TABLES) {
    await search.request('DELETE', `/${t}_v1`).catch(() => {});
    await search.request('DELETE', `/${K}${t}_v1`).catch(() => {});
  }
  // one partition: exactly one member of the Kafka pair owns it (the active one)
  const admin = new Admin({ clientId: 'chaos-setup', bootstrapBrokers: [CHAOS_KAFKA_BROKER] });
  await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
  await admin.close();
  workload = new CatalogWorkload(pool, PLAN.perSecond);
  await workload.seed(PLAN.products, PLAN.users);
  const config = {
    stack: { manage: false },
    demo: false,
    mysql: { url: `${CHAOS_MYSQL_URL}${DEMO_DB}` },
    search: { url: CHAOS_SEARCH_URL },
    mappings: ['products', 'users', 'categories'].map((t) => ({ table: `${DEMO_DB}.${t}`, index: t })),
    kafka: { brokers: [CHAOS_KAFKA_BROKER] },
    pipelines: [
      { name: 'catalog', source: { type: 'mysql-binlog', tables: [`${DEMO_DB}.*`] } },
      // the same tables into one topic (one partition) for the Kafka pair: also fenced by the lock
      {
        name: 'capture',
        source: { type: 'mysql-binlog', tables: [`${DEMO_DB}.*`] },
        sink: { type: 'kafka', topicTemplate: TOPIC, partitions: 1, format: 'syncline' },
      },
    ],
    // a short backoff cap: after a search restart the pipeline resumes within 2 s, not up to 30 s
    sink: { batch: { lingerMs: 20 }, retry: { maxMs: 2000 } },
    server: { shutdownGraceMs: 3000 },
    logLevel: 'info',
  };
  writeFileSync(path.join(dir, 'README'), 'worker configs and logs of the last chaos run\n');
  // distinct replica ids: a frozen worker that wakes must not knock its successor's binlog dump off
  const on = (serverId: number, c: Record<string, unknown> & { mysql: object } = config) => ({
    ...c,
    mysql: { ...c.mysql, serverId },
  });
  workers.push(new Worker('worker-a', 18_931, dir, on(7001)), new Worker('worker-b', 18_932, dir, on(7101)));
  // the Kafka pair: a consumer group of two, no database lock (docs/ha.md#kafka-sourced-pipelines); a 3 s
  // session with 0.5 s heartbeats moves a killed member's partition in < 5 s
  const kafkaConfig = {
    ...config,
    mappings: TABLES.map((t) => ({ table: `${DEMO_DB}.${t}`, index: `${K}${t}` })),
    pipelines: [
      {
        name: 'kafka-index',
        source: {
          type: 'kafka',
          topics: [TOPIC],
          groupId: `chaos-index-${RUN}`,
          format: 'syncline',
          maxWaitMs: 100,
          commitIntervalMs: 500,
          sessionTimeoutMs: 3000,
          heartbeatIntervalMs: 500,
          rebalanceTimeoutMs: 10_000,
          topicRefreshMs: 2000,
        },
      },
    ],
  };
  kafkaWorkers.push(
    new Worker('worker-c', 18_933, dir, on(7201, kafkaConfig)),
    new Worker('worker-d', 18_934, dir, on(7301, kafkaConfig)),
  );
}, 300_000);

afterAll(async () => {
  await workload?.stop();
  for (const w of [...workers, ...kafkaWorkers]) await w.stop();
  await pool?.end();
  await search?.close();
  // the suite's own servers cost a JVM and a mysqld: stopped unless SYNCLINE_CHAOS_KEEP=1 (faster re-runs)
  if (process.env.SYNCLINE_CHAOS_KEEP !== '1') await own.down();
}, 60_000);

describe('chaos: two workers, kill -9 / freeze of the active one, search and database restarts', () => {
  it(
    'loses nothing: the index equals the database, failovers under 5 s',
    async () => {
      const t0 = Date.now();
      workers[0]!.start();
      kafkaWorkers[0]!.start();
      await activeWorker(); // worker-a took the lock and shipped (both paths)
      await standbyReady(workers[0]!);
      await activeKafkaWorker(); // worker-c owns the partition, worker-d waits as standby
      workload!.start();

      const faults: Array<'kill' | 'freeze' | OwnServer> = [
        ...Array<'kill'>(PLAN.kill).fill('kill'),
        ...Array<'freeze'>(PLAN.freeze).fill('freeze'),
        ...Array<'opensearch'>(PLAN.search).fill('opensearch'),
        ...Array<'mariadb'>(PLAN.database).fill('mariadb'),
        ...Array<'kafka'>(PLAN.kafka).fill('kafka'),
      ];
      // deterministic spread: restarts between the kills, not all at the end
      faults.sort((a, b) => (a === 'kill' ? 1 : 0) - (b === 'kill' ? 1 : 0));
      const order = interleave(faults);
      const spacing = LONG ? (MINUTES * 60_000) / order.length : 0;
      for (const [i, f] of order.entries()) {
        const due = t0 + i * spacing;
        while (Date.now() < due) await probe(READY_MS).then(() => sleep(1000));
        if (f === 'kill' || f === 'freeze') await failover(f);
        else await restart(f);
      }
      await workload!.stop();
      await activeWorker();
      await activeKafkaWorker();

      // the oracle: rows rendered from SQL by the test's own code, against both paths' indexes
      const diffs: Record<string, ReturnType<typeof clean>> = {};
      for (const table of TABLES)
        for (const index of [table, `${K}${table}`]) {
          const mapping = { database: DEMO_DB, table, config: {} };
          let d = await diffTableAndIndex(pool, mapping, search, index);
          const deadline = Date.now() + 120_000;
          while ((d.missing.length || d.extra.length || d.stale.length) && Date.now() < deadline) {
            await sleep(500);
            d = await diffTableAndIndex(pool, mapping, search, index);
          }
          if (d.missing.length || d.extra.length || d.stale.length)
            console.warn(`[chaos] ${index}: ${summarize(d)}`);
          diffs[index] = clean(d);
        }
      const kTakeovers = kafkaFailovers.map((f) => f.takeoverMs);
      const kShipped = kafkaFailovers.map((f) => f.shippedMs);
      const takeovers = failovers.map((f) => f.takeoverMs);
      const shipped = failovers.map((f) => f.shippedMs);
      const report = {
        minutes: Math.round((Date.now() - t0) / 600) / 100,
        changes: workload!.changes,
        faults: {
          kills: failovers.filter((f) => f.fault === 'kill').length,
          freezes: failovers.filter((f) => f.fault === 'freeze').length,
          restarts: recoveries.map((r) => `${r.fault} ${r.ms} ms`),
        },
        takeoverMs: { p50: pct(takeovers, 50), max: Math.max(...takeovers) },
        shippingAgainMs: { p50: pct(shipped, 50), max: Math.max(...shipped) },
        lagMs: {
          p50: pct(probeLatencies, 50),
          peak: Math.max(...probeLatencies),
          probes: probeLatencies.length,
        },
        kafkaPath: {
          kills: kafkaFailovers.length,
          takeoverMs: { p50: pct(kTakeovers, 50), max: Math.max(...kTakeovers) },
          shippingAgainMs: { p50: pct(kShipped, 50), max: Math.max(...kShipped) },
          lagMs: { p50: pct(kafkaProbeLatencies, 50), peak: Math.max(...kafkaProbeLatencies) },
        },
        fencedCommits: [...workers, ...kafkaWorkers].reduce((n, w) => n + w.fencedCommits(), 0),
        diffs,
      };
      console.log(`[chaos] report ${JSON.stringify(report)}`);
      writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

      for (const d of Object.values(diffs)) expect(d).toEqual({ missing: 0, extra: 0, stale: 0 });
      expect(Math.max(...takeovers)).toBeLessThanOrEqual(FAILOVER_LIMIT_MS);
      expect(kafkaFailovers.length).toBe(PLAN.kill);
      expect(Math.max(...kTakeovers)).toBeLessThanOrEqual(FAILOVER_LIMIT_MS);
      expect([...workers, ...kafkaWorkers].flatMap((w) => w.unexpectedExits)).toEqual([]);
    },
    // faults wait for readiness first: on a loaded host the schedule overruns (19 min for a 10-minute run)
    LONG ? MINUTES * 120_000 + 600_000 : 900_000,
  );
});

const clean = (d: { missing: unknown[]; extra: unknown[]; stale: unknown[] }) => ({
  missing: d.missing.length,
  extra: d.extra.length,
  stale: d.stale.length,
});

/** Spreads the rarer faults evenly among the kills. */
function interleave<T>(sorted: T[]): T[] {
  const kills = sorted.filter((f) => f === 'kill');
  const others = sorted.filter((f) => f !== 'kill');
  const out: T[] = [];
  const every = Math.max(1, Math.floor(kills.length / (others.length + 1)));
  let k = 0;
  for (const o of others) {
    out.push(...kills.slice(k, k + every));
    k += every;
    out.push(o);
  }
  out.push(...kills.slice(k));
  return out;
}
