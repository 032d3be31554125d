import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';

export interface HaView {
  role: 'active' | 'standby';
  worker: string;
  leader?: { holder: string; token: number };
}

/**
 * One `syncline run` worker of the HA pair: its own config file (its workerId and API port differ), its
 * own log, and its process, replaced on every restart. Exits other than the suite's kill -9 are recorded.
 */
export class Worker {
  process: ChildProcess | undefined;
  readonly unexpectedExits: string[] = [];
  readonly log: string;
  private readonly configFile: string;

  constructor(
    readonly id: string,
    readonly port: number,
    dir: string,
    config: Record<string, unknown>,
  ) {
    this.configFile = path.join(dir, `${id}.yaml`);
    this.log = path.join(dir, `${id}.log`);
    rmSync(this.log, { force: true });
    writeFileSync(
      this.configFile,
      stringify({
        ...config,
        ha: { ...(config.ha as object), enabled: true, workerId: id },
        server: { ...(config.server as object), host: '127.0.0.1', port },
      }),
    );
  }

  start(): ChildProcess {
    const out = openSync(this.log, 'a');
    const p = spawn(process.execPath, [path.resolve('dist/cli/main.js'), '-c', this.configFile, 'run'], {
      stdio: ['ignore', out, out],
    });
    p.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM')
        this.unexpectedExits.push(
          `${this.id} exit ${code ?? signal}: ${readFileSync(this.log, 'utf8').slice(-2000)}`,
        );
    });
    this.process = p;
    return p;
  }

  get alive(): boolean {
    const p = this.process;
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** kill -9; resolves once the process is gone, with the signal that ended it. */
  async kill(): Promise<NodeJS.Signals | null> {
    const p = this.process;
    if (!p || !this.alive) return p?.signalCode ?? null;
    const gone = new Promise<NodeJS.Signals | null>((res) => p.once('exit', (_c, s) => res(s)));
    p.kill('SIGKILL');
    return gone;
  }

  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  /** The worker's HA view from /readyz; undefined while its API does not answer. */
  async ha(): Promise<HaView | undefined> {
    try {
      const r = await request(`http://127.0.0.1:${this.port}/readyz`, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      const body = (await r.body.json()) as { ha?: HaView };
      return body.ha;
    } catch {
      return undefined;
    }
  }

  /** Fenced checkpoint commits this worker's log reports (SYNC_S1201). */
  fencedCommits(): number {
    try {
      return (readFileSync(this.log, 'utf8').match(/SYNC_S1201|fencing token \d+ is stale/g) ?? []).length;
    } catch {
      return 0;
    }
  }

  async stop(): Promise<void> {
    const p = this.process;
    if (!p || !this.alive) return;
    this.thaw();
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  }
}
