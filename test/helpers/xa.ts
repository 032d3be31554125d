import type { Connection, RowDataPacket } from 'mysql2/promise';

/**
 * Runs an XA decision (XA COMMIT / XA ROLLBACK) from another session, as a transaction manager does, and
 * returns its GTID. The prepared branch is detached from its session only once the server has finished
 * closing that session, a moment after the client's end(): until then the decision fails with XAER_NOTA
 * (1397), so it is retried within a bound.
 */
export async function decideXa(conn: Connection, sql: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await conn.query(sql);
      break;
    } catch (e) {
      if ((e as { errno?: number }).errno !== 1397 || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const [rows] = await conn.query<RowDataPacket[]>('SELECT @@last_gtid AS g');
  return String(rows[0]?.g);
}
