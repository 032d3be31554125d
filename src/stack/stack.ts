import path from 'node:path';
import type { SynclineConfig } from '../config/schema.js';
import { KafkaServer } from './kafka-server.js';
import type { ComponentStatus, ManagedServer } from './managed-server.js';
import { MariadbServer } from './mariadb-server.js';
import { MysqlServer } from './mysql-server.js';
import { SearchEngineServer } from './search-engine-server.js';
import { SEARCH_ENGINES } from './search-engines.js';

export type ComponentName = 'mariadb' | 'opensearch' | 'kafka' | 'mysql';
export const DEFAULT_COMPONENTS: readonly ComponentName[] = ['mariadb', 'opensearch'];

/** The local stack: the servers Syncline starts itself, all data under stack.dataDir. */
export class LocalStack {
  readonly servers: Record<ComponentName, ManagedServer>;

  constructor(config: Pick<SynclineConfig, 'stack'>, cwd = process.cwd()) {
    const s = config.stack;
    const root = path.resolve(cwd, s.dataDir);
    this.servers = {
      mariadb: new MariadbServer(s.mariadb.port, path.join(root, 'mariadb'), s.startTimeoutMs),
      opensearch: new SearchEngineServer(
        s.opensearch.port,
        path.join(root, SEARCH_ENGINES[s.search.engine].homeDir),
        s.startTimeoutMs,
        s.opensearch.heap,
        s.search.engine,
      ),
      kafka: new KafkaServer(s.kafka.port, path.join(root, 'kafka'), s.startTimeoutMs, s.kafka.heap),
      mysql: new MysqlServer(s.mysql.port, path.join(root, 'mysql'), s.startTimeoutMs, s.mysql.serverId),
    };
  }

  /** Starts the named components concurrently; resolves when every one is healthy. */
  async up(
    components: readonly ComponentName[],
    opts: { signal?: AbortSignal; onProgress?: (name: ComponentName, what: string, ms: number) => void } = {},
  ): Promise<void> {
    const results = await Promise.allSettled(
      components.map(async (name) => {
        const t0 = Date.now();
        const outcome = await this.servers[name].up(opts.signal);
        opts.onProgress?.(name, outcome, Date.now() - t0);
      }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw failed[0]!.reason;
  }

  async down(components: readonly ComponentName[] = ['kafka', 'mysql', 'opensearch', 'mariadb']) {
    return Promise.all(components.map(async (name) => ({ name, outcome: await this.servers[name].down() })));
  }

  async status(): Promise<ComponentStatus[]> {
    return Promise.all((Object.keys(this.servers) as ComponentName[]).map((n) => this.servers[n].status()));
  }
}
