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
 * A tiny local stand-in for the engine's HTTP API (GET /, _bulk, _refresh, _delete_by_query) for unit
 * tests of batching and concurrency: records every request, the bytes, and the peak number of _bulk
 * requests in flight at the same time.
 */
export class MockEngine {
  readonly bulks: MockBulk[] = [];
  /** Order of operations as seen by the engine: "bulk:<ids>", "refresh:<index>", "dbq:<index>". */
  readonly log: string[] = [];
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
          return { [it.action]: r };
        });
        return send(200, { errors: items.some((i) => Object.values(i)[0]!.status >= 300), items });
      }
      const m = /^\/([^/]+)\/(_refresh|_delete_by_query)/.exec(path);
      if (m) {
        e.log.push(`${m[2] === '_refresh' ? 'refresh' : 'dbq'}:${decodeURIComponent(m[1]!)}`);
        return send(200, m[2] === '_refresh' ? { _shards: {} } : { deleted: 0, failures: [] });
      }
      send(404, { error: { type: 'not_found' }, status: 404 });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    engine = new MockEngine(server, `http://127.0.0.1:${port}`, opts);
    return engine;
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
