import type { Logger } from 'pino';
import { errorMessage } from '../core/errors.js';
import { versionOf } from '../sdk/commit-stamp.js';
import type { Sync, SyncReceipt } from '../sdk/sync.js';
import type { SynclineSubscriber } from '../typeorm/subscriber.js';
import type { CatalogTable, IndexReport, WriteContext, WriteKind, WritePath } from './write-path.js';

export interface DualWritePathOptions {
  readonly mode: 'dual-write-sync' | 'dual-write-async';
  readonly sync: Sync;
  /** Reads @@last_gtid after COMMIT on the transaction's own connection (registered on the DataSource). */
  readonly commits: SynclineSubscriber;
  /** The catalog's database (mappings are keyed by database.table). */
  readonly database: string;
  /** dual-write-sync: how long the response waits for the index write. */
  readonly syncTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * `dual-write-sync` / `dual-write-async` (docs/dual-write.md): after the commit, the stored row is
 * written to the index through the dual-write SDK, versioned with the commit's GTID — the version the
 * binlog pipeline gives the same change, so either can come first. The commit always stands: a failed
 * index write is retried with backoff in the background, then dead-lettered.
 *   sync:  the response waits up to syncTimeoutMs → `indexed`, else `behind` (still retrying).
 *   async: the response does not wait → `queued`.
 */
export class DualWritePath implements WritePath {
  readonly mode: DualWritePathOptions['mode'];

  constructor(private readonly o: DualWritePathOptions) {
    this.mode = o.mode;
  }

  async afterWrite(
    table: CatalogTable,
    kind: WriteKind,
    row: Readonly<Record<string, unknown>>,
    ctx: WriteContext,
  ): Promise<void> {
    const committed = this.o.commits.commitOf(ctx.manager);
    const qualified = `${this.o.database}.${table}`;
    const stored = { ...row };
    ctx.afterCommit(async (): Promise<IndexReport> => {
      let stamp: Awaited<typeof committed>;
      try {
        stamp = await committed;
      } catch (e) {
        // committed, but without a version: visible in the dead-letter store, repaired by reconcile
        this.o.logger.error({ err: errorMessage(e), table: qualified }, 'dual-write: no commit version');
        await this.o.sync
          .unversioned(qualified, stored, kind === 'delete' ? 'd' : 'u', errorMessage(e))
          .catch(() => {});
        return { state: 'behind' };
      }
      // one row per catalog transaction: the change is the transaction's first (order 0), as in the binlog
      const version = versionOf(stamp, 0);
      const overflow = this.o.sync.full; // this change will go to the dead-letter store, not the index
      let receipt: Promise<SyncReceipt>;
      try {
        receipt =
          kind === 'delete'
            ? this.o.sync.remove(qualified, stored, { stamp, order: 0 })
            : this.o.sync.index(qualified, stored, { stamp, order: 0 });
      } catch (e) {
        this.o.logger.error({ err: errorMessage(e), table: qualified }, 'dual-write refused');
        return { state: 'behind', version };
      }
      receipt.catch((e: unknown) =>
        this.o.logger.error({ err: errorMessage(e), table: qualified }, 'dual-write failed'),
      );
      if (this.mode === 'dual-write-async') return { state: overflow ? 'behind' : 'queued', version };
      const r = await settleWithin(receipt, this.o.syncTimeoutMs);
      return { state: r && r.outcome !== 'dead' ? 'indexed' : 'behind', version };
    });
  }
}

/** The receipt if it settles within `ms`, else undefined (the write goes on in the background). */
async function settleWithin(p: Promise<SyncReceipt>, ms: number): Promise<SyncReceipt | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
