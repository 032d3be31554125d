import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINES_DIR, prepareEngine } from './engine-scripts.js';
import { ManagedServer, type ServerCommand } from './managed-server.js';

/** Apache Kafka 4.x in KRaft mode (one broker+controller JVM, engines/kafka), data under <dataDir>/kafka. */
export class KafkaServer extends ManagedServer {
  readonly name = 'kafka';
  private prepared: string | undefined;

  constructor(
    port: number,
    home: string,
    startTimeoutMs: number,
    private readonly heap: string,
  ) {
    super(port, home, startTimeoutMs);
    this.extraPorts = [this.controllerPort];
  }

  get controllerPort(): number {
    return this.port + 1;
  }

  /** The broker version, from the engine's pom (the broker protocol does not report it). */
  static version(): string {
    const pom = readFileSync(path.join(ENGINES_DIR, 'kafka', 'pom.xml'), 'utf8');
    return /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
  }

  protected async prepare(signal?: AbortSignal): Promise<void> {
    this.prepared = await prepareEngine('kafka', signal);
  }

  protected command(): ServerCommand {
    return {
      cmd: 'bash',
      args: [
        path.join(ENGINES_DIR, 'kafka', 'run.sh'),
        this.prepared!,
        this.home,
        String(this.port),
        this.heap,
        String(this.controllerPort),
      ],
    };
  }

  /** Healthy = the broker answers a metadata request and lists itself. */
  async probe(): Promise<string | undefined> {
    const { Admin } = await import('@platformatic/kafka'); // loaded only when Kafka is probed
    const admin = new Admin({
      clientId: 'syncline-probe',
      bootstrapBrokers: [`127.0.0.1:${this.port}`],
      timeout: 2000,
      retries: 0,
    });
    try {
      const md = await admin.metadata({ topics: [] });
      return md.brokers.size > 0 ? KafkaServer.version() : undefined;
    } catch {
      return undefined;
    } finally {
      await admin.close().catch(() => {});
    }
  }
}
