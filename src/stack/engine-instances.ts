import path from 'node:path';
import type { ComponentStatus } from './managed-server.js';
import { SearchEngineServer } from './search-engine-server.js';
import { SEARCH_ENGINES, type SearchEngineName } from './search-engines.js';

/**
 * Extra search nodes beside the stack's own (which stays on stack.opensearch.port, 9200): the conformance suite
 * and CI run one per engine on these ports, each with its own data dir. `syncline stack engine up|down|status`
 * does the same by hand (docs/stack.md#search-engines).
 */
export const EXTRA_ENGINE_PORTS: Readonly<Record<Exclude<SearchEngineName, 'opensearch-2'>, number>> = {
  'opensearch-3': 9201,
  'elasticsearch-8': 9202,
  'elasticsearch-9': 9203,
};

/** Heap of an extra node: small, several run beside the stack on a 2-core box. */
export const EXTRA_ENGINE_HEAP = '512m';

export interface EngineInstanceOptions {
  /** HTTP port (transport: port + 100). Default EXTRA_ENGINE_PORTS[engine]. */
  port?: number;
  /** Node home (config, data, logs, pid file). Default <dataDir>/engines/<engine>-<port>. */
  home?: string;
  /** Used only for the default home. Default `.data` under the current directory. */
  dataDir?: string;
  heap?: string;
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface EngineInstance {
  engine: SearchEngineName;
  port: number;
  url: string;
  home: string;
  /** 'already-up' when this home's node was running (pid file) and healthy. */
  outcome: 'started' | 'already-up';
  server: SearchEngineServer;
  /** Stops the node (SIGTERM, then SIGKILL after 30 s); its data stays in home. */
  stop(): Promise<'stopped' | 'killed' | 'not-running'>;
}

export function defaultEnginePort(engine: SearchEngineName): number {
  return engine === 'opensearch-2' ? 9200 : EXTRA_ENGINE_PORTS[engine];
}

/** The node of `engine` on `port` with `home`, not started: for status and down. */
export function engineServer(engine: SearchEngineName, opts: EngineInstanceOptions = {}): SearchEngineServer {
  const port = opts.port ?? defaultEnginePort(engine);
  const home =
    opts.home ?? path.resolve(opts.dataDir ?? '.data', 'engines', `${SEARCH_ENGINES[engine].name}-${port}`);
  return new SearchEngineServer(
    port,
    home,
    opts.startTimeoutMs ?? 180_000,
    opts.heap ?? EXTRA_ENGINE_HEAP,
    engine,
  );
}

/**
 * Starts (or finds running, by its pid file) a node of `engine` on its own port and data dir, and resolves once it
 * is healthy. Prepares the engine first (Maven resolution once, then cached under ~/.cache/syncline/engines) and
 * picks a JDK new enough (JAVA_MISSING naming the fix otherwise). Refuses a port held by another process
 * (PORT_IN_USE): it never touches the stack's own node.
 */
export async function startSearchEngine(
  engine: SearchEngineName,
  opts: EngineInstanceOptions = {},
): Promise<EngineInstance> {
  const server = engineServer(engine, opts);
  const outcome = await server.up(opts.signal);
  return {
    engine,
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    home: server.home,
    outcome,
    server,
    stop: () => server.down(),
  };
}

/** Stops the node of `engine` whose pid file is in its home (default home as in startSearchEngine). */
export function stopSearchEngine(
  engine: SearchEngineName,
  opts: EngineInstanceOptions = {},
): Promise<'stopped' | 'killed' | 'not-running'> {
  return engineServer(engine, opts).down();
}

export function searchEngineStatus(
  engine: SearchEngineName,
  opts: EngineInstanceOptions = {},
): Promise<ComponentStatus> {
  return engineServer(engine, opts).status();
}

export interface UsedEngine {
  engine: SearchEngineName;
  url: string;
  port: number;
  /** True when this call started the node (stop() then stops it); false when it was already running. */
  startedHere: boolean;
  /** Stops the node only when this call started it. */
  stop(): Promise<void>;
}

/**
 * A healthy node of `engine` on its port, for a test run or a suite's global setup: one already running there is
 * used as is (started by `stack engine up`, an earlier run or another checkout, when it reports the engine's major
 * version), otherwise one is started with startSearchEngine and stop() stops it again.
 */
export async function useSearchEngine(
  engine: SearchEngineName,
  opts: EngineInstanceOptions = {},
): Promise<UsedEngine> {
  const server = engineServer(engine, opts);
  const url = `http://127.0.0.1:${server.port}`;
  const st = await server.status();
  const major = SEARCH_ENGINES[engine].version.split('.')[0];
  if ((st.state === 'up' || st.state === 'foreign') && st.version?.split('.')[0] === major) {
    return { engine, url, port: server.port, startedHere: false, stop: async () => {} };
  }
  const i = await startSearchEngine(engine, opts);
  const startedHere = i.outcome === 'started';
  return {
    engine,
    url,
    port: server.port,
    startedHere,
    stop: async () => {
      if (startedHere) await i.stop();
    },
  };
}
