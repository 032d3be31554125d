import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockItem {
  readonly action: string;
  readonly index: string;
  readonly id: string;
  readonly version: string;
}

export interface MockBulk {
  /** ms since the engine started, when the request arrived. */
  readonly at: number;
  readonly items: readonly MockItem[];
  readonly ids: readonly string[];
  readonly bytes: number;
  readonly path: string;
}

export interface MockEngineOptions {
  /** How long each _bulk waits before answering. */
  delayMs?: number;
  /** Status of the whole _bulk request (undefined: 200 and per-item results). */
  requestStatus?: (bulk: MockBulk) => number | undefined;
  /** Per-item result (undefined: 201 created). */
  item?: (
    item: MockItem,
    bulk: MockBulk,
  ) => { status: number; error?: { type: string; reason: string } } | undefined;
}

/**
 * A tiny local stand-in for the engine's HTTP API (GET /, _bulk, _refresh, a scroll over the documents)
 * for unit tests of batching and concurrency: records every request, the bytes, and the peak number of
 * _bulk requests in flight at the same time. It keeps the ids and versions that _bulk wrote (2xx items)
 * so that a truncate's scan finds them; it does not compare versions.
 */
export class MockEngine {
  readonly bulks: MockBulk[] = [];
  /** Order of operations as seen by the engine: "bulk:<ids>", "refresh:<index>", "scan:<index>". */
  readonly log: string[] = [];
  /** index → id → version, as written by successful _bulk items. */
  readonly docs = new Map<string, Map<string, string>>();
  current = 0;
  maxConcurrent = 0;
  private readonly t0 = performance.now();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly opts: MockEngineOptions,
  ) {}

  static async start(opts: MockEngineOptions = {}): Promise<MockEngine> {
    let engine: MockEngine | undefined;
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const path = req.url ?? '/';
      if (req.method === 'GET' && path === '/') {
        return send(200, { version: { distribution: 'opensearch', number: '2.19.6' } });
      }
      const e = engine!;
      if (path.startsWith('/_bulk')) {
        const bulk = e.parse(path, body);
        e.bulks.push(bulk);
        e.log.push(`bulk:${bulk.ids.join(',')}`);
        e.current++;
        e.maxConcurrent = Math.max(e.maxConcurrent, e.current);
        if (e.opts.delayMs) await new Promise((r) => setTimeout(r, e.opts.delayMs));
        e.current--;
        const status = e.opts.requestStatus?.(bulk);
        if (status !== undefined && status !== 200) {
          return send(status, { error: { type: 'mock_error', reason: `mock ${status}` }, status });
        }
        const items = bulk.items.map((it) => {
          const r = e.opts.item?.(it, bulk) ?? { status: 201 };
          if (r.status < 300) e.store(it);
          return { [it.action]: r };
        });
        return send(200, { errors: items.some((i) => Object.values(i)[0]!.status >= 300), items });
      }
      const m = /^\/([^/]+)\/(_refresh|_search)/.exec(path);
      if (m?.[2] === '_refresh') {
        e.log.push(`refresh:${decodeURIComponent(m[1]!)}`);
        return send(200, { _shards: {} });
      }
      if (m?.[2] === '_search') {
        // One page holding every document (the scan's second request finds no more).
        const index = decodeURIComponent(m[1]!);
        e.log.push(`scan:${index}`);
        const hits = [...(e.docs.get(index) ?? new Map<string, string>())].map(([id, v]) => ({
          _id: id,
          _version: Number(v),
        }));
        return send(200, { _scroll_id: 'mock-scroll', hits: { total: { value: hits.length }, hits } });
      }
      if (path === '/_search/scroll') {
        if (req.method === 'DELETE') return send(200, { succeeded: true });
        return send(200, { _scroll_id: 'mock-scroll', hits: { hits: [] } });
      }
      send(404, { error: { type: 'not_found' }, status: 404 });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    engine = new MockEngine(server, `http://127.0.0.1:${port}`, opts);
    return engine;
  }

  private store(it: MockItem): void {
    const docs = this.docs.get(it.index) ?? new Map<string, string>();
    this.docs.set(it.index, docs);
    if (it.action === 'delete') docs.delete(it.id);
    else docs.set(it.id, it.version);
  }

  private parse(path: string, body: string): MockBulk {
    const lines = body.split('\n').filter((l) => l.length > 0);
    const items: MockItem[] = [];
    for (let i = 0; i < lines.length; i++) {
      const parsed = JSON.parse(lines[i]!) as Record<string, { _index: string; _id: string }>;
      const action = Object.keys(parsed)[0]!;
      const meta = parsed[action]!;
      const version = /"version":(\d+)/.exec(lines[i]!)?.[1] ?? '';
      items.push({ action, index: meta._index, id: meta._id, version });
      if (action !== 'delete') i++;
    }
    return {
      at: performance.now() - this.t0,
      items,
      ids: items.map((i) => i.id),
      bytes: Buffer.byteLength(body),
      path,
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
