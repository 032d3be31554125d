import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { portOwner } from '../../src/stack/ports.js';

/**
 * Where the processes of a run execute. `pinned` (the headline): the search engine's JVM on CPU 0 only, the
 * database, this harness and everything it spawns (the Syncline worker, the decode child, Debezium, the C1
 * client) on CPU 1 — so a ratio compares Syncline with its ceiling, not how the scheduler split two shared
 * cores. `shared`: nobody is pinned (what a user's laptop does). Child processes inherit the harness's
 * affinity, so pinning the harness pins the worker.
 */
export type Placement = 'pinned' | 'shared';

export interface PlacementState {
  readonly placement: Placement;
  /** What was pinned where, for the results ("engine pid 123 → CPU 0, …"), or why nothing was. */
  readonly description: string;
  restore(): void;
}

const ALL = () => `0-${os.cpus().length - 1}`;

function taskset(pid: number, cpus: string): void {
  // -a: every thread of the process (a JVM's and mariadbd's threads are already running)
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore', timeout: 10_000 });
}

function pidOnPort(port: number): number | undefined {
  const pid = Number(/\(pid (\d+)\)/.exec(portOwner(port) ?? '')?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function applyPlacement(
  wanted: Placement,
  ports: { readonly engine: number; readonly database: number },
): PlacementState {
  const shared = (why: string): PlacementState => ({
    placement: 'shared',
    description: why,
    restore() {},
  });
  if (wanted === 'shared')
    return shared('not pinned (--placement shared): engine, database and worker share every core');
  if (os.cpus().length < 2) return shared('not pinned: this machine has one CPU');
  const engine = pidOnPort(ports.engine);
  const database = pidOnPort(ports.database);
  if (engine === undefined || database === undefined)
    return shared(
      `not pinned: no process found listening on ${engine === undefined ? ports.engine : ports.database} (ss -ltnp)`,
    );
  try {
    taskset(engine, '0');
    taskset(database, '1');
    taskset(process.pid, '1');
  } catch (e) {
    for (const pid of [engine, database, process.pid]) {
      try {
        taskset(pid, ALL());
      } catch {
        // best effort
      }
    }
    return shared(`not pinned: taskset failed (${(e as Error).message.split('\n')[0]})`);
  }
  return {
    placement: 'pinned',
    description: `pinned: search engine (pid ${engine}) on CPU 0; database (pid ${database}), the harness and the processes it starts (Syncline worker, decode child, Debezium, C1 client) on CPU 1`,
    restore() {
      for (const pid of [engine, database, process.pid]) {
        try {
          taskset(pid, ALL());
        } catch {
          // the process may be gone
        }
      }
    },
  };
}
