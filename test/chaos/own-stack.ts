import mysql from 'mysql2/promise';
import { resolveConfig } from '../../src/config/load.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import { LocalStack } from '../../src/stack/stack.js';

/**
 * The chaos suite's own MariaDB (3317), OpenSearch (9210) and Kafka (9392, controller 9393), data under
 * .data/chaos: the suite stops and restarts them, which it must never do to the shared servers other
 * tests use.
 */
export const CHAOS_MARIADB_PORT = Number(process.env.SYNCLINE_CHAOS_MARIADB_PORT ?? 3317);
export const CHAOS_SEARCH_PORT = Number(process.env.SYNCLINE_CHAOS_SEARCH_PORT ?? 9210);
export const CHAOS_MYSQL_URL = `mysql://root@127.0.0.1:${CHAOS_MARIADB_PORT}/`;
export const CHAOS_SEARCH_URL = `http://127.0.0.1:${CHAOS_SEARCH_PORT}`;
export const CHAOS_KAFKA_PORT = Number(process.env.SYNCLINE_CHAOS_KAFKA_PORT ?? 9392);
export const CHAOS_KAFKA_BROKER = `127.0.0.1:${CHAOS_KAFKA_PORT}`;
const SERVERS = ['mariadb', 'opensearch', 'kafka'] as const;
export type OwnServer = (typeof SERVERS)[number];

export class OwnStack {
  readonly stack = new LocalStack(
    resolveConfig(
      {
        stack: {
          manage: false,
          dataDir: '.data/chaos',
          mariadb: { port: CHAOS_MARIADB_PORT },
          opensearch: { port: CHAOS_SEARCH_PORT, heap: '1g' },
          kafka: { port: CHAOS_KAFKA_PORT, heap: '384m' },
          // a loaded host recovers shards slowly after a restart
          startTimeoutMs: 600_000,
        },
        mysql: { url: CHAOS_MYSQL_URL },
        search: { url: CHAOS_SEARCH_URL },
        kafka: { brokers: [CHAOS_KAFKA_BROKER] },
      },
      {},
    ),
  );

  /** Starts the three (idempotent: an instance left running by an earlier run is reused). */
  async up(): Promise<void> {
    await this.stack.up(SERVERS);
  }

  /** Stops one server (SIGTERM, waits for the exit) and starts it again; resolves when healthy. */
  async restart(name: OwnServer): Promise<{ downMs: number }> {
    const t0 = Date.now();
    await this.stack.servers[name].down();
    await this.stack.servers[name].up();
    return { downMs: Date.now() - t0 };
  }

  async down(): Promise<void> {
    await this.stack.down(['kafka', 'opensearch', 'mariadb']);
  }

  rootPool(database?: string): mysql.Pool {
    return mysql.createPool({
      host: '127.0.0.1',
      port: CHAOS_MARIADB_PORT,
      user: 'root',
      connectionLimit: 4,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      ...(database && { database }),
    });
  }

  search(): SearchClient {
    return new SearchClient({ url: CHAOS_SEARCH_URL });
  }
}
