import path from 'node:path';
import { request } from 'undici';
import { ENGINES_DIR, prepareEngine } from './engine-scripts.js';
import { findJava, type JavaRuntime, javaEnv } from './java-runtime.js';
import { type ComponentStatus, ManagedServer, type ServerCommand } from './managed-server.js';
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
    const env = javaEnv(this.java!);
    const tail = [this.prepared!, this.home, String(this.port), this.heap, String(this.transportPort)];
    if (this.spec.launcher.kind === 'run.sh') {
      return { cmd: 'bash', args: [path.join(ENGINES_DIR, this.spec.dir, 'run.sh'), ...tail], env };
    }
    return {
      cmd: 'bash',
      args: [path.join(ENGINES_DIR, 'run-java-engine.sh'), this.spec.launcher.mainClass, ...tail],
      env,
    };
  }

  override async status(): Promise<ComponentStatus> {
    return { ...(await super.status()), engine: this.spec.name };
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
