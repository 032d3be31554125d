import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SynclineError } from '../core/errors.js';
import { isListening, portOwner } from './ports.js';
import { isAlive, readPid, rssMb, spawnDetached, stopPid } from './process-control.js';
import { waitUntil } from './wait.js';

export interface ComponentStatus {
  name: string;
  state: 'up' | 'down' | 'starting' | 'foreign';
  port: number;
  version?: string;
  /** The search node's engine (stack.search.engine), e.g. elasticsearch-9. */
  engine?: string;
  pid?: number;
  rssMb?: number;
  dataDir: string;
  logFile: string;
  note?: string;
}

export interface ServerCommand {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * A server that Syncline starts and stops itself: pid file, log file, health probe.
 * `up` is idempotent, refuses a port owned by someone else, and returns only when the probe passes.
 */
export abstract class ManagedServer {
  abstract readonly name: string;
  /** Ports that must be free before start, besides the main one. */
  protected extraPorts: number[] = [];

  constructor(
    readonly port: number,
    readonly home: string,
    protected readonly startTimeoutMs: number,
  ) {}

  get pidFile(): string {
    return path.join(this.home, 'syncline.pid');
  }
  get logFile(): string {
    return path.join(this.home, `${this.name}.log`);
  }

  /** Installs / resolves what the server needs (idempotent, may take long the first time). */
  protected abstract prepare(signal?: AbortSignal): Promise<void>;
  protected abstract command(): ServerCommand;
  /** Returns the version when healthy, undefined otherwise. Must not throw. */
  abstract probe(): Promise<string | undefined>;
  protected async afterStart(): Promise<void> {}

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  }

  async status(): Promise<ComponentStatus> {
    const base = { name: this.name, port: this.port, dataDir: this.home, logFile: this.logFile };
    const pid = this.pid();
    const version = await this.probe();
    if (pid !== undefined) {
      return version !== undefined
        ? { ...base, state: 'up', version, pid, rssMb: rssMb(pid) }
        : { ...base, state: 'starting', pid, rssMb: rssMb(pid), note: 'process alive but not healthy yet' };
    }
    const stale = existsSync(this.pidFile) ? 'stale pid file (process gone)' : undefined;
    if (await isListening(this.port)) {
      return {
        ...base,
        state: 'foreign',
        ...(version !== undefined && { version }),
        note: `port ${this.port} is held by ${portOwner(this.port) ?? 'a process'} not started by Syncline`,
      };
    }
    return { ...base, state: 'down', ...(stale !== undefined && { note: stale }) };
  }

  async up(signal?: AbortSignal): Promise<'started' | 'already-up'> {
    const running = this.pid();
    if (running !== undefined) {
      await this.waitHealthy(running, signal);
      return 'already-up';
    }
    rmSync(this.pidFile, { force: true });
    for (const port of [this.port, ...this.extraPorts]) {
      if (await isListening(port)) {
        throw new SynclineError(
          'PORT_IN_USE',
          `${this.name}: port ${port} on 127.0.0.1 is already in use by ${portOwner(port) ?? 'another process'}`,
        );
      }
    }
    mkdirSync(this.home, { recursive: true });
    await this.prepare(signal);
    const c = this.command();
    const pid = spawnDetached(c.cmd, c.args, {
      logFile: this.logFile,
      pidFile: this.pidFile,
      ...(c.env !== undefined && { env: c.env }),
    });
    await this.waitHealthy(pid, signal);
    await this.afterStart();
    return 'started';
  }

  async down(): Promise<'stopped' | 'killed' | 'not-running'> {
    const pid = this.pid();
    if (pid === undefined) {
      rmSync(this.pidFile, { force: true });
      return 'not-running';
    }
    return stopPid(pid, this.pidFile);
  }

  private async waitHealthy(pid: number, signal?: AbortSignal): Promise<void> {
    await waitUntil(
      async () => (await this.probe()) !== undefined,
      { timeoutMs: this.startTimeoutMs, stillRunning: () => isAlive(pid), ...(signal && { signal }) },
      (why) =>
        new SynclineError(
          why === 'exited' ? 'ENGINE_START_FAILED' : 'ENGINE_START_TIMEOUT',
          `${this.name} ${why === 'exited' ? 'exited during start-up' : `not healthy after ${this.startTimeoutMs} ms`}; log: ${this.logFile}\n${this.logTail()}`,
        ),
    );
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((l) => `    | ${l}`)
        .join('\n');
    } catch {
      return '    | (no log)';
    }
  }
}
