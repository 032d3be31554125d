import path from 'node:path';
import { request } from 'undici';
import { ENGINES_DIR, prepareEngine } from './engine-scripts.js';
import { ManagedServer, type ServerCommand } from './managed-server.js';

/** OpenSearch 2.19.6 as one embedded node (engines/opensearch), data under <dataDir>/opensearch. */
export class OpensearchServer extends ManagedServer {
  readonly name = 'opensearch';
  private prepared: string | undefined;

  constructor(
    port: number,
    home: string,
    startTimeoutMs: number,
    private readonly heap: string,
  ) {
    super(port, home, startTimeoutMs);
    this.extraPorts = [this.transportPort];
  }

  get transportPort(): number {
    return this.port + 100;
  }

  protected async prepare(signal?: AbortSignal): Promise<void> {
    this.prepared = await prepareEngine('opensearch', signal);
  }

  protected command(): ServerCommand {
    return {
      cmd: 'bash',
      args: [
        path.join(ENGINES_DIR, 'opensearch', 'run.sh'),
        this.prepared!,
        this.home,
        String(this.port),
        this.heap,
        String(this.transportPort),
      ],
    };
  }

  async probe(): Promise<string | undefined> {
    try {
      const root = await request(`http://127.0.0.1:${this.port}/`, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      if (root.statusCode !== 200) {
        await root.body.dump();
        return undefined;
      }
      const info = (await root.body.json()) as { version?: { number?: string } };
      const health = await request(`http://127.0.0.1:${this.port}/_cluster/health?timeout=1s`, {
        headersTimeout: 3000,
        bodyTimeout: 3000,
      });
      const h = (await health.body.json()) as { status?: string };
      return h.status === 'green' || h.status === 'yellow' ? info.version?.number : undefined;
    } catch {
      return undefined;
    }
  }
}
