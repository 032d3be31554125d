import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminBackend } from '../../../src/admin/admin-backend.js';
import type { OpsContext } from '../../../src/ops/context.js';
import type { JobRegistry } from '../../../src/ops/jobs.js';
import { buildApp } from '../../../src/server/app.js';
import type { IngestHandler } from '../../../src/sources/ingest/ingest-service.js';
import { ADMIN_TOKEN, type ApiHarness, countRows, startApi } from './harness.js';

/**
 * Answers of the API to inputs that used to slip through or be answered wrongly (issue 15): JSON
 * null bodies, lone surrogates, impossible updated_at values, requests the HTTP parser refuses, and
 * bodies over the limit. The app runs against the real database and engine; the operations, admin
 * and ingest backends are recorders, since a refused request must never reach them.
 */
let h: ApiHarness;
/** Everything the backends were asked to do. */
const calls: string[] = [];
let app: FastifyInstance;
let logs: string[] = [];

beforeAll(async () => {
  h = await startApi();
  const status = { name: 'p1', state: 'running' };
  const admin: AdminBackend = {
    pipelines: () => [status as never],
    pipeline: () => status as never,
    pause: (n) => {
      calls.push(`pause ${n}`);
      return status as never;
    },
    resume: (n) => {
      calls.push(`resume ${n}`);
      return status as never;
    },
    resnapshot: async (n, table) => {
      calls.push(`resnapshot ${n} ${table}`);
      return { pipeline: n, table };
    },
  };
  const jobs = {
    start: (kind: string, subject: string | undefined) => {
      calls.push(`job ${kind} ${subject ?? ''}`);
      return { id: 'job-1', kind, state: 'running' };
    },
    running: () => false,
    list: () => [],
    get: () => undefined,
  } as unknown as JobRegistry;
  const ops = {
    config: { ...h.config, mappings: [{ index: 'products', table: 'products' }] },
    loadMappings: async () => {
      calls.push('loadMappings');
      throw new Error('not in this test');
    },
  } as unknown as OpsContext;
  const ingest: IngestHandler = {
    ingest: async (format, messages) => {
      calls.push(`ingest ${format} ${JSON.stringify(messages)}`);
      return { items: messages.map((_m, index) => ({ index, status: 'ok', events: 1 })) } as never;
    },
  };
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  app = await buildApp({
    config: h.config,
    db: h.db,
    search: h.search,
    logger: pino({ level: 'info' }, sink),
    readiness: { pipelines: () => [] },
    admin,
    ops: { context: ops, jobs },
    ingest,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await h?.close();
});

const json = (r: { body: string }) => JSON.parse(r.body);
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const port = () => (app.server.address() as { port: number }).port;

/** Every route of the OpenAPI document that takes a body, with its path parameters filled in. */
async function routesWithBodies(): Promise<Array<{ method: string; url: string }>> {
  const doc = json(await app.inject({ url: '/docs/json' })) as { paths: Record<string, object> };
  const params: Record<string, string> = { id: '1', name: 'p1', index: 'products', format: 'debezium' };
  const out: Array<{ method: string; url: string }> = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
      const url = path.replace(/\{(\w+)\}/g, (_m, p: string) => {
        expect(params[p], `a value for path parameter ${p}`).toBeDefined();
        return params[p]!;
      });
      out.push({ method: method.toUpperCase(), url });
    }
  }
  return out;
}

describe('a JSON null body', () => {
  it('is a 400 naming body on every route that takes a body; nothing starts, nothing is written', async () => {
    const routes = await routesWithBodies();
    // the ones that were taken as "no body" before: reconcile and reindex started jobs
    for (const must of [
      'POST /api/admin/reconcile',
      'POST /api/admin/reindex/products',
      'POST /api/products',
    ])
      expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(must);
    const before = await Promise.all(['products', 'categories', 'users'].map((t) => countRows(h.sql, t)));
    const wrong: string[] = [];
    for (const { method, url } of routes) {
      const r = await app.inject({
        method: method as 'POST',
        url,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: 'null',
      });
      const e = r.statusCode === 400 ? json(r).error : undefined;
      const code = url.startsWith('/api/ingest/') ? 'SYNC_S1005' : 'SYNC_S3001';
      if (e?.code !== code || e.details?.field !== 'body')
        wrong.push(`${method} ${url} → ${r.statusCode} ${r.body}`);
    }
    expect(wrong).toEqual([]);
    expect(calls).toEqual([]);
    expect(await Promise.all(['products', 'categories', 'users'].map((t) => countRows(h.sql, t)))).toEqual(
      before,
    );
  });

  it('no body at all still means "all defaults" where the docs say so', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/admin/reconcile', headers: auth });
    expect(r.statusCode, r.body).toBe(202);
    expect(calls.splice(0)).toEqual(['job reconcile ']);
  });
});

describe('lone UTF-16 surrogates', () => {
  it('are a 400 naming the field, in every string and key, on every kind of route', async () => {
    const products = await countRows(h.sql, 'products');
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/api/products', '{"name":"a\\ud800b","price":"1.00","category_id":1}', 'body.name'],
      [
        'POST',
        '/api/products',
        '{"name":"ok","price":"1.00","category_id":1,"tags":["x","\\udc00"]}',
        'body.tags.1',
      ],
      [
        'PATCH',
        '/api/categories/1',
        '{"name":"\\ud83d","updated_at":"2025-01-02T03:04:05.123456Z"}',
        'body.name',
      ],
      ['POST', '/api/users', '{"email":"a@b.cd","display_name":"b\\ude00\\ud83d"}', 'body.display_name'],
      [
        'POST',
        '/api/logs',
        '[{"ts":"2025-01-01T00:00:00Z","level":"info","service":"s","message":"m","fields":{"k\\ud800":1}}]',
        'body.0.fields.k\ufffd',
      ],
      ['POST', '/api/admin/reconcile', '{"target":"x\\udbff"}', 'body.target'],
    ];
    for (const [method, url, payload, field] of cases) {
      const r = await app.inject({
        method: method as 'POST',
        url,
        headers: { ...auth, 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode, `${url} ${payload}: ${r.body}`).toBe(400);
      const e = json(r).error;
      expect(e.code).toBe('SYNC_S3001');
      expect(e.details.field, payload).toBe(field);
      expect(e.message).toContain('surrogate');
    }
    expect(await countRows(h.sql, 'products')).toBe(products);
    expect(calls).toEqual([]);
    // a surrogate pair is a real character (😀) and is stored as sent
    const ok = await app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a\\ud83d\\ude00b","price":"1.00","category_id":1}',
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const [rows] = await h.sql.query('SELECT name FROM products WHERE id = ?', [json(ok).id]);
    expect((rows as Array<{ name: string }>)[0]!.name).toBe('a😀b');
  });

  it('a body that is not valid UTF-8 is a 400, not text with U+FFFD in it', async () => {
    const products = await countRows(h.sql, 'products');
    for (const bytes of [[0xff], [0xed, 0xa0, 0x80], [0xc3]]) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/products',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: Buffer.concat([
          Buffer.from('{"name":"a'),
          Buffer.from(bytes),
          Buffer.from('b","price":"1.00","category_id":1}'),
        ]),
      });
      expect(r.statusCode, `${bytes}: ${r.body}`).toBe(400);
      expect(json(r).error).toMatchObject({ code: 'SYNC_S3001', details: { field: 'body' } });
      expect(json(r).error.message).toContain('UTF-8');
    }
    expect(await countRows(h.sql, 'products')).toBe(products);
    // prototype poisoning is still refused by the same parser
    const poisoned = await app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"x","price":"1.00","category_id":1,"__proto__":{"a":1}}',
    });
    expect(poisoned.statusCode).toBe(400);
  });

  it('in an ingest message: that message is rejected with the field named', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/ingest/maxwell',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"database":"d","table":"t","type":"insert","ts":1,"data":{"id":1,"s":"\\ud800"}}',
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(json(r).error.code).toBe('SYNC_S1005');
    expect(json(r).error.message).toContain('body.data.s');
    // the message never reached the ingest handler
    expect(calls.splice(0).join()).not.toContain('"data"');
  });
});

describe('updated_at', () => {
  it('an impossible timestamp is a 400 naming the field, not the database text', async () => {
    const [rows] = await h.sql.query('SELECT id FROM categories ORDER BY id LIMIT 1');
    const id = (rows as Array<{ id: number }>)[0]!.id;
    for (const bad of [
      '2025-13-01T00:00:00.000000Z',
      '2025-02-30T00:00:00.000000Z',
      '2025-01-01T24:00:00.000000Z',
      '2025-01-01T00:60:00.000000Z',
      '0000-01-01T00:00:00.000000Z',
    ]) {
      for (const method of ['PATCH', 'PUT'] as const) {
        const r = await app.inject({
          method,
          url: `/api/categories/${id}`,
          payload: { name: 'n', slug: `s-${id}`, parent_id: null, updated_at: bad },
        });
        expect(r.statusCode, `${method} ${bad}: ${r.body}`).toBe(400);
        expect(json(r).error.details?.field, bad).toBe('body.updated_at');
        expect(json(r).error.message).not.toMatch(/incorrect|datetime value|column/i);
      }
      const d = await app.inject({ method: 'DELETE', url: `/api/categories/${id}?updated_at=${bad}` });
      expect(d.statusCode, `DELETE ${bad}: ${d.body}`).toBe(400);
      expect(json(d).error.details?.field).toBe('querystring.updated_at');
    }
    // a real instant that is not the row's is a stale write, as before
    const stale = await app.inject({
      method: 'PATCH',
      url: `/api/categories/${id}`,
      payload: { name: 'n', updated_at: '2024-02-29T23:59:59.999999Z' },
    });
    expect(stale.statusCode, stale.body).toBe(409);
  });
});

/** One raw request on its own connection; the whole answer once the server closes it. */
function raw(text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(port(), '127.0.0.1', () => s.write(text));
    s.on('data', (d) => {
      out += d.toString('utf8');
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

describe('requests the HTTP parser refuses', () => {
  it('each gets a message saying what is wrong with it', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['GET /api/products/search?q=手机 HTTP/1.1\r\nHost: x\r\n\r\n', 400, /percent-encode/],
      ['FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /method/],
      ['POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, /Content-Length/],
      [
        'POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
        400,
        /more than one Content-Length/,
      ],
      ['POST /api/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 400, /Transfer-Encoding/],
      ['GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n', 400, /header/],
      ['GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 400, /HTTP version/],
      [
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        /headers are too large/,
      ],
    ];
    const messages = new Set<string>();
    for (const [text, status, says] of cases) {
      const res = await raw(text);
      const label = JSON.stringify(text.slice(0, 60));
      expect(res.startsWith(`HTTP/1.1 ${status} `), `${label}: ${res}`).toBe(true);
      const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).toBe('SYNC_S3001');
      expect(body.error.message, label).toMatch(says);
      if (!/percent-encode/.test(says.source))
        expect(body.error.message, label).not.toMatch(/percent-encode/);
      messages.add(body.error.message);
    }
    expect(messages.size).toBeGreaterThanOrEqual(cases.length - 1);
  });
});

describe('a body over the limit', () => {
  /**
   * A client that sends its whole body before it reads the answer (what most HTTP clients do): the
   * server answers 413 early; if it then closes the socket while the client still sends, the
   * connection is reset and the client never sees the 413.
   */
  function uploadThenRead(bytes: number, chunked: boolean): Promise<string> {
    return new Promise((resolve) => {
      let out = '';
      const s = connect(port(), '127.0.0.1');
      s.pause();
      const read = () => {
        s.on('data', (d) => {
          out += d.toString('utf8');
          // the answer is complete: 413 with its JSON body
          if (/\r\n\r\n\{.*\}\}$/s.test(out)) s.destroy();
        });
        s.resume();
      };
      s.on('error', (e) => {
        out += ` [${(e as NodeJS.ErrnoException).code}]`;
        read();
      });
      s.on('close', () => resolve(out));
      s.on('connect', async () => {
        s.write(
          'POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${bytes}\r\n\r\n`),
        );
        const chunk = Buffer.alloc(64 * 1024, 'a');
        for (let sent = 0; sent < bytes && !s.destroyed; sent += chunk.length) {
          const data = chunked
            ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
            : chunk;
          if (!s.write(data)) await new Promise((r) => s.once('drain', r).once('close', r));
        }
        if (chunked && !s.destroyed) s.write('0\r\n\r\n');
        if (!s.destroyed) s.end(read);
      });
    });
  }

  it('is answered 413 SYNC_S3008 to a client that reads after its upload', async () => {
    const bytes = 4 * 1024 * 1024; // 16 × api.bodyLimitBytes
    for (let i = 0; i < 4; i++) {
      for (const chunked of [false, true]) {
        const res = await uploadThenRead(bytes, chunked);
        expect(res.slice(0, 200), `chunked=${chunked}, attempt ${i}`).toMatch(/^HTTP\/1.1 413 /);
        expect(res).toContain('"code":"SYNC_S3008"');
      }
    }
  });

  it('a client that gives up mid-upload is logged as that, not as a dependency failure', async () => {
    logs = [];
    await new Promise<void>((resolve) => {
      const s = connect(port(), '127.0.0.1', () => {
        s.write(
          'POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"',
        );
        setTimeout(() => s.destroy(), 100);
      });
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
    const deadline = Date.now() + 5_000;
    while (!logs.some((l) => l.includes('"status":400')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const refused = logs.map((l) => JSON.parse(l)).filter((l) => l.code !== undefined);
    expect(refused.map((l) => l.code)).toEqual(['SYNC_S3001']);
    expect(refused[0].level).toBe(30);
    expect(refused[0].reason).toMatch(/client closed the connection/);
  });
});
