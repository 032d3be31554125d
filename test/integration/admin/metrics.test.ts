import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDrift } from '../../../src/metrics/drift.js';
import { eventually, ServiceHarness } from './service-harness.js';

const h = new ServiceHarness({
  products: 250,
  extraTables: ['gadgets'],
  setup: 'CREATE TABLE gadgets (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL)',
});

beforeAll(() => h.start());
afterAll(() => h.cleanup());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, enough for assertions: samples, and the TYPE of each family. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

async function scrape() {
  const r = await h.call('GET', '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  return parse(r.text);
}

const pick = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
const value = (s: Sample[], name: string, labels: Record<string, string> = {}) => {
  const found = pick(s, name, labels);
  expect(found.length, `${name} ${JSON.stringify(labels)}`).toBeGreaterThan(0);
  return found.reduce((n, x) => n + x.value, 0);
};

describe('/metrics', () => {
  it('exposes every family with values that match a small pipeline run', async () => {
    const products = `${h.db}.products`;
    expect((await h.converge('products')).missing).toEqual([]);
    // streaming changes (the freshness histogram leaves snapshot rows out)
    await h.pool.query('UPDATE products SET stock = stock + 1 WHERE id <= 40');
    await h.pool.query("INSERT INTO gadgets VALUES (1, 'fine')");
    await h.converge('gadgets');
    // one dead letter: the index refuses a field it does not know
    await h.search.request('PUT', `/${h.index('gadgets')}/_mapping`, { dynamic: 'strict' });
    await h.pool.query('ALTER TABLE gadgets ADD COLUMN colour VARCHAR(20) NULL');
    await h.pool.query("INSERT INTO gadgets VALUES (2, 'refused', 'red')");
    // the API: a miss, then a hit of the same search
    for (let i = 0; i < 2; i++)
      expect((await h.call('GET', '/api/products/search?q=phone&size=5')).status).toBe(200);
    setDrift(h.index('products'), { missing: 1, extra: 2, stale: 3, unrepaired: 0 });

    const scraped = await eventually(async () => {
      const m = await scrape();
      const dead = pick(m.samples, 'syncline_dead_letters_total', { pipeline: h.pipeline })[0]?.value ?? 0;
      const fresh =
        pick(m.samples, 'syncline_freshness_seconds_count', { pipeline: h.pipeline })[0]?.value ?? 0;
      // the stored gauge is read from the store and cached for a few seconds: it follows the counter
      const stored =
        pick(m.samples, 'syncline_dead_letters_stored', { index: h.index('gadgets'), kind: 'mapping' })[0]
          ?.value ?? 0;
      return dead >= 1 && fresh >= 40 && stored >= 1 ? m : undefined;
    });
    expect(scraped, 'a dead letter (counted and stored) and 40 freshness samples within 30 s').toBeDefined();
    const { samples: s, types } = scraped!;
    const p = { pipeline: h.pipeline };

    const expected: Record<string, string> = {
      syncline_events_in_total: 'counter',
      syncline_events_out_total: 'counter',
      syncline_pipeline_state: 'gauge',
      syncline_pipeline_lag_seconds: 'gauge',
      syncline_pipeline_lag_transactions: 'gauge',
      syncline_pipeline_inflight_events: 'gauge',
      syncline_pipeline_throughput_events_per_second: 'gauge',
      syncline_checkpoint_timestamp_seconds: 'gauge',
      syncline_bulk_request_duration_seconds: 'histogram',
      syncline_bulk_requests_total: 'counter',
      syncline_bulk_failures_total: 'counter',
      syncline_sink_retries_total: 'counter',
      syncline_sink_bytes_total: 'counter',
      syncline_sink_backpressure_waits_total: 'counter',
      syncline_sink_buffered_bytes: 'gauge',
      syncline_dead_letters_total: 'counter',
      syncline_dead_letters_stored: 'gauge',
      syncline_binlog_purged_resnapshots_total: 'counter',
      syncline_freshness_seconds: 'histogram',
      syncline_snapshot_running: 'gauge',
      syncline_snapshot_rows_done: 'gauge',
      syncline_snapshot_rows_estimated: 'gauge',
      syncline_snapshot_rows_total: 'counter',
      syncline_drift_documents: 'gauge',
      syncline_drift_checked_timestamp_seconds: 'gauge',
      syncline_drift_unrepaired_documents: 'gauge',
      syncline_http_request_duration_seconds: 'histogram',
      syncline_search_cache_hits_total: 'counter',
      syncline_search_cache_misses_total: 'counter',
      syncline_search_cache_evictions_total: 'counter',
      syncline_search_cache_entries: 'gauge',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    };
    for (const [family, type] of Object.entries(expected)) expect(types.get(family), family).toBe(type);

    // events: the snapshot read every product, then 40 updates streamed
    expect(value(s, 'syncline_events_in_total', { ...p, table: products })).toBeGreaterThanOrEqual(290);
    expect(
      value(s, 'syncline_events_out_total', { ...p, table: products, outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(290);
    expect(value(s, 'syncline_events_out_total', { ...p, table: `${h.db}.gadgets`, outcome: 'dead' })).toBe(
      1,
    );
    expect(value(s, 'syncline_pipeline_state', { ...p, state: 'running' })).toBe(1);
    expect(value(s, 'syncline_pipeline_state', { ...p, state: 'failed' })).toBe(0);
    expect(value(s, 'syncline_pipeline_lag_seconds', p)).toBeGreaterThanOrEqual(0);
    expect(value(s, 'syncline_pipeline_lag_transactions', p)).toBeGreaterThanOrEqual(0);
    expect(value(s, 'syncline_checkpoint_timestamp_seconds', p)).toBeGreaterThan(Date.now() / 1000 - 600);

    // the bulk latency histogram has samples; its +Inf bucket is its count
    const bulkCount = value(s, 'syncline_bulk_request_duration_seconds_count', p);
    expect(bulkCount).toBeGreaterThan(0);
    expect(value(s, 'syncline_bulk_request_duration_seconds_bucket', { ...p, le: '+Inf' })).toBe(bulkCount);
    expect(value(s, 'syncline_bulk_request_duration_seconds_sum', p)).toBeGreaterThan(0);
    expect(value(s, 'syncline_bulk_requests_total', p)).toBeGreaterThanOrEqual(bulkCount);
    expect(value(s, 'syncline_sink_bytes_total', p)).toBeGreaterThan(0);
    expect(value(s, 'syncline_sink_retries_total', p)).toBe(0);

    // freshness: streamed changes only, and not absurd (seconds, not epoch milliseconds)
    const freshCount = value(s, 'syncline_freshness_seconds_count', p);
    expect(freshCount).toBeGreaterThanOrEqual(40);
    expect(value(s, 'syncline_freshness_seconds_sum', p) / freshCount).toBeLessThan(300);

    expect(value(s, 'syncline_dead_letters_total', p)).toBe(1);
    expect(value(s, 'syncline_dead_letters_stored', { index: h.index('gadgets'), kind: 'mapping' })).toBe(1);

    expect(value(s, 'syncline_snapshot_running', p)).toBe(0);
    expect(value(s, 'syncline_snapshot_rows_total', p)).toBeGreaterThanOrEqual(250);
    // no snapshot in progress: nothing done, nothing estimated
    expect(value(s, 'syncline_snapshot_rows_done', p)).toBe(0);
    expect(value(s, 'syncline_snapshot_rows_estimated', p)).toBe(0);
    expect(value(s, 'syncline_binlog_purged_resnapshots_total', p)).toBe(0);

    const idx = h.index('products');
    expect(value(s, 'syncline_drift_documents', { index: idx, kind: 'missing' })).toBe(1);
    expect(value(s, 'syncline_drift_documents', { index: idx, kind: 'extra' })).toBe(2);
    expect(value(s, 'syncline_drift_documents', { index: idx, kind: 'stale' })).toBe(3);
    expect(value(s, 'syncline_drift_unrepaired_documents', { index: idx })).toBe(0);

    const search = { route: '/api/products/search', method: 'GET', status: '200' };
    expect(value(s, 'syncline_http_request_duration_seconds_count', search)).toBe(2);
    expect(value(s, 'syncline_search_cache_hits_total')).toBe(1);
    expect(value(s, 'syncline_search_cache_misses_total')).toBe(1);
    expect(value(s, 'syncline_search_cache_entries')).toBe(1);
    expect(value(s, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
  });

  it('counts unmatched routes under one label, and the admin API by its route pattern', async () => {
    await h.call('GET', '/no/such/path');
    await h.call('GET', `/api/admin/pipelines/${h.pipeline}`, { admin: true });
    await h.call('GET', '/api/admin/pipelines');
    const { samples: s } = await scrape();
    expect(
      value(s, 'syncline_http_request_duration_seconds_count', { route: 'unmatched', status: '404' }),
    ).toBe(1);
    expect(
      value(s, 'syncline_http_request_duration_seconds_count', {
        route: '/api/admin/pipelines/:name',
        status: '200',
      }),
    ).toBe(1);
    expect(
      value(s, 'syncline_http_request_duration_seconds_count', {
        route: '/api/admin/pipelines',
        status: '401',
      }),
    ).toBe(1);
  });
});
