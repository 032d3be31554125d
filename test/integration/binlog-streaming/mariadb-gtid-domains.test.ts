import { rm } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitStamp, versionOf } from '../../../src/sdk/commit-stamp.js';
import { MariadbServer } from '../../../src/stack/mariadb-server.js';
import { SourceRun } from './helpers.js';

/**
 * MariaDB with several GTID domains: every domain numbers its own transactions, so a domain's sequence
 * number says nothing about another's. Versions must still grow in binlog order, and the dual-write stamp
 * must give a change the version CDC gives it. A second domain stays in a server's GTID state for good,
 * so this runs on a MariaDB of its own (not the shared one, whose versions other suites compare).
 */
const PORT = 3319;
const home = path.resolve('.data/test-gtid-domains');
const server = new MariadbServer(PORT, home, 120_000);
const connection = { url: `mysql://root@127.0.0.1:${PORT}/`, timezone: 'Z', connectTimeoutMs: 5000 };
let conn: mysql.Connection;

beforeAll(async () => {
  await rm(home, { recursive: true, force: true });
  await server.up();
  conn = await mysql.createConnection({ host: '127.0.0.1', port: PORT, user: 'root' });
  await conn.query('CREATE DATABASE d');
  await conn.query('CREATE TABLE d.t (id INT PRIMARY KEY, name VARCHAR(20))');
  await conn.query(`INSERT INTO d.t VALUES (1, 'v0')`);
  for (let i = 1; i <= 5; i++) await conn.query(`UPDATE d.t SET name = 'v${i}' WHERE id = 1`);
});
afterAll(async () => {
  await conn?.end().catch(() => {});
  await server.down();
  await rm(home, { recursive: true, force: true });
});

/** One UPDATE in its own transaction, in gtid domain `domain`; returns the commit's stamp. */
async function updateIn(domain: number, name: string) {
  await conn.query(`SET SESSION gtid_domain_id = ${domain}`);
  await conn.query(`UPDATE d.t SET name = ? WHERE id = 1`, [name]);
  return readCommitStamp(conn);
}

// MariaDB-only (gtid_domain_id; files named mariadb-*.test.ts run in the "mariadb" project only): it runs its
// own MariaDB.
describe('MariaDB with several GTID domains', () => {
  it('versions grow across domains in binlog order, equal the SDK stamp, and resume identically from a checkpoint', async () => {
    const first = new SourceRun({ tables: ['d.t'], connection });
    const stamps = [];
    let checkpoint: SourceRun['lastPosition'];
    try {
      await first.waitFor(
        (r) => r.source.stats().reader?.connected === true,
        15_000,
        'the binlog connection',
      );
      stamps.push(await updateIn(0, 'd0-a'));
      await first.waitForEvents(1);
      checkpoint = first.lastPosition;
      // Domain 7 starts numbering at 1, far below domain 0's sequence.
      stamps.push(await updateIn(7, 'd7-a'));
      stamps.push(await updateIn(0, 'd0-b'));
      stamps.push(await updateIn(7, 'd7-b'));
      await first.waitForEvents(4);
    } finally {
      await first.stop();
    }
    expect(stamps.map((s) => s.gtid.split('-')[0])).toEqual(['0', '7', '0', '7']);
    expect(stamps[1]!.gtid).toBe('7-1-1');
    const names = first.events.map((e) => e.after?.name);
    expect(names).toEqual(['d0-a', 'd7-a', 'd0-b', 'd7-b']);
    const versions = first.events.map((e) => e.source.position.version);
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
    expect(versions).toEqual(stamps.map((s) => versionOf(s, 0)));

    const resumed = new SourceRun({ tables: ['d.t'], connection }, checkpoint);
    try {
      await resumed.waitForEvents(3);
      expect(resumed.events.map((e) => e.after?.name)).toEqual(names.slice(1));
      expect(resumed.events.map((e) => e.source.position.version)).toEqual(versions.slice(1));
    } finally {
      await resumed.stop();
    }
  });
});
