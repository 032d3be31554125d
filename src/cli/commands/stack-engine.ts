import path from 'node:path';
import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import {
  defaultEnginePort,
  type EngineInstanceOptions,
  EXTRA_ENGINE_HEAP,
  searchEngineStatus,
  startSearchEngine,
  stopSearchEngine,
} from '../../stack/engine-instances.js';
import type { ComponentStatus } from '../../stack/managed-server.js';
import {
  isSearchEngineName,
  SEARCH_ENGINE_NAMES,
  type SearchEngineName,
} from '../../stack/search-engines.js';
import { table } from '../output.js';

function engineArg(v: string): SearchEngineName {
  if (!isSearchEngineName(v)) {
    throw new Error(`unknown search engine "${v}" (expected one of ${SEARCH_ENGINE_NAMES.join(', ')})`);
  }
  return v;
}

function portArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--port must be a port number, got "${v}"`);
  return n;
}

interface EngineOpts {
  port?: number;
  heap?: string;
  home?: string;
}

function options(config: SynclineConfig, o: EngineOpts): EngineInstanceOptions {
  return {
    dataDir: path.resolve(config.stack.dataDir),
    startTimeoutMs: config.stack.startTimeoutMs,
    ...(o.port !== undefined && { port: o.port }),
    ...(o.heap !== undefined && { heap: o.heap }),
    ...(o.home !== undefined && { home: path.resolve(o.home) }),
  };
}

/**
 * `syncline stack engine up|down|status <engine>`: an extra search node beside the stack's own, on its own port
 * (default 9201 OpenSearch 3, 9202 Elasticsearch 8, 9203 Elasticsearch 9) and data dir
 * (<stack.dataDir>/engines/<engine>-<port>). The stack's node (stack up/down) is never touched.
 */
export function registerStackEngine(stack: Command, loadConfig: () => SynclineConfig): void {
  const engine = stack
    .command('engine')
    .description(
      'start, stop and inspect an extra search engine node on its own port (e.g. elasticsearch-9)',
    );
  const common = (c: Command) =>
    c
      .option('--port <port>', 'HTTP port (transport: port + 100); default per engine, 9201–9203', portArg)
      .option(
        '--home <dir>',
        'node home (data, logs, pid file); default <stack.dataDir>/engines/<engine>-<port>',
      );

  common(
    engine
      .command('up')
      .argument('<engine>', SEARCH_ENGINE_NAMES.join(' | '), engineArg)
      .description('start the node and wait until it is healthy (idempotent)')
      .option('--heap <size>', `JVM heap (default ${EXTRA_ENGINE_HEAP})`),
  ).action(async (name: SearchEngineName, o: EngineOpts) => {
    const t0 = Date.now();
    const i = await startSearchEngine(name, options(loadConfig(), o));
    console.log(
      `${name} ${i.outcome} on ${i.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (home ${i.home})`,
    );
  });

  common(
    engine
      .command('down')
      .argument('<engine>', SEARCH_ENGINE_NAMES.join(' | '), engineArg)
      .description('stop the node started by `stack engine up` (by its pid file); data is kept'),
  ).action(async (name: SearchEngineName, o: EngineOpts) => {
    const port = o.port ?? defaultEnginePort(name);
    if (port === loadConfig().stack.opensearch.port && o.home === undefined) {
      throw new Error(`port ${port} is the stack's own search node: use \`syncline stack down\` for it`);
    }
    console.log(`${name} ${await stopSearchEngine(name, options(loadConfig(), o))}`);
  });

  common(
    engine
      .command('status')
      .argument('[engine]', SEARCH_ENGINE_NAMES.join(' | '), engineArg)
      .description('state, version, pid, memory and data dir of the extra node(s)')
      .option('--json', 'machine-readable output'),
  ).action(async (name: SearchEngineName | undefined, o: EngineOpts & { json?: boolean }) => {
    const config = loadConfig();
    const names = name ? [name] : SEARCH_ENGINE_NAMES.filter((n) => n !== 'opensearch-2');
    const rows = await Promise.all(names.map((n) => searchEngineStatus(n, options(config, o))));
    printServerStatus(rows, { json: o.json, component: false });
  });
}

/** `stack status` / `stack engine status`: the rows as JSON, or a table (with the component column or not). */
export function printServerStatus(
  rows: readonly ComponentStatus[],
  o: { json?: boolean; component: boolean },
): void {
  if (o.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(
    table(
      rows.map((r) => ({
        ...(o.component && { component: r.name }),
        engine: r.engine,
        state: r.state,
        port: r.port,
        version: r.version,
        pid: r.pid,
        'rss MB': r.rssMb,
        'data dir': r.dataDir,
        note: r.note,
      })),
    ),
  );
}
