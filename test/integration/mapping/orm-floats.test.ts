import 'reflect-metadata';
import mysql2 from 'mysql2';
import mysql from 'mysql2/promise';
import { DataSource, EntitySchema } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, type Sync } from '../../../src/sdk/index.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { attachSyncline } from '../../../src/typeorm/index.js';
import { diffTableAndIndex, readIndex } from '../../helpers/compare.js';
import { MARIADB_PORT, rootConnection, testConfig, uniqueName } from '../../helpers/stack.js';

/**
 * The TypeORM after-commit hooks re-read the committed rows through the application's own driver
 * connection: FLOAT and DOUBLE must arrive exactly there too (issue 15, hazards f and g), or a document
 * written by the hooks differs from the same row written by the binlog, the snapshot or a repair.
 */
interface Reading {
  id: number;
  f: number | null;
  d: number | null;
}
const Readings = new EntitySchema<Reading>({
  name: 'Reading',
  tableName: 'readings',
  columns: {
    id: { type: Number, primary: true },
    f: { type: 'float', nullable: true },
    d: { type: 'double', nullable: true },
  },
});

const database = uniqueName('ormf');
const index = `${database}_readings`;
let ds: DataSource;
let sync: Sync;
let detach: (() => void) | undefined;
let search: SearchClient;
let sql: mysql.Pool;

beforeAll(async () => {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE \`${database}\``);
  await c.query(`CREATE TABLE \`${database}\`.readings (id INT PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL)`);
  await c.end();
  const config = testConfig({
    mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${database}`, poolSize: 2 },
    mappings: [{ table: `${database}.readings`, index }],
    pipelines: [],
    sink: { batch: { lingerMs: 5 } },
  });
  // the application's DataSource: TypeORM on the callback-style mysql2 driver, default options
  ds = await new DataSource({
    type: 'mariadb',
    driver: mysql2,
    host: '127.0.0.1',
    port: MARIADB_PORT,
    username: 'root',
    database,
    entities: [Readings],
    synchronize: false,
    logging: false,
  }).initialize();
  sync = await createSync({ config, name: `${database}-hooks`.replaceAll('_', '-') });
  detach = attachSyncline(ds, sync).detach;
  search = new SearchClient({ url: config.search.url });
  sql = mysql.createPool({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root', database });
});
afterAll(async () => {
  detach?.();
  await sync?.close();
  await ds?.destroy();
  await sql?.end();
  const c = await rootConnection();
  await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await c.end();
  await search?.request('DELETE', `/${index}_v1`).catch(() => {});
  await search?.close();
});

describe('TypeORM hooks: FLOAT and DOUBLE documents', () => {
  it('the documents hold the stored float32 (shortest decimal) and the exact double', async () => {
    const rows: Reading[] = [
      { id: 1, f: -851500.5, d: 977.1706419996917 },
      { id: 2, f: 123456789, d: -977.1706419996917 },
      { id: 3, f: 1e-45, d: 5e-324 },
      { id: 4, f: 0.1, d: 0.1 },
      { id: 5, f: null, d: null },
    ];
    await ds.transaction(async (m) => {
      for (const r of rows) await m.save(Readings, r);
    });
    await sync.flush();
    const docs = await readIndex(search, index);
    expect(Object.fromEntries([...docs].map(([id, d]) => [id, d]))).toEqual({
      '1': { id: 1, f: -851500.5, d: 977.1706419996917 },
      '2': { id: 2, f: 123456790, d: -977.1706419996917 },
      '3': { id: 3, f: 1e-45, d: 5e-324 },
      '4': { id: 4, f: 0.1, d: 0.1 },
      '5': { id: 5, f: null, d: null },
    });
    const diff = await diffTableAndIndex(sql, { database, table: 'readings', config: {} }, search, index);
    expect({ missing: diff.missing, extra: diff.extra, stale: diff.stale }).toEqual({
      missing: [],
      extra: [],
      stale: [],
    });
  });
});
