import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

const prefix = () => h.config.api.logs.indexPrefix;

async function refreshAndCount(query?: unknown): Promise<number> {
  await h.search.request('POST', `/${prefix()}*/_refresh`);
  const r = await h.search.request<{ count: number }>(
    'POST',
    `/${prefix()}*/_count`,
    query ? { query } : undefined,
  );
  return r.body.count;
}

describe('log ingest', () => {
  it('one record or an array; daily indices by ts (UTC) from the index template', async () => {
    const one = await h.app.inject({
      method: 'POST',
      url: '/api/logs',
      payload: { ts: '2025-03-01T23:30:00+08:00', level: 'info', service: 'api', message: 'hello' },
    });
    expect(one.statusCode).toBe(200);
    expect(JSON.parse(one.body)).toEqual({ written: 1, rejected: [] });
    const tpl = await h.search.request<{ index_templates: Array<{ name: string }> }>(
      'GET',
      `/_index_template/syncline-${prefix().replace(/-$/, '')}`,
    );
    expect(tpl.status).toBe(200);
    // 23:30 at +08:00 is 15:30 UTC the same day
    const idx = await h.search.request('GET', `/${prefix()}2025.03.01/_mapping`);
    expect(idx.status).toBe(200);
    expect(JSON.stringify(idx.body)).toContain('"level":{"type":"keyword"}');
  });

  it('validates every record and names the field; nothing is written for an invalid request', async () => {
    const before = await refreshAndCount();
    const ok = { ts: '2025-03-02T00:00:00Z', level: 'info', service: 'api', message: 'm' };
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    const cases: Array<[unknown, string]> = [
      [{ ...ok, ts: 'yesterday' }, 'body.ts'],
      [{ ...ok, ts: '2025-03-02' }, 'body.ts'],
      [{ ...ok, level: 'loud' }, 'body.level'],
      [{ ...ok, service: 'a b' }, 'body.service'],
      [{ ...ok, message: '' }, 'body.message'],
      [{ ...ok, extra: 1 }, 'body.extra'],
      [{ ...ok, fields: deep }, 'body.fields'],
      [{ ...ok, fields: { big: 'x'.repeat(20_000) } }, 'body.fields'],
      [[ok, { ...ok, level: 7 }], 'body.1.level'],
      [Array.from({ length: h.config.api.logs.maxRecords + 1 }, () => ok), 'body'],
      [[], 'body'],
    ];
    for (const [payload, field] of cases) {
      const r = await h.app.inject({ method: 'POST', url: '/api/logs', payload: payload as object });
      expect(r.statusCode, field).toBe(400);
      const e = JSON.parse(r.body).error;
      expect(e.code).toBe('SYNC_S3001');
      expect(e.details.field).toBe(field);
    }
    expect(await refreshAndCount()).toBe(before);
  });

  it('100k records through the API land, all of them', async () => {
    const total = 100_000;
    const perRequest = h.config.api.logs.maxRecords;
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    const day0 = Date.UTC(2025, 4, 1);
    const body = (req: number) =>
      JSON.stringify(
        Array.from({ length: perRequest }, (_, i) => {
          const n = req * perRequest + i;
          return {
            ts: new Date(day0 + (n % 3) * 86_400_000 + n).toISOString(),
            level: levels[n % 4],
            service: `svc-${n % 5}`,
            message: `request ${n} served in ${n % 97} ms 用户登录成功`,
            fields: { n, user: { id: n % 1000 } },
          };
        }),
      );
    const t0 = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < total / perRequest) {
        const req = next++;
        const r = await h.app.inject({
          method: 'POST',
          url: '/api/logs',
          headers: { 'content-type': 'application/json' },
          payload: body(req),
        });
        expect(r.statusCode).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ written: perRequest, rejected: [] });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const count = await refreshAndCount({ range: { ts: { gte: '2025-05-01', lt: '2025-05-04' } } });
    expect(count).toBe(total);
    const cat = await h.search.request<Array<{ index: string; 'docs.count': string }>>(
      'GET',
      `/_cat/indices/${prefix()}2025.05.*?format=json`,
    );
    expect(cat.body.map((c) => c.index).sort()).toEqual(
      ['2025.05.01', '2025.05.02', '2025.05.03'].map((d) => `${prefix()}${d}`),
    );
    expect(Date.now() - t0).toBeLessThan(60_000);
  });
});

describe('log search', () => {
  beforeAll(async () => {
    const recs = [
      {
        ts: '2025-06-01T10:00:00Z',
        level: 'error',
        service: 'billing',
        message: '数据库连接失败 database connection refused',
      },
      { ts: '2025-06-01T11:00:00Z', level: 'warn', service: 'billing', message: 'slow query took 3s' },
      { ts: '2025-06-01T12:00:00Z', level: 'error', service: 'auth', message: 'token expired for user 42' },
      { ts: '2025-06-02T09:00:00Z', level: 'info', service: 'auth', message: '用户登录 login ok' },
    ];
    const r = await h.app.inject({ method: 'POST', url: '/api/logs', payload: recs });
    expect(r.statusCode).toBe(200);
    await h.search.request('POST', `/${prefix()}*/_refresh`);
  });

  const find = async (qs: string) => {
    const range = qs.includes('from=') ? '' : 'from=2025-06-01T00:00:00Z&to=2025-06-03T00:00:00Z&';
    const r = await h.app.inject({ url: `/api/logs/search?${range}${qs}` });
    expect(r.statusCode, r.body).toBe(200);
    return JSON.parse(r.body) as {
      total: number;
      items: Array<{ message: string; ts: string }>;
      next_cursor: string | null;
    };
  };

  it('by level, service, time range and text (Chinese and English), newest first', async () => {
    expect((await find('level=error')).total).toBe(2);
    expect((await find('level=error&service=auth')).items.map((i) => i.message)).toEqual([
      'token expired for user 42',
    ]);
    expect((await find('level=error&level=warn&service=billing')).total).toBe(2);
    expect((await find(`q=${encodeURIComponent('连接')}`)).items[0]?.message).toContain('数据库连接失败');
    expect((await find('q=CONNECTION refused')).total).toBe(1);
    const day = await find('from=2025-06-01T10:30:00Z&to=2025-06-01T12:00:00Z');
    expect(day.items.map((i) => i.message)).toEqual(['slow query took 3s']);
    const all = await find('');
    expect(all.items.map((i) => i.ts)).toEqual([...all.items.map((i) => i.ts)].sort().reverse());
  });

  it('cursor paging returns each record once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await find(`size=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.message));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it('bad parameters are 400', async () => {
    for (const qs of [
      'level=loud',
      'from=yesterday',
      'size=0',
      'raw={}',
      'from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z',
    ]) {
      const r = await h.app.inject({ url: `/api/logs/search?${qs}` });
      expect(r.statusCode, qs).toBe(400);
    }
  });
});
