import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';

export interface LogLine {
  readonly time: number;
  readonly level: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

/** The `syncline.yaml` of the benchmark worker: one binlog pipeline over the bench table, defaults otherwise. */
export function workerConfig(ctx: BenchContext, serverId: number): Record<string, unknown> {
  const config: Record<string, unknown> = {
    stack: { manage: false },
    mysql: { url: `mysql://root@${MYSQL_HOST}:${benchStack.mysqlPort}/${ctx.db}`, serverId },
    search: { url: benchStack.searchUrl },
    internalDatabase: ctx.sysDb,
    mappings: [{ table: ctx.table, index: ctx.index }],
    pipelines: [{ name: ctx.db.replaceAll('_', '-'), source: { type: 'mysql-binlog', tables: [ctx.table] } }],
    logLevel: 'info',
  };
  for (const [key, value] of Object.entries(ctx.overrides)) setPath(config, key.split('.'), value);
  return config;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let at = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

/**
 * A real `node dist/cli/main.js run --no-api -c <yaml>` child: its JSON log lines are parsed (their
 * `time` stamps phase starts), its RSS is sampled from /proc, and it is stopped with SIGTERM (graceful:
 * drain, flush, commit the checkpoint) so a CPU profile, when asked for, is written on exit.
 */
export class SyncProcess {
  readonly lines: LogLine[] = [];
  private readonly child: ChildProcess;
  private readonly waiters: Array<{ re: RegExp; resolve: (l: LogLine) => void }> = [];
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly exitPromise: Promise<void>;
  private readonly samples: Array<{ t: number; rssMb: number }> = [];
  private sampler: NodeJS.Timeout | undefined;
  readonly logFile: string;

  private constructor(
    ctx: BenchContext,
    readonly name: string,
    opts: { profileDir?: string | undefined; serverId: number },
  ) {
    const configFile = path.join(ctx.tmpDir, `${name}.yaml`);
    writeFileSync(configFile, stringify(workerConfig(ctx, opts.serverId)));
    this.logFile = path.join(ctx.tmpDir, `${name}.log`);
    const log = createWriteStream(this.logFile);
    const nodeArgs = [
      ...ctx.workerNodeOptions,
      ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []),
    ];
    const cli = path.join(ctx.repoRoot, 'dist', 'cli', 'main.js');
    this.child = spawn(process.execPath, [...nodeArgs, cli, '-c', configFile, 'run', '--no-api'], {
      cwd: ctx.repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SYNCLINE_LOG_LEVEL: 'info' },
    });
    this.child.stderr!.pipe(log);
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      log.write(`${text}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      if (typeof line.msg !== 'string') return;
      this.lines.push(line);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.re.test(line.msg)) {
          this.waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        clearInterval(this.sampler);
        resolve();
      });
    });
  }

  static start(ctx: BenchContext, name: string, opts: { profileDir?: string | undefined } = {}): SyncProcess {
    const serverId = 70_000 + Math.floor(Math.random() * 9_000);
    const p = new SyncProcess(ctx, name, { ...opts, serverId });
    p.sampleRss(250);
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first log line (already seen or coming) whose message matches. Fails when the worker exits. */
  async waitForLog(re: RegExp, timeoutMs: number): Promise<LogLine> {
    const seen = this.lines.find((l) => re.test(l.msg));
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<LogLine>((resolve) => this.waiters.push({ re, resolve })),
        this.exitPromise.then(() => {
          throw new Error(
            `syncline worker ${this.name} exited (${JSON.stringify(this.exited)}): ${this.tail()}`,
          );
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`no log line /${re.source}/ from ${this.name} in ${timeoutMs} ms: ${this.tail()}`),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Throws when the worker is gone (a measurement must not wait on a dead process). */
  assertAlive(): void {
    if (this.exited) throw new Error(`syncline worker ${this.name} exited: ${this.tail()}`);
  }

  rssMb(): number {
    return readStatusMb(this.pid, 'VmRSS');
  }

  /**
   * CPU time the worker has used so far (user + sys, ms, from /proc/<pid>/stat): a figure that holds however
   * busy the rest of the machine is, unlike a rate.
   */
  cpuMs(): number {
    return readCpuMs(this.pid);
  }

  /** Highest RSS the kernel saw for the process (VmHWM). */
  peakRssMb(): number {
    return readStatusMb(this.pid, 'VmHWM');
  }

  /** Highest sampled RSS between two performance.now() instants. */
  maxRssBetween(t0: number, t1: number): number {
    let max = 0;
    for (const s of this.samples) if (s.t >= t0 && s.t <= t1 && s.rssMb > max) max = s.rssMb;
    return max;
  }

  private sampleRss(everyMs: number): void {
    this.sampler = setInterval(() => {
      if (this.exited) return;
      try {
        this.samples.push({ t: performance.now(), rssMb: this.rssMb() });
      } catch {
        // the process is exiting
      }
    }, everyMs);
    this.sampler.unref();
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Returns the peak RSS seen (VmHWM just before the signal). */
  async stop(graceMs = 60_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  tail(n = 6): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-n).join(' | ').slice(0, 1500);
    } catch {
      return '(no log)';
    }
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux for every architecture we run on). */
const USER_HZ = 100;

function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces, hence the last ')'): state is field 3, utime 14, stime 15
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / USER_HZ;
}

function readStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}
