import { pino } from 'pino';
import { expect } from 'vitest';
import type { WriteMode } from '../../../src/catalog/write-path.js';
import { MappingSet } from '../../../src/mapping/mapping-set.js';
import { createClients } from '../../../src/runtime/clients.js';
import { PipelineRunner } from '../../../src/runtime/pipeline-runner.js';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { type Diff, diffTableAndIndex } from '../../helpers/compare.js';
import { rootConnection, uniqueName } from '../../helpers/stack.js';
import { type ApiHarness, startApi } from '../api/harness.js';

export const TABLES = ['products', 'categories', 'users'] as const;
export type Table = (typeof TABLES)[number];

export interface WritePathApi {
  h: ApiHarness;
  prefix: string;
  index(table: Table): string;
  /** The outbox relay `syncline run` would start, run in this process (outbox mode only). */
  relay: PipelineRunner | undefined;
  close(): Promise<void>;
}

/**
 * The catalog API with every table in `mode`, each table mapped to its own index, and — for outbox —
 * the relay that `syncline run` adds (PipelineRunner with no other pipeline). `extra` adds config keys.
 */
export async function startWritePathApi(
  mode: WriteMode,
  extra: {
    api?: Record<string, unknown>;
    dualWrite?: Record<string, unknown>;
    config?: Record<string, unknown>;
    searchUrl?: string;
  } = {},
): Promise<WritePathApi> {
  const prefix = uniqueName('wp');
  const index = (t: Table) => `${prefix}_${t}`;
  // no seeded rows: everything in the tables is written through the API (so the index must equal them)
  const h = await startApi({
    seedCategories: false,
    api: {
      productsIndex: index('products'),
      writeModes: { products: mode, categories: mode, users: mode },
      dualWrite: { pipeline: `${prefix}-dw`.replaceAll('_', '-'), syncTimeoutMs: 5_000, ...extra.dualWrite },
      outbox: { pipeline: `${prefix}-outbox`.replaceAll('_', '-') },
      ...extra.api,
    },
    config: (database) => ({
      mappings: TABLES.map((t) => ({ table: `${database}.${t}`, index: index(t) })),
      pipelines: [],
      logLevel: 'warn',
      ...(extra.searchUrl && { search: { url: extra.searchUrl } }),
      sink: { batch: { lingerMs: 5 }, retry: { initialMs: 50, maxMs: 500 } },
      ...extra.config,
    }),
  });
  let relay: PipelineRunner | undefined;
  let relayClose: (() => Promise<void>) | undefined;
  if (mode === 'outbox') {
    const clients = createClients(h.config);
    const search = new SearchClient({ url: h.config.search.url });
    relay = new PipelineRunner(
      h.config,
      clients,
      search,
      pino({ level: process.env.API_TEST_LOG ?? 'silent' }),
    );
    await relay.start();
    expect(relay.relays.map((r) => r.pipeline.name)).toEqual([h.config.api.outbox.pipeline]);
    relayClose = async () => {
      await relay!.stop();
      await clients.close();
      await search.close();
    };
  }
  return {
    h,
    prefix,
    index,
    relay,
    async close() {
      await relayClose?.();
      const c = await rootConnection();
      await c
        .query('DELETE FROM syncline.dead_letters WHERE pipeline IN (?, ?)', [
          h.config.api.dualWrite.pipeline,
          h.config.api.outbox.pipeline,
        ])
        .catch(() => {});
      await c
        .query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [h.config.api.outbox.pipeline])
        .catch(() => {});
      await c.end();
      for (const t of TABLES) await h.search.request('DELETE', `/${index(t)}_v1`).catch(() => {});
      await h.close();
    },
  };
}

/** Polls until the index equals the table row by row (content), or the timeout. */
export async function converge(api: WritePathApi, table: Table, timeoutMs = 60_000): Promise<Diff> {
  const mapping = (await MappingSet.load(api.h.sql, api.h.config.mappings)).get(api.h.database, table)!;
  const search = new SearchClient({ url: 'http://127.0.0.1:9200' });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await diffTableAndIndex(api.h.sql, mapping, search, api.index(table));
      if ((d.missing.length === 0 && d.extra.length === 0 && d.stale.length === 0) || Date.now() > deadline)
        return d;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await search.close();
  }
}

export const clean = (d: Diff) => ({
  missing: d.missing.length,
  extra: d.extra.length,
  stale: d.stale.length,
});

/** `_version` of a document straight from the engine (undefined when there is none). */
export async function docVersion(
  api: WritePathApi,
  table: Table,
  id: number | string,
): Promise<bigint | undefined> {
  const search = new SearchClient({ url: 'http://127.0.0.1:9200' });
  try {
    const r = await search.request<{ found: boolean; _version?: number }>(
      'GET',
      `/${api.index(table)}/_doc/${id}`,
    );
    return r.body.found ? BigInt(r.body._version!) : undefined;
  } finally {
    await search.close();
  }
}

export const productBody = (n: number) => ({
  name: `商品 ${n} product`,
  description: `描述 ${n}`,
  price: `${(n % 900) + 1}.${String(n % 100).padStart(2, '0')}`,
  category_id: 1 + (n % 3),
  tags: [`t${n % 5}`],
  stock: n,
});

/** Rows left in the catalog's outbox table, polled until 0 or the timeout. */
export async function outboxRows(api: WritePathApi, timeoutMs = 0): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [rows] = await api.h.sql.query('SELECT COUNT(*) AS n FROM syncline_outbox');
    const n = Number((rows as Array<{ n: number | string }>)[0]!.n);
    if (n === 0 || Date.now() >= deadline) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Dead letters of a pipeline: kind → count. */
export async function deadLetters(pipeline: string): Promise<Record<string, number>> {
  const c = await rootConnection();
  try {
    const [rows] = await c
      .query('SELECT kind, COUNT(*) AS n FROM syncline.dead_letters WHERE pipeline = ? GROUP BY kind', [
        pipeline,
      ])
      .catch(() => [[]]);
    return Object.fromEntries((rows as Array<{ kind: string; n: string }>).map((r) => [r.kind, Number(r.n)]));
  } finally {
    await c.end();
  }
}
