import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { SynclineConfig } from '../config/schema.js';
import { SynclineError } from '../core/errors.js';
import { MappingSet } from '../mapping/mapping-set.js';
import { createDbPool } from '../runtime/clients.js';
import { prepareMappings } from '../runtime/pipelines.js';
import { createSync, type Sync } from '../sdk/sync.js';
import type { SearchClient } from '../sinks/search/client.js';
import { outboxDdl } from '../sources/outbox/outbox-table.js';
import { catalogOutboxTable, urlDatabase } from '../sources/outbox/relay-config.js';
import { attachSyncline } from '../typeorm/index.js';
import { DualWritePath } from './dual-write-path.js';
import { OutboxWritePath } from './outbox-write-path.js';
import { CATALOG_TABLES, type CatalogTable, type WritePaths, writePathsFromConfig } from './write-path.js';

export interface CatalogWritePaths {
  readonly paths: WritePaths;
  /** The dual-write client, when a table uses a dual-write mode (stats, flush). */
  readonly sync: Sync | undefined;
  /** Waits for background index writes (dead-lettering what is left when `signal` aborts), then closes. */
  close(signal?: AbortSignal): Promise<void>;
}

export interface WritePathDeps {
  config: SynclineConfig;
  /** The catalog's initialized DataSource. */
  db: DataSource;
  search: SearchClient;
  logger: Logger;
}

/**
 * The write path of each catalog table from api.writeModes. cdc needs nothing; the dual-write modes
 * share one dual-write client (mappings of their tables, a bulk sink, the dead-letter store) and a
 * TypeORM subscriber that reads each commit's GTID; outbox needs the outbox table (created here).
 */
export async function createWritePaths(deps: WritePathDeps): Promise<CatalogWritePaths> {
  const { config, db, search, logger } = deps;
  const modes = config.api.writeModes;
  const tables = CATALOG_TABLES.filter((t) => modes[t] !== 'cdc');
  if (tables.length === 0)
    return { paths: writePathsFromConfig(modes), sync: undefined, close: async () => {} };

  const database = (db.driver.database as string | undefined) ?? urlDatabase(config);
  if (!database) {
    throw new SynclineError(
      'CONFIG_INVALID',
      'api.writeModes: the catalog database is unknown (mysql.url names none)',
    );
  }
  const wanted = new Set(tables.map((t) => `${database}.${t}`.toLowerCase()));
  const mappingConfigs = config.mappings.filter((m) => wanted.has(m.table.toLowerCase()));
  for (const t of tables) {
    if (!mappingConfigs.some((m) => m.table.toLowerCase() === `${database}.${t}`.toLowerCase())) {
      throw new SynclineError(
        'CONFIG_INVALID',
        `api.writeModes.${t} is ${modes[t]} but mappings[] has no entry for ${database}.${t}`,
      );
    }
  }
  const pool = createDbPool(config);
  let sync: Sync | undefined;
  let detach: (() => void) | undefined;
  try {
    const mappings = await MappingSet.load(pool, mappingConfigs);
    // Dual-writes go to the index directly, so it must exist with its mapping (alias over _v1) first.
    // Outbox mode does not touch the engine: the API starts and commits even while it is down.
    const dualWriteTables = new Set(
      tables.filter((t) => modes[t] !== 'outbox').map((t) => `${database}.${t}`.toLowerCase()),
    );
    const dualWriteMappings = mappingConfigs.filter((m) => dualWriteTables.has(m.table.toLowerCase()));
    if (dualWriteMappings.length > 0) {
      await prepareMappings({ ...config, mappings: dualWriteMappings }, { db: pool }, search, logger);
    }
    const factories: Parameters<typeof writePathsFromConfig>[1] = {};
    if (tables.some((t) => modes[t] === 'dual-write-sync' || modes[t] === 'dual-write-async')) {
      sync = await createSync({
        config,
        search,
        db: pool,
        mappings,
        defaultDatabase: database,
        name: config.api.dualWrite.pipeline,
        logger,
      });
      const hooks = attachSyncline(db, sync, { collectEntities: false, logger });
      detach = () => hooks.detach();
      for (const mode of ['dual-write-sync', 'dual-write-async'] as const) {
        factories[mode] = () =>
          new DualWritePath({
            mode,
            sync: sync!,
            commits: hooks,
            database,
            syncTimeoutMs: config.api.dualWrite.syncTimeoutMs,
            logger,
          });
      }
    }
    if (tables.some((t) => modes[t] === 'outbox')) {
      const outboxTable = catalogOutboxTable(config) ?? `${database}.${config.api.outbox.table}`;
      await pool.query(outboxDdl(outboxTable));
      factories.outbox = () =>
        new OutboxWritePath({
          outboxTable,
          database,
          keyColumns: (t: CatalogTable) => mappings.get(database, t)?.keyColumns ?? ['id'],
        });
    }
    const paths = writePathsFromConfig(modes, factories);
    return {
      paths,
      sync,
      async close(signal) {
        try {
          await sync?.close(signal);
        } finally {
          detach?.();
          await pool.end().catch(() => {});
        }
      },
    };
  } catch (e) {
    detach?.();
    await sync?.close().catch(() => {});
    await pool.end().catch(() => {});
    throw e;
  }
}
