/**
 * `syncline/typeorm`: after-commit ORM hooks for TypeORM (docs/orm-hooks.md).
 *
 *   const sync = await createSync({ config });            // from 'syncline/sdk'
 *   const hooks = attachSyncline(dataSource, sync);        // after dataSource.initialize()
 *   await dataSource.transaction(async (m) => { await m.save(product); });  // indexed after COMMIT
 */
import type { DataSource } from 'typeorm';
import { SynclineError } from '../core/errors.js';
import type { Sync } from '../sdk/sync.js';
import { type SynclineHooksOptions, SynclineSubscriber } from './subscriber.js';

export { type SynclineHooksOptions, type SynclineHooksStats, SynclineSubscriber } from './subscriber.js';

/**
 * Registers the hooks on an initialized DataSource (TypeORM builds `subscribers` from classes during
 * initialize(), and these hooks need the Sync instance, so they are added afterwards). Returns the
 * subscriber: `stats`, `commitOf(manager)`, and `detach()` to remove it.
 */
export function attachSyncline(
  dataSource: DataSource,
  sync: Sync,
  options: SynclineHooksOptions = {},
): SynclineSubscriber & { detach(): void } {
  if (!dataSource.isInitialized) {
    throw new SynclineError('CONFIG_INVALID', 'attachSyncline: call dataSource.initialize() first');
  }
  const type = dataSource.options.type;
  if (type !== 'mariadb' && type !== 'mysql') {
    throw new SynclineError(
      'CONFIG_INVALID',
      `attachSyncline: a ${type} DataSource is not supported (MariaDB only)`,
    );
  }
  const subscriber = new SynclineSubscriber(sync, dataSource, options);
  dataSource.subscribers.push(subscriber);
  return Object.assign(subscriber, {
    detach() {
      const i = dataSource.subscribers.indexOf(subscriber);
      if (i >= 0) dataSource.subscribers.splice(i, 1);
    },
  });
}
