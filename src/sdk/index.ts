/**
 * `syncline/sdk`: dual-write from any handler (docs/dual-write.md).
 *
 *   const sync = await createSync({ config });
 *   await conn.commit();
 *   const tx = await sync.committed(conn); // this commit's GTID, read on this connection
 *   // or: const tx = sync.transaction(await commitWithStamp(conn)); // runs COMMIT, GTID from its OK packet
 *   await tx.index('products', row);       // or tx.remove('products', { id })
 */
export {
  type CommitStamp,
  commitWithStamp,
  readCommitStamp,
  type SqlSession,
  stampOf,
  versionOf,
} from './commit-stamp.js';
export {
  CommittedTransaction,
  createSync,
  Sync,
  type SyncOptions,
  type SyncOutcome,
  type SyncReceipt,
  type SyncStats,
  type WriteOptions,
} from './sync.js';
