import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `syncline run --no-api` workers of one test, spawned from the built CLI with `<dir>/syncline.yaml`,
 * logging to `<dir>/worker.log`. Exits that were not the test's kill -9 (a worker must never stop on its
 * own) are collected with the log's tail, for the test to assert there were none.
 */
export class WorkerProcesses {
  readonly unexpectedExits: string[] = [];
  private readonly cli = path.resolve('dist/cli/main.js');

  constructor(private readonly dir: string) {}

  start(): ChildProcess {
    const log = path.join(this.dir, 'worker.log');
    const out = openSync(log, 'a');
    const p = spawn(
      process.execPath,
      [this.cli, '-c', path.join(this.dir, 'syncline.yaml'), 'run', '--no-api'],
      {
        stdio: ['ignore', out, out],
      },
    );
    p.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        this.unexpectedExits.push(`exit ${code ?? signal}: ${readFileSync(log, 'utf8').slice(-2000)}`);
    });
    return p;
  }

  /** Kills the worker and waits until it is gone (at once when it already exited). */
  async kill(p: ChildProcess): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGKILL');
    await gone;
  }
}
