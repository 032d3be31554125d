import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';
import { runChild } from './run-child.js';
import { getSource, pollUntil, refreshAndCount } from './search-helpers.js';

/**
 * The complete peer pipeline (issue 17): Flink CDC's mysql-cdc source (incremental lock-free snapshot, then
 * the binlog) into Flink's OpenSearch 2 sink, Table/SQL API, in a local mini-cluster in one JVM
 * (engines/flink-cdc). It indexes the same table into its own index on the same node.
 */
export const FLINK = {
  version: '1.20.3',
  cdc: 'flink-sql-connector-mysql-cdc 3.5.0',
  sink: 'flink-connector-opensearch2 2.0.0-1.19',
} as const;

export interface FlinkRun {
  readonly parallelism: number;
  readonly records: number;
  /** Records per second from the job's submission to the last record in the index. */
  readonly rate: number;
  readonly seconds: number;
  /** JVM start to job submission (mini-cluster start, planning). */
  readonly startupMs: number;
  /** CPU time of the whole JVM (user + sys) over the phase, per record, µs. */
  readonly cpuUsPerEvent: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

export async function prepareFlink(ctx: BenchContext): Promise<string> {
  const script = path.join(ctx.repoRoot, 'engines', 'flink-cdc', 'prepare.sh');
  const out = await runChild('bash', [script], 1_200_000);
  if (out.code !== 0)
    throw new Error(`engines/flink-cdc/prepare.sh failed: ${out.stderr.trim().slice(-600)}`);
  return out.stdout.trim().split('\n').pop()!;
}

/** Flink SQL type of a MySQL column (the mysql-cdc connector's documented mapping). */
function flinkType(c: {
  type: string;
  column: string;
  precision: number | null;
  scale: number | null;
}): string {
  const unsigned = c.column.includes('unsigned');
  switch (c.type) {
    case 'tinyint':
      return unsigned ? 'SMALLINT' : 'TINYINT';
    case 'smallint':
      return unsigned ? 'INT' : 'SMALLINT';
    case 'mediumint':
      return 'INT';
    case 'int':
      return unsigned ? 'BIGINT' : 'INT';
    case 'bigint':
      return unsigned ? 'DECIMAL(20, 0)' : 'BIGINT';
    case 'decimal':
      return `DECIMAL(${c.precision}, ${c.scale})`;
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'date':
      return 'DATE';
    case 'datetime':
      return `TIMESTAMP(${c.scale ?? 0})`;
    case 'timestamp':
      return `TIMESTAMP_LTZ(${c.scale ?? 0})`;
    default:
      return 'STRING';
  }
}

async function tableColumns(ctx: BenchContext): Promise<string> {
  const [rows] = await ctx.pool.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS col, NUMERIC_PRECISION AS np,
            NUMERIC_SCALE AS ns, DATETIME_PRECISION AS dp
       FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'products' ORDER BY ORDINAL_POSITION`,
    [ctx.db],
  );
  return rows
    .map((r) => {
      const type = String(r.type).toLowerCase();
      const scale = type === 'datetime' || type === 'timestamp' ? r.dp : r.ns;
      return `\`${r.name}\` ${flinkType({ type, column: String(r.col).toLowerCase(), precision: r.np, scale })}`;
    })
    .join(', ');
}

function sqlScript(ctx: BenchContext, columns: string, index: string, parallelism: number): string {
  const ids = `${5400 + parallelism * 10}-${5400 + parallelism * 10 + parallelism + 1}`;
  const source = [
    `'connector' = 'mysql-cdc'`,
    `'hostname' = '${MYSQL_HOST}'`,
    `'port' = '${benchStack.mysqlPort}'`,
    `'username' = 'root'`,
    `'password' = ''`,
    `'database-name' = '${ctx.db}'`,
    `'table-name' = 'products'`,
    `'server-id' = '${ids}'`,
    `'server-time-zone' = 'UTC'`,
    `'scan.incremental.snapshot.enabled' = 'true'`,
    `'scan.startup.mode' = 'initial'`,
  ];
  const sink = [
    `'connector' = 'opensearch-2'`,
    `'hosts' = '${benchStack.searchUrl}'`,
    `'index' = '${index}'`,
    `'allow-insecure' = 'true'`,
    // the same batch size Syncline uses by default (1000 documents), flushed at least every second
    `'sink.bulk-flush.max-actions' = '1000'`,
    `'sink.bulk-flush.interval' = '1s'`,
  ];
  return [
    `CREATE TABLE src (${columns}, PRIMARY KEY (\`id\`) NOT ENFORCED) WITH (${source.join(', ')});`,
    `CREATE TABLE dst (${columns}, PRIMARY KEY (\`id\`) NOT ENFORCED) WITH (${sink.join(', ')});`,
    'INSERT INTO dst SELECT * FROM src;',
    '',
  ].join('\n');
}

/** One Flink JVM: started, watched (CPU and RSS from /proc), killed. */
class FlinkJvm {
  private readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  private exited = false;
  private peakKb = 0;
  private readonly sampler: NodeJS.Timeout;
  readonly startedAt = Date.now();

  constructor(dir: string, args: string[], logFile: string) {
    this.child = spawn(
      'java',
      [
        '-Xmx1g',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        `${dir}/classes:${dir}/lib/*`,
        'dev.syncline.bench.FlinkCdcBench',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-50_000);
    });
    this.child.on('exit', () => {
      this.exited = true;
      writeFileSync(logFile, `${this.stdout}\n--- stderr ---\n${this.stderr}`);
    });
    this.sampler = setInterval(() => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
        if (m) this.peakKb = Math.max(this.peakKb, Number(m[1]));
      } catch {
        // exiting
      }
    }, 500);
    this.sampler.unref();
  }

  /** Epoch ms of the job's submission (the launcher's {"submitted": …} line). */
  async submitted(timeoutMs: number): Promise<number> {
    return pollUntil(
      'the Flink job to be submitted',
      async () => {
        const m = /\{"submitted":(\d+)\}/.exec(this.stdout);
        return m ? Number(m[1]) : undefined;
      },
      { timeoutMs, everyMs: 100, onTimeout: () => this.stderr.slice(-600), alive: () => this.assertAlive() },
    );
  }

  /** Throws the job's own error ({"error": …} from the launcher) or the JVM's exit. */
  assertAlive(): void {
    const err = /\{"error":"([^"]*)"\}/.exec(this.stdout)?.[1];
    // the root cause is the last link of the launcher's "a / caused by: b / caused by: c" chain
    if (err) throw new Error(`Flink: ${err.split(' / caused by: ').pop()!.slice(0, 500)}`);
    if (this.exited) throw new Error(`the Flink JVM exited: ${this.stderr.slice(-600)}`);
  }

  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
  }

  peakRssMb(): number {
    return Math.round(this.peakKb / 1024);
  }

  async kill(): Promise<void> {
    clearInterval(this.sampler);
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }
}

/** The newest retained checkpoint (`<dir>/<job id>/chk-N`) and its number. */
function latestCheckpoint(dir: string): { path: string; n: number } | undefined {
  if (!existsSync(dir)) return undefined;
  let best: { path: string; n: number } | undefined;
  for (const job of readdirSync(dir)) {
    const jobDir = path.join(dir, job);
    let entries: string[];
    try {
      entries = readdirSync(jobDir);
    } catch {
      continue;
    }
    for (const e of entries) {
      const m = /^chk-(\d+)$/.exec(e);
      if (m && existsSync(path.join(jobDir, e, '_metadata')) && (!best || Number(m[1]) > best.n))
        best = { path: path.join(jobDir, e), n: Number(m[1]) };
    }
  }
  return best;
}

function stateDir(ctx: BenchContext, parallelism: number): string {
  return path.join(ctx.tmpDir, `flink-p${parallelism}`);
}

export function flinkIndex(ctx: BenchContext, parallelism: number): string {
  return `${ctx.db}_flink_p${parallelism}`;
}

/**
 * The snapshot: a fresh job (startup mode `initial`) until the index holds every row; then it waits for a
 * checkpoint taken after that (the state the streaming run restores, like Syncline's checkpoint), and kills
 * the JVM.
 */
export async function runFlinkSnapshot(
  ctx: BenchContext,
  dir: string,
  parallelism: number,
  rows: number,
): Promise<FlinkRun> {
  const state = stateDir(ctx, parallelism);
  mkdirSync(path.join(state, 'checkpoints'), { recursive: true });
  const sqlFile = path.join(state, 'pipeline.sql');
  writeFileSync(sqlFile, sqlScript(ctx, await tableColumns(ctx), flinkIndex(ctx, parallelism), parallelism));
  const jvm = new FlinkJvm(
    dir,
    [
      `sql=${sqlFile}`,
      `parallelism=${parallelism}`,
      'checkpointMs=2000',
      `checkpointDir=${path.join(state, 'checkpoints')}`,
    ],
    path.join(state, 'snapshot.log'),
  );
  try {
    const submitted = await jvm.submitted(180_000);
    const cpu0 = jvm.cpuMs();
    const index = flinkIndex(ctx, parallelism);
    const end = await pollUntil(
      `${rows} documents in ${index}`,
      async () => ((await refreshAndCount(ctx, index)) === rows ? Date.now() : undefined),
      { timeoutMs: ctx.sizes.timeoutMs, everyMs: 500, alive: () => jvm.assertAlive() },
    );
    const cpuMs = jvm.cpuMs() - cpu0;
    const done = latestCheckpoint(path.join(state, 'checkpoints'))?.n ?? 0;
    await pollUntil(
      'a Flink checkpoint after the snapshot',
      async () => ((latestCheckpoint(path.join(state, 'checkpoints'))?.n ?? 0) > done + 1 ? true : undefined),
      { timeoutMs: 120_000, everyMs: 200, alive: () => jvm.assertAlive() },
    );
    const seconds = (end - submitted) / 1000;
    return {
      parallelism,
      records: rows,
      rate: rows / seconds,
      seconds,
      startupMs: submitted - jvm.startedAt,
      cpuUsPerEvent: (cpuMs * 1000) / rows,
      cpuSeconds: cpuMs / 1000,
      peakRssMb: jvm.peakRssMb(),
    };
  } finally {
    await jvm.kill();
  }
}

/**
 * Streaming (backlog drain): a new JVM restores the snapshot run's last checkpoint with the workload waiting in
 * the binlog; from the job's submission until the workload's end marker is in the index.
 */
export async function runFlinkStreaming(
  ctx: BenchContext,
  dir: string,
  parallelism: number,
  w: { events: number; endMarker: number },
  sentinelId: number,
): Promise<FlinkRun> {
  const state = stateDir(ctx, parallelism);
  const restore = latestCheckpoint(path.join(state, 'checkpoints'));
  if (!restore) throw new Error('no retained checkpoint of the Flink snapshot run to restore');
  const jvm = new FlinkJvm(
    dir,
    [
      `sql=${path.join(state, 'pipeline.sql')}`,
      `parallelism=${parallelism}`,
      'checkpointMs=2000',
      `checkpointDir=${path.join(state, 'checkpoints')}`,
      `restore=${restore.path}`,
    ],
    path.join(state, 'streaming.log'),
  );
  try {
    const submitted = await jvm.submitted(180_000);
    const cpu0 = jvm.cpuMs();
    const index = flinkIndex(ctx, parallelism);
    const end = await pollUntil(
      `the end marker in ${index}`,
      async () => {
        const doc = await getSource(ctx, index, sentinelId);
        return Number(doc?.bench_seq) === w.endMarker ? Date.now() : undefined;
      },
      { timeoutMs: ctx.sizes.timeoutMs, everyMs: 50, alive: () => jvm.assertAlive() },
    );
    const cpuMs = jvm.cpuMs() - cpu0;
    const seconds = (end - submitted) / 1000;
    return {
      parallelism,
      records: w.events,
      rate: w.events / seconds,
      seconds,
      startupMs: submitted - jvm.startedAt,
      cpuUsPerEvent: (cpuMs * 1000) / w.events,
      cpuSeconds: cpuMs / 1000,
      peakRssMb: jvm.peakRssMb(),
    };
  } finally {
    await jvm.kill();
  }
}
