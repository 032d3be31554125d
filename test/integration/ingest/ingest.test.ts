import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogDataSource } from '../../../src/catalog/data-source.js';
import type { SynclineConfig } from '../../../src/config/schema.js';
import { MysqlDeadLetterStore } from '../../../src/dead-letter/mysql-dead-letter-store.js';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { ensureIndex } from '../../../src/mapping/index-definitions.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { createDbPool } from '../../../src/runtime/clients.js';
import { buildApp } from '../../../src/server/app.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';
import type { IngestFormat } from '../../../src/sources/ingest/index.js';
import { IngestService } from '../../../src/sources/ingest/ingest-service.js';
import { readIndex } from '../../helpers/compare.js';
import { MARIADB_PORT, searchClient, testConfig, uniqueName } from '../../helpers/stack.js';

const FORMATS: readonly IngestFormat[] = ['canal', 'maxwell', 'debezium'];
const TOKEN = 'ingest-token-0123456789';
const ADMIN = 'admin-token-0123456789';

const PRODUCTS = `CREATE TABLE products (
  id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(100), price DECIMAL(12,2), qty INT,
  active TINYINT(1), created DATE, updated_at DATETIME(6), stamp TIMESTAMP(6) NULL,
  photo VARBINARY(16), tags SET('new','sale','hot'), attrs JSON
)`;

/** One database (and index) per format, named like the fixtures' `shop` is replaced with. */
const dbs = Object.fromEntries(FORMATS.map((f) => [f, uniqueName(`ing_${f}`)])) as Record<
  IngestFormat,
  string
>;
const indexOf = (f: IngestFormat) => `${dbs[f]}_products`;

function fixtureText(format: IngestFormat, name: string): string {
  const text = readFileSync(new URL(`../../fixtures/ingest/${format}/${name}.json`, import.meta.url), 'utf8');
  return text.replaceAll('"shop"', `"${dbs[format]}"`).replaceAll('.shop.', `.${dbs[format]}.`);
}
const fixture = <T>(format: IngestFormat, name: string): T => JSON.parse(fixtureText(format, name)) as T;

let app: FastifyInstance;
let config: SynclineConfig;
let search: SearchClient;
let pool: mysql.Pool;
let catalog: DataSource;
let ingest: IngestService;

beforeAll(async () => {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: MARIADB_PORT, user: 'root' });
  for (const db of Object.values(dbs)) {
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`USE \`${db}\``);
    await admin.query(PRODUCTS);
  }
  await admin.end();
  config = testConfig({
    mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${dbs.canal}`, poolSize: 4 },
    server: { adminToken: ADMIN },
    ingest: { token: TOKEN, maxMessages: 100 },
    sink: { batch: { lingerMs: 5 }, refresh: 'wait_for' },
    mappings: FORMATS.map((f) => ({ table: `${dbs[f]}.products`, index: indexOf(f) })),
    pipelines: [],
    logLevel: 'warn',
  });
  pool = createDbPool(config);
  search = searchClient();
  const mappings = await MappingSet.load(pool, config.mappings);
  for (const m of mappings.mappings)
    await ensureIndex(search, m.index, {}, { properties: columnProperties(m) });
  ingest = new IngestService({
    mappings,
    search,
    sink: config.sink,
    deadLetters: new MysqlDeadLetterStore(pool, config.internalDatabase),
    logger: pino({ level: 'silent' }),
  });
  catalog = await createCatalogDataSource(config).initialize();
  app = await buildApp({
    config,
    db: catalog,
    search,
    logger: pino({ level: 'silent' }),
    readiness: { pipelines: () => [] },
    ingest,
  });
});

afterAll(async () => {
  await app?.close();
  await ingest?.close();
  await catalog?.destroy();
  for (const f of FORMATS) await search.request('DELETE', `/${indexOf(f)}_v1`).catch(() => {});
  await pool
    .query('DELETE FROM syncline.dead_letters WHERE pipeline LIKE ? AND index_name LIKE ?', [
      'ingest-%',
      'ing_%',
    ])
    .catch(() => {});
  for (const db of Object.values(dbs)) await pool.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await pool.end();
  await search.close();
});

function post(format: string, body: string, opts: { token?: string | null; type?: string } = {}) {
  const token = opts.token === undefined ? TOKEN : opts.token;
  return app.inject({
    method: 'POST',
    url: `/api/ingest/${format}`,
    headers: {
      'content-type': opts.type ?? 'application/json',
      ...(token !== null && { authorization: `Bearer ${token}` }),
    },
    payload: body,
  });
}

async function documents(format: IngestFormat): Promise<Map<string, Record<string, unknown>>> {
  return readIndex(search, indexOf(format));
}

async function expectExpected(format: IngestFormat): Promise<void> {
  const expected = fixture<Record<string, Record<string, unknown> | null>>(format, 'expected');
  const docs = await documents(format);
  for (const [id, doc] of Object.entries(expected)) {
    if (doc === null) expect(docs.has(id), `${format}: document ${id} deleted`).toBe(false);
    else
      expect(docs.get(id), `${format}: document ${id}`).toEqual({
        ...doc,
        attrs_values: leaves(doc.attrs)?.sort() ?? null,
      });
  }
  expect(docs.size).toBe(Object.values(expected).filter((d) => d !== null).length);
}

/** The JSON column's search copy (docs/mapping.md#json-columns): string leaves, nulls left out. */
function leaves(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.flatMap((x) => leaves(x) ?? []);
  if (typeof v === 'object') return Object.values(v as object).flatMap((x) => leaves(x) ?? []);
  return [String(v)];
}

type Outcome = { index: number; status: string; events: number; reason?: string };

describe('POST /api/ingest/{format}', () => {
  it('canal: a JSON array of flat messages produces the expected documents', async () => {
    const res = await post('canal', fixtureText('canal', 'stream'));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: number; items: Outcome[] };
    expect(body).toMatchObject({ accepted: 4, rejected: 0 });
    expect(body.items.map((i) => i.status)).toEqual(['ok', 'ok', 'ignored', 'ok']);
    expect(body.items[2]!.reason).toBe('not a row change (ddl)');
    await expectExpected('canal');
  });

  it('maxwell: NDJSON of {key, value} records produces the expected documents', async () => {
    const stream = fixture<unknown[]>('maxwell', 'stream');
    const res = await post('maxwell', stream.map((m) => JSON.stringify(m)).join('\n'), {
      type: 'application/x-ndjson',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: Outcome[] };
    expect(body.items.map((i) => i.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ignored', 'ok']);
    await expectExpected('maxwell');
    // replaying the same stream changes nothing: every write is stale (versions from the positions)
    const again = await post('maxwell', JSON.stringify(stream));
    expect((again.json() as { items: Outcome[] }).items.map((i) => i.status)).toEqual([
      'stale',
      'stale',
      'stale',
      'stale',
      'ignored',
      'stale',
    ]);
    await expectExpected('maxwell');
  });

  it('debezium: envelopes with and without the schema; tombstones are never written', async () => {
    const stream = fixture<Array<{ value: unknown }>>('debezium', 'stream');
    const changes = stream.filter((m) => m.value !== null);
    const tombstones = stream.filter((m) => m.value === null);
    expect(tombstones).toHaveLength(2);
    const res = await post('debezium', changes.map((m) => JSON.stringify(m)).join('\n'));
    expect(res.statusCode).toBe(200);
    expect((res.json() as { items: Outcome[] }).items.map((i) => i.status)).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    expect((await documents('debezium')).has('3')).toBe(true);
    // a tombstone has no position, so it cannot be ordered: never written (the delete before it does
    // the delete), even for row 3 whose delete is not in the stream (a compacted topic; reconcile finds it)
    const tomb = await post('debezium', JSON.stringify(tombstones));
    expect(tomb.statusCode).toBe(200);
    const items = (tomb.json() as { items: Outcome[] }).items;
    expect(items.map((i) => i.status)).toEqual(['ignored', 'ignored']);
    expect(items[0]!.reason).toBe('tombstone: not written (the delete before it removes the document)');
    await expectExpected('debezium');
    // a single envelope (no array) is accepted as one message
    const one = await post('debezium', JSON.stringify(changes[1]!.value));
    expect(one.statusCode).toBe(200);
    expect((one.json() as { items: Outcome[] }).items[0]!.status).toBe('stale');
  });

  it('debezium: a retried request whose tombstone precedes a re-insert keeps the re-inserted document', async () => {
    const db = dbs.debezium;
    const change = (op: string, pos: number, name: string | null) => ({
      key: { id: 55 },
      topic: `dbserver1.${db}.products`,
      value: {
        op,
        before: op === 'c' ? null : { id: 55, name: 'first' },
        after: op === 'd' ? null : { id: 55, name },
        source: {
          connector: 'mariadb',
          db,
          table: 'products',
          file: 'binlog.000007',
          pos,
          row: 0,
          snapshot: 'false',
        },
        ts_ms: 1,
      },
    });
    const tombstone = { key: { id: 55 }, topic: `dbserver1.${db}.products`, value: null };
    // delete + tombstone + re-insert of the same id, as Debezium sends them (tombstones.on.delete=true)
    const body = [change('c', 1000, 'first'), change('d', 2000, null), tombstone, change('c', 3000, 'again')]
      .map((m) => JSON.stringify(m))
      .join('\n');
    for (const attempt of ['first', 'retry']) {
      const res = await post('debezium', body);
      expect(res.statusCode, attempt).toBe(200);
      const statuses = (res.json() as { items: Outcome[] }).items.map((i) => i.status);
      expect(statuses, attempt).toEqual(
        attempt === 'first' ? ['ok', 'ok', 'ignored', 'ok'] : ['stale', 'stale', 'ignored', 'stale'],
      );
      expect((await documents('debezium')).get('55')?.name, attempt).toBe('again');
    }
  });

  it.each(FORMATS)('%s: malformed messages are rejected with the reason, nothing written', async (format) => {
    const cases = fixture<Array<{ reason: string; message: unknown }>>(format, 'malformed');
    const before = await documents(format);
    const all = await post(format, JSON.stringify(cases.map((c) => c.message)));
    expect(all.statusCode).toBe(400);
    const err = all.json() as { error: { code: string; message: string; details: { items: Outcome[] } } };
    expect(err.error.code).toBe('SYNC_S1005');
    expect(err.error.details.items.map((i) => i.status)).toEqual(cases.map(() => 'rejected'));
    cases.forEach((c, i) => {
      expect(err.error.details.items[i]!.reason).toContain(c.reason);
    });
    // one malformed message alone: 400 with its reason
    const single = await post(format, JSON.stringify(cases[1]!.message));
    expect(single.statusCode).toBe(400);
    expect((single.json() as { error: { message: string } }).error.message).toContain(cases[1]!.reason);
    expect(await documents(format)).toEqual(before);
  });

  it('a batch with good and bad messages: 207, the good ones written, the bad ones named', async () => {
    const good = fixture<unknown[]>('canal', 'stream')[0];
    const bad = fixture<Array<{ message: unknown }>>('canal', 'malformed')[2]!.message;
    const res = await post('canal', `${JSON.stringify(good)}\n{not json\n${JSON.stringify(bad)}\n`);
    expect(res.statusCode).toBe(207);
    const body = res.json() as { accepted: number; rejected: number; items: Outcome[] };
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.items.map((i) => i.status)).toEqual(['stale', 'rejected', 'rejected']);
    expect(body.items[1]!.reason).toMatch(/^line 2: not valid JSON/);
    expect(body.items[2]!.reason).toContain('canal: type: unknown type "UPSERT"');
  });

  it('unmapped tables are ignored; unconvertible rows go to the dead-letter store', async () => {
    const row = fixture<Array<{ value: Record<string, unknown> }>>('maxwell', 'stream')[1]!.value;
    const other = { ...row, table: 'not_mapped' };
    const broken = {
      ...row,
      position: 'mysql-bin.000009:4',
      data: { ...(row.data as object), id: 77, created: 'not a date' },
    };
    const res = await post('maxwell', JSON.stringify([other, broken]));
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Outcome[] }).items;
    expect(items[0]).toMatchObject({ status: 'ignored', reason: `no mapping for ${dbs.maxwell}.not_mapped` });
    expect(items[1]!.status).toBe('dead');
    expect(items[1]!.reason).toContain('column "created"');
    const [rows] = await pool.query(
      'SELECT COUNT(*) AS n FROM syncline.dead_letters WHERE pipeline = ? AND index_name = ?',
      ['ingest-maxwell', indexOf('maxwell')],
    );
    expect(Number((rows as Array<{ n: number }>)[0]!.n)).toBe(1);
  });

  it('refuses requests without the ingest token (the admin token is not it when ingest.token is set)', async () => {
    const body = fixtureText('canal', 'stream');
    for (const token of [null, 'wrong-token-123456', ADMIN]) {
      const res = await post('canal', body, { token });
      expect(res.statusCode).toBe(401);
      expect((res.json() as { error: { code: string } }).error.code).toBe('SYNC_S3004');
    }
    const unknown = await post('kafka', body);
    expect(unknown.statusCode).toBe(400);
    const empty = await post('canal', '   ');
    expect(empty.statusCode).toBe(400);
    const tooMany = await post('canal', JSON.stringify(Array.from({ length: 101 }, () => ({}))));
    expect(tooMany.statusCode).toBe(400);
    expect((tooMany.json() as { error: { message: string } }).error.message).toContain('ingest.maxMessages');
  });
});
