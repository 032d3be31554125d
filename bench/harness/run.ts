import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BacklogResult, measureBacklog } from './backlog.js';
import {
  type C1Result,
  type C2Result,
  cloneSynclineIndex,
  measureC1,
  measureC1Mixed,
  measureC2,
  measureC3,
} from './ceilings.js';
import { type BenchContext, createContext } from './context.js';
import { createSchema, dropSchema, loadRows, mixedChanges, SENTINEL_ID, type Workload } from './dataset.js';
import { type DebeziumRun, debeziumPeer, prepareDebezium, runDebezium } from './debezium.js';
import { type DecodeResult, measureDecode } from './decode.js';
import { type FanOutResult, measureFanOut } from './fanout.js';
import { type FlinkRun, prepareFlink, runFlinkSnapshot, runFlinkStreaming } from './flink.js';
import { type FreshnessLevel, measureFreshness } from './freshness.js';
import { type KafkaPathResult, measureKafkaPath } from './kafka.js';
import { describeMachine, type Machine } from './machine.js';
import { newestProfile, type ProfileSummary, summarizeProfile } from './profile-summary.js';
import { type Figure, type Results, ratio, type Target, writeResults } from './report.js';
import { deleteIndex, deleteRunIndexes, getSource, pollUntil } from './search-helpers.js';
import { FRESHNESS_LOADS, type Mode, REFRESH_INTERVAL_MS, type Sizes, TARGETS } from './sizes.js';
import { removeStaleRuns } from './stale-runs.js';
import { SyncProcess } from './sync-process.js';
import { measureSnapshot, measureStreaming, type PhaseResult } from './syncline-runs.js';

export interface RunOptions {
  mode: Mode;
  sizes: Sizes;
  repoRoot: string;
  outDir: string;
  profile: boolean;
  debezium: boolean;
  /** The complete peer: Flink CDC → OpenSearch at parallelism 1 and 2 (engines/flink-cdc). */
  flink: boolean;
  keep: boolean;
  command: string;
  /** Worker config overrides (`--set sink.concurrency=4`), for before/after experiments. */
  overrides: Record<string, unknown>;
  /** Node flags of the Syncline worker process only (`--worker-node-options`). */
  workerNodeOptions: string[];
  /** How often the freshness prober searches (`--probe-ms`; default 10). */
  probeMs?: number;
  placement: Results['placement'];
}

type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

/** Every measurement of one run, in an order where each builds on the state the previous one left. */
export async function runBench(
  o: RunOptions,
): Promise<{ files: { md: string; json: string }; tmpDir: string }> {
  const ctx = createContext({
    mode: o.mode,
    sizes: o.sizes,
    repoRoot: o.repoRoot,
    profile: o.profile,
    overrides: o.overrides,
    workerNodeOptions: o.workerNodeOptions,
  });
  const t0 = Date.now();
  const s = o.sizes;
  const profDir = (name: string) => {
    if (!o.profile) return undefined;
    const d = path.join(ctx.tmpDir, 'profiles', name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<Outcome<T>> => {
    ctx.log(`${what}…`);
    try {
      const value = await fn();
      return { ok: true, value };
    } catch (e) {
      // One line for the results table; the scratch logs keep the rest.
      const why = ((e as Error)?.message ?? String(e)).split('\n')[0]!.slice(0, 400);
      ctx.note(`${what} failed: ${why}`);
      return { ok: false, why };
    }
  };

  let machine: Machine | null = null;
  let avgRowBytes: number | undefined;
  const liveIds: number[] = [];
  let nextId = s.rows + 1;
  const newId = () => nextId++;
  let c1: Outcome<C1Result> | undefined;
  // C1 again at its best concurrency right before and after each Syncline phase: the machine's load
  // drifts, so each phase is compared with the ceiling measured next to it.
  const c1Near: { snapshot: number[]; streaming: number[] } = { snapshot: [], streaming: [] };
  const c1Again = async (what: string, into: number[][]) => {
    if (!c1?.ok) return;
    const again = await attempt(`C1 again (${what})`, () =>
      measureC1(ctx, Math.min(s.c1Docs, s.rows), [c1!.ok ? c1!.value.bestConcurrency : 2]),
    );
    if (again.ok) for (const list of into) list.push(again.value.best);
  };
  let c2: Outcome<C2Result> | undefined;
  let c1Mixed: Outcome<{ opsPerSec: number; ops: number }> | undefined;
  let c3: Outcome<{ rowsPerSec: number; rows: number }> | undefined;
  let snapshot: Outcome<PhaseResult> | undefined;
  let streaming: Outcome<PhaseResult> | undefined;
  let decode: Outcome<DecodeResult> | undefined;
  let mapEncode: Outcome<DecodeResult> | undefined;
  let workload: Outcome<Workload> | undefined;
  const freshness: FreshnessLevel[] = [];
  let freshnessFailure: string | undefined;
  let backlog: Outcome<BacklogResult> | undefined;
  let kafka: Outcome<KafkaPathResult> | undefined;
  let fanout: Outcome<FanOutResult> | undefined;
  let dbzSnapshot: Outcome<DebeziumRun> | undefined;
  let dbzStreaming: Outcome<DebeziumRun> | undefined;
  const flinkRuns: FlinkRuns = { snapshot: {}, streaming: {} };
  let flinkDir: string | undefined;
  const profiles: ProfileSummary[] = [];

  try {
    ctx.log(`database ${ctx.db}, index ${ctx.index}, mode ${o.mode}`);
    const stale = await removeStaleRuns(ctx).catch((e: unknown) => {
      ctx.note(`removing stale bench_* of killed runs failed: ${(e as Error).message}`);
      return [];
    });
    if (stale.length > 0)
      ctx.log(`removed ${stale.length} database(s)/index(es) left by killed runs: ${stale.join(', ')}`);
    await createSchema(ctx);
    machine = await describeMachine(ctx);
    const loaded = await loadRows(ctx, s.rows);
    avgRowBytes = loaded.avgRowBytes;
    for (let id = 1; id <= s.rows; id++) liveIds.push(id);
    ctx.log(`${s.rows} rows loaded in ${loaded.seconds.toFixed(1)} s (~${avgRowBytes} bytes/row)`);

    c3 = await attempt('C3 SELECT stream', () => measureC3(ctx));
    c1 = await attempt('C1 raw _bulk', () => measureC1(ctx, Math.min(s.c1Docs, s.rows)));
    if (c1.ok) c1Near.snapshot.push(c1.value.best);
    snapshot = await attempt('Syncline snapshot', () => measureSnapshot(ctx, s.rows, profDir('snapshot')));
    logPhase(ctx, 'snapshot', snapshot, 'docs/s');
    await c1Again('after the snapshot', [c1Near.snapshot]);
    const clone = `${ctx.db}_c1m`;
    const cloned = snapshot.ok
      ? await attempt('clone of the post-snapshot index (for C1-mixed)', () => cloneSynclineIndex(ctx, clone))
      : undefined;

    let dbzDir: string | undefined;
    if (o.debezium && o.mode === 'dry') {
      dbzSnapshot = dbzStreaming = {
        ok: false,
        why: 'skipped in --dry: each Debezium run costs 15–25 s of JVM and engine start-up here; --quick and the full run include it',
      };
    } else if (o.debezium) {
      const prepared = await attempt(`Debezium prepare (engines/${debeziumPeer().engineDir})`, () =>
        prepareDebezium(ctx),
      );
      if (prepared.ok) dbzDir = prepared.value;
      else dbzSnapshot = dbzStreaming = prepared;
      if (dbzDir) {
        const dir = dbzDir;
        dbzSnapshot = await attempt('Debezium snapshot', () => runDebezium(ctx, dir, 'snapshot', s.rows));
      }
    }

    if (o.flink && o.mode === 'dry') {
      for (const p of FLINK_PARALLELISM)
        flinkRuns.snapshot[p] = flinkRuns.streaming[p] = {
          ok: false,
          why: 'skipped in --dry: each Flink run costs 20–40 s of JVM and mini-cluster start-up here; --quick and the full run include it',
        };
    } else if (o.flink) {
      const prepared = await attempt('Flink CDC prepare (engines/flink-cdc)', () => prepareFlink(ctx));
      if (prepared.ok) flinkDir = prepared.value;
      for (const p of FLINK_PARALLELISM) {
        const dir = flinkDir;
        flinkRuns.snapshot[p] = dir
          ? await attempt(`Flink CDC snapshot (parallelism ${p})`, () =>
              runFlinkSnapshot(ctx, dir, p, s.rows),
            )
          : { ok: false, why: prepared.ok ? 'not prepared' : prepared.why };
      }
    }

    workload = await attempt('mixed-change workload', () =>
      mixedChanges(ctx, {
        changes: s.changes,
        perTx: s.changesPerTransaction,
        firstNewId: nextId,
        liveIds,
      }),
    );
    if (workload.ok) {
      const w = workload.value;
      nextId = w.maxId + 1;
      ctx.log(
        `${w.events} changes written in ${w.seconds.toFixed(1)} s (${w.from.file}:${w.from.pos} → ${w.to.file}:${w.to.pos})`,
      );
      c2 = await attempt('C2 raw binlog read', () => measureC2(ctx, w));
      decode = await attempt('binlog decode alone', () => measureDecode(ctx, w, 'decode', profDir('decode')));
      const dumpFile = path.join(ctx.tmpDir, 'mixed-ops.bin');
      mapEncode = await attempt('decode + map + encode', () =>
        measureDecode(ctx, w, 'map', profDir('map'), { file: dumpFile, ops: Math.min(s.c1Docs, w.events) }),
      );
      if (cloned?.ok && mapEncode.ok && c1?.ok) {
        const conc = c1.value.bestConcurrency;
        c1Mixed = await attempt('C1-mixed raw _bulk of the workload', () =>
          measureC1Mixed(ctx, dumpFile, clone, conc),
        );
        await deleteIndex(ctx, clone);
      } else c1Mixed = { ok: false, why: 'needs the snapshot index clone, the encoded workload and C1' };
      if (snapshot.ok) {
        await c1Again('before streaming', [c1Near.streaming]);
        streaming = await attempt('Syncline streaming', () => measureStreaming(ctx, w, profDir('streaming')));
        logPhase(ctx, 'streaming', streaming, 'events/s');
        await c1Again('after streaming', [c1Near.streaming]);
      }
      if (dbzDir && dbzSnapshot?.ok) {
        const dir = dbzDir;
        dbzStreaming = await attempt('Debezium streaming', () =>
          runDebezium(ctx, dir, 'streaming', w.events),
        );
      } else if (dbzSnapshot && !dbzSnapshot.ok && !dbzStreaming) {
        dbzStreaming = { ok: false, why: `the Debezium snapshot run failed first: ${dbzSnapshot.why}` };
      }
      for (const p of FLINK_PARALLELISM) {
        const snap = flinkRuns.snapshot[p];
        const dir = flinkDir;
        if (dir && snap?.ok)
          flinkRuns.streaming[p] = await attempt(`Flink CDC streaming (parallelism ${p})`, () =>
            runFlinkStreaming(ctx, dir, p, w, SENTINEL_ID),
          );
        else if (snap && !snap.ok && !flinkRuns.streaming[p])
          flinkRuns.streaming[p] = { ok: false, why: `the Flink snapshot run failed first: ${snap.why}` };
      }
    }

    if (streaming?.ok) {
      const sustained = streaming.value.rate;
      const worker = SyncProcess.start(ctx, 'live');
      try {
        await worker.waitForLog(/starting from/, 120_000);
        if (workload?.ok) {
          const marker = workload.value.endMarker;
          await pollUntil(
            'the live worker to be caught up',
            async () =>
              Number((await getSource(ctx, ctx.index, 1))?.bench_seq) === marker ? true : undefined,
            { timeoutMs: 120_000 },
          );
        }
        for (const load of FRESHNESS_LOADS) {
          const level = await attempt(`freshness at ${load * 100}% (${Math.round(sustained * load)}/s)`, () =>
            measureFreshness(ctx, {
              rate: sustained * load,
              loadPct: load,
              seconds: s.freshnessSeconds,
              liveIds,
              nextId: newId,
              probeMs: o.probeMs ?? 10,
            }),
          );
          if (level.ok) freshness.push(level.value);
          else freshnessFailure = level.why;
        }
        backlog = await attempt(`backlog (sink blocked ${s.blockSeconds} s at 50% load)`, () =>
          measureBacklog(ctx, worker, {
            rate: sustained * 0.5,
            blockSeconds: s.blockSeconds,
            liveIds,
            nextId: newId,
          }),
        );
      } finally {
        await worker.stop();
      }
    } else {
      freshnessFailure = 'needs the streaming rate, which was not measured';
    }

    kafka =
      o.mode === 'dry'
        ? {
            ok: false,
            why: 'skipped in --dry: the Kafka path is its own ~1 minute run (bench/kafka-path.ts)',
          }
        : await attempt('Kafka path vs direct (bench/kafka-path.ts)', () => measureKafkaPath(ctx));

    fanout =
      o.mode === 'dry'
        ? { ok: false, why: 'skipped in --dry: the fan-out is its own run (bench/relations-fanout.ts)' }
        : await attempt('relations fan-out (bench/relations-fanout.ts)', () => measureFanOut(ctx));

    if (o.profile) {
      for (const name of ['snapshot', 'streaming', 'decode', 'map']) {
        const f = newestProfile(path.join(ctx.tmpDir, 'profiles', name));
        if (f) profiles.push(summarizeProfile(f, name));
      }
    }
  } finally {
    if (!o.keep) {
      await dropSchema(ctx).catch((e) => ctx.note(`cleanup of ${ctx.db}: ${(e as Error).message}`));
      await deleteRunIndexes(ctx).catch((e) =>
        ctx.note(`cleanup of ${ctx.db}_* indexes: ${(e as Error).message}`),
      );
    }
    await ctx.close();
  }

  const figures = buildFigures({
    c1,
    c1Near,
    c1Mixed,
    c2,
    c3,
    snapshot,
    streaming,
    decode,
    mapEncode,
    freshness,
    freshnessFailure,
    backlog,
    dbzSnapshot,
    dbzStreaming,
    debeziumSkipped: !o.debezium,
    flink: flinkRuns,
    flinkSkipped: !o.flink,
    kafka,
    fanout,
    workload,
  });
  const results: Results = {
    date: new Date(t0).toISOString(),
    mode: o.mode,
    command: o.command,
    seconds: Math.round((Date.now() - t0) / 1000),
    placement: o.placement,
    machine,
    sizes: {
      ...s,
      ...(avgRowBytes !== undefined && { avgRowBytes }),
      ...(c1?.ok && { avgDocBytes: Math.round(c1.value.avgDocBytes) }),
    },
    figures,
    freshness,
    targets: buildTargets(figures, freshness),
    profiles,
    notes: ctx.notes,
  };
  const files = writeResults(o.outDir, results);
  ctx.log(`results: ${files.md}`);
  return { files, tmpDir: ctx.tmpDir };
}

interface Measured {
  c1: Outcome<C1Result> | undefined;
  c1Near: { snapshot: number[]; streaming: number[] };
  c1Mixed: Outcome<{ opsPerSec: number; ops: number }> | undefined;
  c2: Outcome<C2Result> | undefined;
  c3: Outcome<{ rowsPerSec: number; rows: number }> | undefined;
  snapshot: Outcome<PhaseResult> | undefined;
  streaming: Outcome<PhaseResult> | undefined;
  decode: Outcome<DecodeResult> | undefined;
  mapEncode: Outcome<DecodeResult> | undefined;
  freshness: FreshnessLevel[];
  freshnessFailure: string | undefined;
  backlog: Outcome<BacklogResult> | undefined;
  dbzSnapshot: Outcome<DebeziumRun> | undefined;
  dbzStreaming: Outcome<DebeziumRun> | undefined;
  debeziumSkipped: boolean;
  flink: FlinkRuns;
  flinkSkipped: boolean;
  kafka: Outcome<KafkaPathResult> | undefined;
  fanout: Outcome<FanOutResult> | undefined;
  workload: Outcome<Workload> | undefined;
}

const FLINK_PARALLELISM = [1, 2] as const;
interface FlinkRuns {
  snapshot: Partial<Record<number, Outcome<FlinkRun>>>;
  streaming: Partial<Record<number, Outcome<FlinkRun>>>;
}

const val = <T>(x: Outcome<T> | undefined): T | undefined => (x?.ok ? x.value : undefined);
const whyNot = (x: Outcome<unknown> | undefined, fallback: string): string => (x && !x.ok ? x.why : fallback);

function figure(
  id: string,
  label: string,
  unit: string,
  value: number | undefined,
  ratios: Array<[string, number | null]>,
  unavailable: string,
  note?: string,
): Figure {
  const ok = value !== undefined && Number.isFinite(value);
  return {
    id,
    label,
    value: ok ? value : null,
    unit,
    ratios: ratios.map(([to, v]) => ({ to, value: ok ? v : null })),
    ...(note && ok && { note }),
    ...(!ok && { unavailable }),
  };
}

function buildFigures(m: Measured): Figure[] {
  const c1 = val(m.c1);
  const c2 = val(m.c2);
  const c3 = val(m.c3);
  const snap = val(m.snapshot);
  const str = val(m.streaming);
  const dec = val(m.decode);
  const map = val(m.mapEncode);
  const bl = val(m.backlog);
  const ds = val(m.dbzSnapshot);
  const dst = val(m.dbzStreaming);
  const c1Best = c1?.best;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : c1Best);
  const c1Snapshot = mean(m.c1Near.snapshot);
  const c1Streaming = mean(m.c1Near.streaming);
  const notRun = 'not run';
  const f: Figure[] = [];
  f.push(
    figure(
      'c1.bulk',
      'C1 raw `_bulk` (best of 1/2/4)',
      'docs/s',
      c1Best,
      [],
      whyNot(m.c1, notRun),
      c1
        ? `best at ${c1.bestConcurrency} in flight, ${c1.docs} docs per level; the phases are compared with C1 measured next to them: ${Math.round(c1Snapshot ?? 0)} around the snapshot (${m.c1Near.snapshot.map(Math.round).join(', ')}), ${Math.round(c1Streaming ?? 0)} around streaming (${m.c1Near.streaming.map(Math.round).join(', ')})`
        : undefined,
    ),
  );
  for (const k of ['1', '2', '4'])
    f.push(
      figure(
        `c1.bulk.${k}`,
        `C1 raw \`_bulk\`, ${k} in flight`,
        'docs/s',
        c1?.byConcurrency[k],
        [['C1', ratio(c1?.byConcurrency[k], c1Best)]],
        whyNot(m.c1, notRun),
      ),
    );
  const c1m = val(m.c1Mixed);
  f.push(
    figure(
      'c1.bulk-mixed',
      'C1-mixed raw `_bulk` of the streaming workload',
      'ops/s',
      c1m?.opsPerSec,
      [['C1', ratio(c1m?.opsPerSec, c1Streaming)]],
      whyNot(m.c1Mixed, notRun),
      c1m
        ? `the workload's first ${c1m.ops} ops as Syncline encodes them (updates, inserts, deletes) into a clone of the post-snapshot index, ${c1?.bestConcurrency} in flight`
        : undefined,
    ),
  );
  f.push(
    figure(
      'c2.binlog-read',
      'C2 raw binlog read (mariadb-binlog)',
      'events/s',
      c2?.eventsPerSec,
      [],
      whyNot(m.c2, whyNot(m.workload, notRun)),
      c2
        ? `${(c2.bytes / 1e6).toFixed(1)} MB in ${c2.seconds.toFixed(2)} s = ${c2.mbPerSec.toFixed(0)} MB/s`
        : undefined,
    ),
  );
  f.push(
    figure('c3.select', 'C3 raw SELECT stream (mysql2)', 'rows/s', c3?.rowsPerSec, [], whyNot(m.c3, notRun)),
  );
  f.push(
    figure(
      'snapshot',
      'Syncline snapshot',
      'docs/s',
      snap?.rate,
      [
        ['C1', ratio(snap?.rate, c1Snapshot)],
        ['C3', ratio(snap?.rate, c3?.rowsPerSec)],
        ['Debezium snapshot', ratio(snap?.rate, ds?.rate)],
        ['Flink CDC p1 snapshot', ratio(snap?.rate, val(m.flink.snapshot[1])?.rate)],
        ['Flink CDC p2 snapshot', ratio(snap?.rate, val(m.flink.snapshot[2])?.rate)],
      ],
      whyNot(m.snapshot, notRun),
      snap ? `${snap.seconds.toFixed(1)} s; index holds ${snap.indexed} of ${snap.expected}` : undefined,
    ),
  );
  f.push(
    figure(
      'snapshot.rss',
      'Syncline peak RSS during the snapshot',
      'MB',
      snap?.peakRssMb,
      [['256 MB', ratio(snap?.peakRssMb, TARGETS.backlogRssMb)]],
      whyNot(m.snapshot, notRun),
    ),
  );
  f.push(
    figure(
      'snapshot.cpu',
      'Syncline worker CPU per snapshot row (user + sys)',
      'µs',
      snap?.cpuUsPerEvent,
      [['12 µs', ratio(snap?.cpuUsPerEvent, TARGETS.snapshotCpuUs)]],
      whyNot(m.snapshot, notRun),
    ),
  );
  f.push(
    figure(
      'streaming',
      'Syncline streaming (mixed changes)',
      'events/s',
      str?.rate,
      [
        ['C1', ratio(str?.rate, c1Streaming)],
        ['C1-mixed', ratio(str?.rate, c1m?.opsPerSec)],
        ['C2', ratio(str?.rate, c2?.eventsPerSec)],
        ['Debezium streaming', ratio(str?.rate, dst?.rate)],
        ['Flink CDC p1 streaming', ratio(str?.rate, val(m.flink.streaming[1])?.rate)],
        ['Flink CDC p2 streaming', ratio(str?.rate, val(m.flink.streaming[2])?.rate)],
      ],
      whyNot(m.streaming, whyNot(m.workload, notRun)),
      str ? `${str.seconds.toFixed(1)} s; index holds ${str.indexed} of ${str.expected}` : undefined,
    ),
  );
  f.push(
    figure(
      'streaming.rss',
      'Syncline peak RSS while streaming',
      'MB',
      str?.peakRssMb,
      [['256 MB', ratio(str?.peakRssMb, TARGETS.backlogRssMb)]],
      whyNot(m.streaming, notRun),
    ),
  );
  f.push(
    figure(
      'streaming.cpu',
      'Syncline worker CPU per streamed change (user + sys)',
      'µs',
      str?.cpuUsPerEvent,
      [['15 µs', ratio(str?.cpuUsPerEvent, TARGETS.streamingCpuUs)]],
      whyNot(m.streaming, notRun),
    ),
  );
  f.push(
    figure(
      'decode',
      'Binlog decode alone (BinlogSource, no sink)',
      'events/s',
      dec?.eventsPerSec,
      [
        ['C2', ratio(dec?.eventsPerSec, c2?.eventsPerSec)],
        ['streaming', ratio(dec?.eventsPerSec, str?.rate)],
        ['Debezium streaming', ratio(dec?.eventsPerSec, dst?.rate)],
      ],
      whyNot(m.decode, whyNot(m.workload, notRun)),
    ),
  );
  f.push(
    figure(
      'decode.map-encode',
      'Decode + mapping + `_bulk` encoding (no HTTP)',
      'events/s',
      map?.eventsPerSec,
      [
        ['C2', ratio(map?.eventsPerSec, c2?.eventsPerSec)],
        ['decode', ratio(map?.eventsPerSec, dec?.eventsPerSec)],
      ],
      whyNot(m.mapEncode, whyNot(m.workload, notRun)),
    ),
  );
  for (const load of FRESHNESS_LOADS) {
    const pct = Math.round(load * 100);
    const l = m.freshness.find((x) => x.loadPct === load);
    const why = m.freshnessFailure ?? 'not run';
    for (const [q, key, label] of [
      ['p50', 'p50', 'p50'],
      ['p99', 'p99', 'p99'],
      ['p999', 'p999', 'p99.9'],
    ] as const) {
      f.push(
        figure(
          `freshness.${pct}.${q}`,
          `Freshness at ${pct}% load, ${label}`,
          'ms',
          l?.[key],
          [['refresh + 300 ms', ratio(l?.[key], TARGETS.freshnessP99AtHalfLoadMs)]],
          why,
          l && q === 'p50' ? `${l.samples} probes at ${Math.round(l.achievedRate)}/s` : undefined,
        ),
      );
    }
  }
  f.push(
    figure(
      'backlog.rss',
      'Peak RSS, sink blocked under 50% load',
      'MB',
      bl?.peakRssMb,
      [['256 MB', ratio(bl?.peakRssMb, TARGETS.backlogRssMb)]],
      whyNot(m.backlog, 'needs the streaming rate'),
      bl
        ? `${bl.blockSeconds} s blocked, ${bl.backlogEvents} events piled up; RSS before ${bl.rssBeforeMb.toFixed(0)} MB`
        : undefined,
    ),
  );
  f.push(
    figure(
      'backlog.catch-up',
      'Catch-up after the block',
      'events/s',
      bl?.catchUpRate,
      [
        ['C1', ratio(bl?.catchUpRate, c1Streaming)],
        ['streaming', ratio(bl?.catchUpRate, str?.rate)],
      ],
      whyNot(m.backlog, 'needs the streaming rate'),
      bl
        ? `first write ${(bl.firstProgressMs / 1000).toFixed(1)} s after unblock (retry backoff), drained ${bl.catchUpSeconds.toFixed(1)} s after unblock`
        : undefined,
    ),
  );
  const kp = val(m.kafka);
  const kafkaWhy = whyNot(m.kafka, 'not run');
  f.push(
    figure(
      'kafka.throughput',
      'Kafka path throughput (binlog → Kafka → index)',
      'events/s',
      kp?.kafkaEventsPerSec,
      [['direct', kp ? kp.throughputRatio : null]],
      kafkaWhy,
      kp
        ? `direct path ${Math.round(kp.directEventsPerSec)} events/s in the same child run: ${kp.command}`
        : undefined,
    ),
  );
  f.push(
    figure(
      'kafka.latency',
      'Kafka path added latency, p50 (commit → acknowledged)',
      'ms',
      kp?.addedP50Ms,
      [['direct p50', kp ? ratio(kp.kafkaP50Ms, kp.directP50Ms) : null]],
      kafkaWhy,
      kp
        ? `p99 added ${Math.round(kp.addedP99Ms)} ms; direct p50 ${Math.round(kp.directP50Ms)} ms`
        : undefined,
    ),
  );
  const fo = val(m.fanout);
  const fanoutWhy = whyNot(m.fanout, 'not run');
  f.push(
    figure(
      'relations.fanout',
      'Category rename fanning out to its products (built documents rebuilt)',
      'docs/s',
      fo?.docsPerSec,
      [
        ['C1', ratio(fo?.docsPerSec, c1Best)],
        ['C1 same docs', ratio(fo?.docsPerSec, fo?.c1DocsPerSec)],
      ],
      fanoutWhy,
      fo
        ? `${fo.products} products in ${fo.seconds.toFixed(1)} s; raw _bulk of the same documents ${Math.round(fo.c1DocsPerSec)} docs/s in the same child run: ${fo.command}`
        : undefined,
    ),
  );
  f.push(
    figure(
      'relations.fanout-freshness',
      'Unrelated change during the fan-out, commit → searchable',
      'ms',
      fo?.unrelatedMs,
      [],
      fanoutWhy,
    ),
  );
  const dbzWhy = (x: Outcome<unknown> | undefined) =>
    m.debeziumSkipped ? 'skipped (--no-debezium)' : whyNot(x, 'not run');
  f.push(
    figure(
      'debezium.snapshot',
      'Debezium snapshot (embedded, no-op consumer)',
      'rows/s',
      ds?.rate,
      [['Syncline snapshot', ratio(ds?.rate, snap?.rate)]],
      dbzWhy(m.dbzSnapshot),
      ds
        ? `first→last record ${(ds.firstToLastMs / 1000).toFixed(1)} s; engine start→last ${(ds.engineToLastMs / 1000).toFixed(1)} s; JVM start ${(ds.startupMs / 1000).toFixed(1)} s`
        : undefined,
    ),
  );
  f.push(
    figure(
      'debezium.streaming',
      'Debezium streaming (embedded, no-op consumer)',
      'events/s',
      dst?.rate,
      [
        ['Syncline streaming', ratio(dst?.rate, str?.rate)],
        ['Syncline decode', ratio(dst?.rate, dec?.eventsPerSec)],
      ],
      dbzWhy(m.dbzStreaming),
      dst
        ? `first→last record ${(dst.firstToLastMs / 1000).toFixed(1)} s; engine start→last ${(dst.engineToLastMs / 1000).toFixed(1)} s`
        : undefined,
    ),
  );
  f.push(...flinkFigures(m, snap, str));
  return f;
}

/** The complete peer's rows: rate, CPU per event and RSS of each phase and parallelism, next to Syncline's. */
function flinkFigures(m: Measured, snap: PhaseResult | undefined, str: PhaseResult | undefined): Figure[] {
  const why = (x: Outcome<unknown> | undefined) =>
    m.flinkSkipped ? 'skipped (--no-flink)' : whyNot(x, 'not run');
  const f: Figure[] = [];
  for (const phase of ['snapshot', 'streaming'] as const) {
    const ours = phase === 'snapshot' ? snap : str;
    const unit = phase === 'snapshot' ? 'docs/s' : 'events/s';
    for (const p of FLINK_PARALLELISM) {
      const outcome = m.flink[phase][p];
      const r = val(outcome);
      f.push(
        figure(
          `flink.${phase}.p${p}`,
          `Flink CDC → OpenSearch ${phase === 'snapshot' ? 'snapshot' : 'streaming (backlog drain)'}, parallelism ${p}`,
          unit,
          r?.rate,
          [[`Syncline ${phase}`, ratio(r?.rate, ours?.rate)]],
          why(outcome),
          r
            ? `${r.seconds.toFixed(1)} s from job submission; JVM start→submission ${(r.startupMs / 1000).toFixed(1)} s; CPU ${r.cpuSeconds.toFixed(1)} s`
            : undefined,
        ),
        figure(
          `flink.${phase}.p${p}.cpu`,
          `Flink CDC JVM CPU per ${phase === 'snapshot' ? 'row' : 'change'}, parallelism ${p}`,
          'µs',
          r?.cpuUsPerEvent,
          [[`Syncline worker`, ratio(r?.cpuUsPerEvent, ours?.cpuUsPerEvent)]],
          why(outcome),
        ),
        figure(
          `flink.${phase}.p${p}.rss`,
          `Flink CDC JVM peak RSS during the ${phase}, parallelism ${p}`,
          'MB',
          r?.peakRssMb,
          [[`Syncline worker`, ratio(r?.peakRssMb, ours?.peakRssMb)]],
          why(outcome),
        ),
      );
    }
  }
  return f;
}

function buildTargets(figures: readonly Figure[], freshness: readonly FreshnessLevel[]): Target[] {
  const get = (id: string) => figures.find((x) => x.id === id);
  const r = (id: string, to: string) => get(id)?.ratios.find((x) => x.to === to)?.value ?? null;
  const t: Target[] = [];
  const cmp = (
    name: string,
    target: string,
    v: number | null,
    ok: (v: number) => boolean,
    fmtv: (v: number) => string,
  ) => t.push({ name, target, measured: v === null ? 'n/a' : fmtv(v), met: v === null ? null : ok(v) });
  const x = (v: number) => `${v.toFixed(2)} ×`;
  cmp(
    'snapshot vs C1',
    `≥ ${TARGETS.snapshotVsC1} × C1`,
    r('snapshot', 'C1'),
    (v) => v >= TARGETS.snapshotVsC1,
    x,
  );
  cmp(
    'streaming vs C1-mixed',
    `≥ ${TARGETS.streamingVsC1Mixed} × C1-mixed`,
    r('streaming', 'C1-mixed'),
    (v) => v >= TARGETS.streamingVsC1Mixed,
    x,
  );
  const us = (v: number) => `${v.toFixed(1)} µs`;
  cmp(
    'worker CPU per snapshot row',
    `≤ ${TARGETS.snapshotCpuUs} µs`,
    get('snapshot.cpu')?.value ?? null,
    (v) => v <= TARGETS.snapshotCpuUs,
    us,
  );
  cmp(
    'worker CPU per streamed change',
    `≤ ${TARGETS.streamingCpuUs} µs`,
    get('streaming.cpu')?.value ?? null,
    (v) => v <= TARGETS.streamingCpuUs,
    us,
  );
  cmp(
    'binlog decode alone',
    `≥ ${TARGETS.decodeEventsPerSec.toLocaleString('en-US')} events/s`,
    get('decode')?.value ?? null,
    (v) => v >= TARGETS.decodeEventsPerSec,
    (v) => `${Math.round(v).toLocaleString('en-US')} events/s`,
  );
  const half = freshness.find((l) => l.loadPct === 0.5);
  cmp(
    'freshness p99 at 50% load',
    `≤ ${REFRESH_INTERVAL_MS} + 300 ms`,
    half ? half.p99 : null,
    (v) => v <= TARGETS.freshnessP99AtHalfLoadMs,
    (v) => `${Math.round(v)} ms`,
  );
  cmp(
    'RSS under backlog',
    `≤ ${TARGETS.backlogRssMb} MB`,
    get('backlog.rss')?.value ?? null,
    (v) => v <= TARGETS.backlogRssMb,
    (v) => `${Math.round(v)} MB`,
  );
  cmp('ahead of Debezium: snapshot', '> 1 × Debezium', r('snapshot', 'Debezium snapshot'), (v) => v > 1, x);
  cmp(
    'ahead of Debezium: streaming',
    '> 1 × Debezium',
    r('streaming', 'Debezium streaming'),
    (v) => v > 1,
    x,
  );
  // ahead of the complete peer on every figure: against its better parallelism for rates, and its lower CPU/RSS
  const best = (ids: string[], pick: (a: number, b: number) => number) => {
    const vs = ids.map((id) => get(id)?.value).filter((v): v is number => v != null);
    return vs.length > 0 ? vs.reduce((a, b) => pick(a, b)) : null;
  };
  for (const phase of ['snapshot', 'streaming'] as const) {
    const ours = get(phase)?.value ?? null;
    const theirs = best([`flink.${phase}.p1`, `flink.${phase}.p2`], Math.max);
    cmp(`ahead of Flink CDC: ${phase}`, '> 1 × its best parallelism', ratio(ours, theirs), (v) => v > 1, x);
    const ourCpu = get(`${phase}.cpu`)?.value ?? null;
    const theirCpu = best([`flink.${phase}.p1.cpu`, `flink.${phase}.p2.cpu`], Math.min);
    cmp(
      `less CPU per event than Flink CDC: ${phase}`,
      '< 1 × its lowest',
      ratio(ourCpu, theirCpu),
      (v) => v < 1,
      x,
    );
    const ourRss = get(`${phase}.rss`)?.value ?? null;
    const theirRss = best([`flink.${phase}.p1.rss`, `flink.${phase}.p2.rss`], Math.min);
    cmp(
      `less memory than Flink CDC: ${phase}`,
      '< 1 × its lowest RSS',
      ratio(ourRss, theirRss),
      (v) => v < 1,
      x,
    );
  }
  return t;
}

export type { BenchContext };

/** One progress line per Syncline phase as soon as it is measured (the ratios come with the results). */
function logPhase(ctx: BenchContext, what: string, r: Outcome<PhaseResult>, unit: string): void {
  if (r.ok)
    ctx.log(
      `Syncline ${what}: ${Math.round(r.value.rate)} ${unit} in ${r.value.seconds.toFixed(1)} s, peak RSS ${r.value.peakRssMb} MB, index holds ${r.value.indexed} of ${r.value.expected}`,
    );
}
