import path from 'node:path';
import { request } from 'undici';
import { SynclineError } from '../core/errors.js';
import { ENGINES_DIR, prepareEngine } from './engine-scripts.js';
import { findJava, type JavaRuntime, javaEnv } from './java-runtime.js';
import { type ComponentStatus, ManagedServer, type ServerCommand } from './managed-server.js';
import { isListening } from './ports.js';
import { isAlive, readPid } from './process-control.js';
import { SEARCH_ENGINES, type SearchEngineName, type SearchEngineSpec } from './search-engines.js';

/**
 * The local search node: one embedded single node of the engine chosen by stack.search.engine (engines/<dir>),
 * data under <dataDir>/<engine home>. The component keeps the name `opensearch` (its config keys, CLI names and
 * log file) whatever the engine; status reports the engine beside the version.
 */
export class SearchEngineServer extends ManagedServer {
  readonly name = 'opensearch';
  readonly spec: SearchEngineSpec;
  private prepared: string | undefined;
  private java: JavaRuntime | undefined;

  constructor(
    port: number,
    home: string,
    startTimeoutMs: number,
    private readonly heap: string,
    engine: SearchEngineName = 'opensearch-2',
  ) {
    super(port, home, startTimeoutMs);
    this.spec = SEARCH_ENGINES[engine];
    this.extraPorts = [this.transportPort];
  }

  get engine(): SearchEngineName {
    return this.spec.name;
  }

  get transportPort(): number {
    return this.port + 100;
  }

  protected async prepare(signal?: AbortSignal): Promise<void> {
    this.java = findJava(this.spec.javaMajor, `${this.spec.product} ${this.spec.version}`);
    this.prepared = await prepareEngine(this.spec.dir, signal, this.java);
  }

  protected command(): ServerCommand {
    const env = {
      ...javaEnv(this.java!),
      ...(this.spec.localeProviders && { SYNCLINE_ENGINE_LOCALE_PROVIDERS: this.spec.localeProviders }),
    };
    const tail = [this.prepared!, this.home, String(this.port), this.heap, String(this.transportPort)];
    return {
      cmd: 'bash',
      args: [path.join(ENGINES_DIR, 'run-java-engine.sh'), this.spec.mainClass, ...tail],
      env,
    };
  }

  override async status(): Promise<ComponentStatus> {
    const st = { ...(await super.status()), engine: this.spec.name };
    const other = st.state === 'foreign' ? this.otherEngineOnPort() : undefined;
    return other ? { ...st, note: this.heldBy(other) } : st;
  }

  override async up(signal?: AbortSignal): Promise<'started' | 'already-up'> {
    const other = this.pid() === undefined ? this.otherEngineOnPort() : undefined;
    if (other && (await isListening(this.port))) {
      throw new SynclineError('PORT_IN_USE', `${this.spec.name}: ${this.heldBy(other)}`);
    }
    return super.up(signal);
  }

  /**
   * The stack's node of another engine, started by Syncline from a sibling data dir (<dataDir>/<its home>) and
   * still running: after stack.search.engine changed, it is what holds the port.
   */
  private otherEngineOnPort(): SearchEngineSpec | undefined {
    for (const spec of Object.values(SEARCH_ENGINES)) {
      if (spec.name === this.spec.name) continue;
      const pid = readPid(path.join(path.dirname(this.home), spec.homeDir, 'syncline.pid'));
      if (pid !== undefined && isAlive(pid)) return spec;
    }
    return undefined;
  }

  private heldBy(other: SearchEngineSpec): string {
    return `port ${this.port} is held by the stack's ${other.name} node (started while stack.search.engine was ${other.name}); stop it first: SYNCLINE_SEARCH_ENGINE=${other.name} syncline stack down --only opensearch`;
  }

  /**
   * Healthy = the node reports its version in `_nodes/_local` and the cluster is green or yellow. No `GET /`:
   * the Elasticsearch nodes built from Maven Central have no rest-root module (405).
   */
  async probe(): Promise<string | undefined> {
    try {
      const nodes = await request(`http://127.0.0.1:${this.port}/_nodes/_local?filter_path=nodes.*.version`, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      if (nodes.statusCode !== 200) {
        await nodes.body.dump();
        return undefined;
      }
      const info = (await nodes.body.json()) as { nodes?: Record<string, { version?: string }> };
      const version = Object.values(info.nodes ?? {})[0]?.version;
      const health = await request(`http://127.0.0.1:${this.port}/_cluster/health?timeout=1s`, {
        headersTimeout: 3000,
        bodyTimeout: 3000,
      });
      const h = (await health.body.json()) as { status?: string };
      return h.status === 'green' || h.status === 'yellow' ? version : undefined;
    } catch {
      return undefined;
    }
  }
}
