import mysql from 'mysql2/promise';

/** What the local MariaDB and MySQL share: how they are probed and how Syncline's schemas and user are made. */
export interface LocalSqlAccounts {
  readonly rootUser: string;
  readonly appUser: string;
  readonly appPassword: string;
  readonly demoDatabase: string;
  readonly internalDatabase: string;
}

/** `SELECT VERSION()` as the root user, or undefined when the server does not answer (yet). */
export async function probeSqlVersion(port: number, rootUser: string): Promise<string | undefined> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port, user: rootUser, connectTimeout: 2000 });
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v);
  } catch {
    return undefined;
  } finally {
    await conn?.end().catch(() => {});
  }
}

/**
 * The demo and internal schemas, and Syncline's user on 127.0.0.1 and localhost with the server's own spelling
 * of the user (`identifiedBy`, e.g. `WITH caching_sha2_password BY`) and of its binlog grants. Idempotent.
 */
export async function ensureLocalAccounts(
  port: number,
  a: LocalSqlAccounts,
  spelling: { identifiedBy: string; binlogGrants: string },
): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: a.rootUser });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${a.demoDatabase} CHARACTER SET utf8mb4`);
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${a.internalDatabase} CHARACTER SET utf8mb4`);
    for (const host of ['127.0.0.1', 'localhost']) {
      await conn.query(
        `CREATE USER IF NOT EXISTS '${a.appUser}'@'${host}' ${spelling.identifiedBy} '${a.appPassword}'`,
      );
      await conn.query(`GRANT ${spelling.binlogGrants} ON *.* TO '${a.appUser}'@'${host}'`);
      await conn.query(`GRANT ALL ON ${a.demoDatabase}.* TO '${a.appUser}'@'${host}'`);
      await conn.query(`GRANT ALL ON ${a.internalDatabase}.* TO '${a.appUser}'@'${host}'`);
    }
  } finally {
    await conn.end();
  }
}
