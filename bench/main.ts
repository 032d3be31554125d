/**
 * `./syncline bench [--quick | --dry] [--profile] [--no-debezium] [--no-flink] [--out <dir>] [--keep]`
 *
 * Brings the local stack up, generates the data in a dedicated `bench_*` database, runs every
 * measurement of issue 8 side by side (ceilings C1–C3, Syncline's snapshot / streaming / decode /
 * freshness / backlog, the Kafka path, Debezium), and writes <out>/<date>-<mode>.md and .json.
 * See docs/performance.md.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComponentName, LocalStack } from '../src/stack/stack.js';
import { type BenchSource, benchStack, loadBenchConfig } from './harness/context.js';
import { applyPlacement, type Placement } from './harness/placement.js';
import { runBench } from './harness/run.js';
import { type Mode, SIZES } from './harness/sizes.js';

interface Options {
  mode: Mode;
  profile: boolean;
  debezium: boolean;
  flink: boolean;
  keep: boolean;
  out: string;
  overrides: Record<string, unknown>;
  /** --rows / --changes: the mode's table and workload sizes, overridden (for A/B runs). */
  rows?: number;
  changes?: number;
  /** --config <file>: a Syncline config whose `stack` section says where the local servers run. */
  config?: string;
  placement: Placement;
  source: BenchSource;
  /** --worker-node-options: node flags of the Syncline worker only (e.g. a heap cap), for A/B runs. */
  workerNodeOptions: string[];
  /** --probe-ms: how often the freshness prober searches (default 10 ms). */
  probeMs?: number;
}

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got '${v ?? ''}'`);
  return n;
}

// Compiled to bench/.build/bench/main.js: the repository is three levels up.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function parseArgs(argv: string[]): Options {
  const o: Options = {
    mode: 'full',
    profile: false,
    debezium: true,
    flink: true,
    keep: false,
    out: path.join(repoRoot, 'bench', 'results'),
    overrides: {},
    placement: 'pinned',
    source: 'mariadb',
    workerNodeOptions: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.mode = 'quick';
    else if (a === '--dry') o.mode = 'dry';
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-debezium') o.debezium = false;
    else if (a === '--no-flink') o.flink = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--rows') o.rows = positiveInt(a, argv[++i]);
    else if (a === '--changes') o.changes = positiveInt(a, argv[++i]);
    else if (a === '--probe-ms') o.probeMs = positiveInt(a, argv[++i]);
    else if (a === '--source') {
      const v = argv[++i];
      if (v !== 'mariadb' && v !== 'mysql') throw new Error(`--source is mariadb or mysql, got '${v ?? ''}'`);
      o.source = v;
    } else if (a === '--placement') {
      const v = argv[++i];
      if (v !== 'pinned' && v !== 'shared')
        throw new Error(`--placement is pinned or shared, got '${v ?? ''}'`);
      o.placement = v;
    } else if (a === '--config') {
      const v = argv[++i];
      if (!v) throw new Error('--config needs a file (a Syncline config; its stack section is used)');
      o.config = path.resolve(v);
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new Error('--out needs a directory');
      o.out = path.resolve(v);
    } else if (a === '--worker-node-options') {
      const v = argv[++i] ?? '';
      if (!v.startsWith('--'))
        throw new Error(
          `--worker-node-options needs node flags (e.g. '--max-old-space-size=160'), got '${v}'`,
        );
      o.workerNodeOptions = v.split(/\s+/).filter(Boolean);
    } else if (a === '--set') {
      const v = argv[++i] ?? '';
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`--set needs key=value (e.g. sink.concurrency=4), got '${v}'`);
      const raw = v.slice(eq + 1);
      o.overrides[v.slice(0, eq)] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: ./syncline bench [--quick | --dry] [--profile] [--no-debezium] [--no-flink] [--set key=value] [--worker-node-options "<node flags>"] [--rows N] [--changes N] [--probe-ms N] [--source mariadb|mysql] [--placement pinned|shared] [--config <file>] [--out <dir>] [--keep]\n' +
          '  (default: the full run, issue 8 sizes)  --quick: ~5 min  --dry: tiny sizes, checks the harness\n' +
          '  --profile: CPU profiles (node --cpu-prof) of the sync process, summarised in the results\n' +
          '  --set key=value: override a key of the sync process config (e.g. sink.concurrency=4), recorded\n' +
          '  --worker-node-options "<flags>": node flags of the Syncline worker only (e.g. --max-old-space-size=160)\n' +
          "  --rows N / --changes N: table rows and mixed changes instead of the mode's sizes\n" +
          '  --probe-ms N: the freshness prober searches every N ms (default 10)\n' +
          '  --config <file>: a Syncline config whose stack section (ports, dataDir) says where the servers run\n' +
          '  --keep: leave the bench_* database, indexes and scratch files for inspection\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(repoRoot, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is not built: run `npm run build` (./syncline bench does it for you)');
  mkdirSync(o.out, { recursive: true });
  if (o.config) process.env.SYNCLINE_BENCH_CONFIG = o.config;
  process.env.SYNCLINE_BENCH_SOURCE = o.source;
  const config = loadBenchConfig(o.config, o.source);
  const stack = new LocalStack(config, repoRoot);
  // Kafka for the Kafka-path phase (kafka.* figures), which --dry skips
  const wanted: ComponentName[] = [o.source, 'opensearch', ...(o.mode === 'dry' ? [] : ['kafka' as const])];
  process.stderr.write(`[bench] bringing up ${wanted.join(', ')} (idempotent)…\n`);
  await stack.up(wanted, {
    onProgress: (name, what, ms) => process.stderr.write(`[bench] ${name}: ${what} (${ms} ms)\n`),
  });
  const sets = Object.entries(o.overrides).map(([k, v]) => ` --set ${k}=${v}`);
  const command = `./syncline bench${o.mode === 'full' ? '' : ` --${o.mode}`}${o.source === 'mysql' ? ' --source mysql' : ''}${o.placement === 'shared' ? ' --placement shared' : ''}${o.profile ? ' --profile' : ''}${o.debezium ? '' : ' --no-debezium'}${o.flink ? '' : ' --no-flink'}${o.rows ? ` --rows ${o.rows}` : ''}${o.changes ? ` --changes ${o.changes}` : ''}${sets.join('')}${o.workerNodeOptions.length ? ` --worker-node-options '${o.workerNodeOptions.join(' ')}'` : ''}${o.probeMs ? ` --probe-ms ${o.probeMs}` : ''}`;
  const placement = applyPlacement(o.placement, {
    engine: Number(new URL(benchStack.searchUrl).port),
    database: benchStack.mysqlPort,
  });
  process.stderr.write(`[bench] ${placement.description}\n`);
  const restore = () => placement.restore();
  process.once('SIGINT', () => {
    restore();
    process.exit(130);
  });
  const { files, tmpDir } = await runBench({
    mode: o.mode,
    sizes: {
      ...SIZES[o.mode],
      ...(o.rows && { rows: o.rows }),
      ...(o.changes && { changes: o.changes }),
    },
    repoRoot,
    outDir: o.out,
    profile: o.profile,
    debezium: o.debezium,
    flink: o.flink,
    keep: o.keep,
    command,
    overrides: o.overrides,
    workerNodeOptions: o.workerNodeOptions,
    ...(o.probeMs && { probeMs: o.probeMs }),
    placement: { mode: placement.placement, description: placement.description },
  }).finally(restore);
  if (!o.keep) rmSync(tmpDir, { recursive: true, force: true });
  process.stdout.write(`${files.md}\n${files.json}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`[bench] failed: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
