import type { Connection } from 'mysql2/promise';
import { readCommitStamp } from '../../src/sdk/commit-stamp.js';

/**
 * Runs an XA decision (XA COMMIT / XA ROLLBACK) from another session, as a transaction manager does, and
 * returns its GTID. The prepared branch is detached from its session only once the server has finished
 * closing that session, a moment after the client's end(): until then the decision fails with XAER_NOTA
 * (1397), so it is retried within a bound.
 */
export async function decideXa(conn: Connection, sql: string): Promise<string> {
  // MySQL: the decision of a branch prepared by another session is no transaction of this session in
  // performance_schema, so its GTID is taken from the OK packet (session_track_gtids=OWN_GTID).
  await conn.query('SET SESSION session_track_gtids = OWN_GTID').catch(() => {}); // MariaDB: no such variable
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const [ok] = (await conn.query(sql)) as unknown as [{ stateChanges?: { gtids?: string[] } }];
      const own = ok.stateChanges?.gtids?.filter((g) => g !== '');
      if (own?.length) return own[own.length - 1]!;
      break;
    } catch (e) {
      if ((e as { errno?: number }).errno !== 1397 || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  // The decision's own GTID on this session (MariaDB @@last_gtid, MySQL performance_schema).
  return (await readCommitStamp(conn)).gtid;
}
