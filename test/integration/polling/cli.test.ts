import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootConnection, SOURCE_PORT, uniqueName } from '../../helpers/stack.js';

const run = promisify(execFile);
const CLI = new URL('../../../dist/cli/main.js', import.meta.url).pathname;

let db: string;
let dir: string;
let config: string;
let sql: mysql.Connection;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run -s build` first');
  db = uniqueName('t_pollcli');
  sql = await rootConnection();
  await sql.query(`CREATE DATABASE ${db}`);
  await sql.query(`CREATE TABLE ${db}.items (id INT PRIMARY KEY, name VARCHAR(20))`);
  await sql.query(`CREATE TABLE ${db}.nokey (name VARCHAR(20))`);
  await sql.query(`INSERT INTO ${db}.items VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
  dir = mkdtempSync(join(tmpdir(), 'syncline-poll-cli-'));
  config = join(dir, 'syncline.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      mysql: { url: `mysql://root@127.0.0.1:${SOURCE_PORT}/${db}` },
      stack: { manage: false },
      mappings: [],
      pipelines: [],
    }),
  );
});

afterAll(async () => {
  await sql.query(`DROP DATABASE IF EXISTS ${db}`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
});

const syncline = (...args: string[]) => run('node', [CLI, '-c', config, 'polling', ...args]);

async function triggers(): Promise<string[]> {
  const [rows] = await sql.query(
    'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?',
    [db],
  );
  return (rows as Array<{ n: string }>).map((r) => r.n);
}

describe('syncline polling install-triggers / remove-triggers', () => {
  it('installs a delete trigger that fills the tombstone table, and removes it', async () => {
    const out = await syncline('install-triggers', `${db}.items`, '--tombstone-table', `${db}.tombstones`);
    expect(out.stdout).toContain(`installed trigger ${db}.syncline_tombstone_items`);
    expect(out.stdout).toContain(`deletes.tombstoneTable: ${db}.tombstones`);
    expect(await triggers()).toEqual(['syncline_tombstone_items']);
    // idempotent
    await syncline('install-triggers', `${db}.items`, '--tombstone-table', `${db}.tombstones`);
    expect(await triggers()).toEqual(['syncline_tombstone_items']);

    await sql.query(`DELETE FROM ${db}.items WHERE id IN (1, 3)`);
    const [rows] = await sql.query(`SELECT source_db, source_table, pk FROM ${db}.tombstones ORDER BY id`);
    expect(
      (rows as Array<Record<string, string>>).map((r) => [
        r.source_db,
        r.source_table,
        typeof r.pk === 'string' ? JSON.parse(r.pk) : r.pk,
      ]),
    ).toEqual([
      [db, 'items', { id: 1 }],
      [db, 'items', { id: 3 }],
    ]);

    const removed = await syncline('remove-triggers', `${db}.items`);
    expect(removed.stdout).toContain(`removed trigger ${db}.syncline_tombstone_items`);
    expect(await triggers()).toEqual([]);
    await sql.query(`DELETE FROM ${db}.items WHERE id = 2`);
    const [after] = await sql.query(`SELECT COUNT(*) AS n FROM ${db}.tombstones`);
    expect(Number((after as Array<{ n: number }>)[0]!.n)).toBe(2);
    const again = await syncline('remove-triggers', `${db}.items`);
    expect(again.stdout).toContain('nothing to do');
  });

  it('refuses tables without a key, missing tables and unqualified names with the reason', async () => {
    for (const [table, reason] of [
      [`${db}.nokey`, 'has no primary key'],
      [`${db}.missing`, 'no such table'],
      ['items', 'write it as database.table'],
    ] as const) {
      const err = (await syncline('install-triggers', table).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: number; stderr: string } | undefined;
      expect(err, table).toBeDefined();
      expect(err!.code).not.toBe(0);
      expect(err!.stderr).toContain(reason);
    }
  });
});
