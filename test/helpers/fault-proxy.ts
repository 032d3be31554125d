import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { SEARCH_URL } from './stack.js';

/**
 * A real fault-injecting HTTP proxy in front of the search engine. It forwards requests to the real node
 * (undici) unless a rule says otherwise, and records every request so tests can assert what was sent
 * and re-sent. Faults:
 * - `status`: answer the whole request with e.g. 429/503 (nothing reaches the node);
 * - `items`: for a `_bulk`, fail chosen items with e.g. 429/503 — only the other items are forwarded, and
 *   synthetic item errors are spliced into the real response at the failed items' positions;
 * - `reset`: destroy the client's socket (before forwarding, or after: "applied, answer lost");
 * - `delay`: hold the request (past the client timeout), then forward it or drop the connection.
 */

export interface BulkItemRef {
  /** Position in the request. */
  readonly position: number;
  readonly action: string;
  readonly index: string | undefined;
  readonly id: string | undefined;
}

export interface ProxyRequest {
  readonly seq: number;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  /** ms since the proxy started. */
  readonly at: number;
  /** For `_bulk`: the items in request order. */
  readonly items: readonly BulkItemRef[];
  /** For `_bulk`: the item ids in request order. */
  readonly ids: readonly string[];
  /** Which fault was injected, if any. */
  fault?: string;
  /** Ids of items failed by an `items` fault. */
  failedIds?: string[];
  /** Status answered to the client (undefined when the connection was dropped). */
  status?: number;
}

export type Fault =
  | { readonly type: 'status'; readonly status: number; readonly body?: unknown }
  | {
      readonly type: 'items';
      readonly status: number;
      readonly select: (item: BulkItemRef, req: ProxyRequest) => boolean;
      readonly errorType?: string;
    }
  | { readonly type: 'reset'; readonly afterForward?: boolean }
  | { readonly type: 'delay'; readonly ms: number; readonly forward?: boolean };

export interface FaultRule {
  /** Which requests the rule applies to (default: every `_bulk`). */
  readonly match?: (req: ProxyRequest) => boolean;
  /** How many requests it applies to (default: unlimited). */
  times?: number;
  readonly fault: Fault;
}

const isBulk = (r: ProxyRequest) => r.method === 'POST' && /(^|\/)_bulk(\?|$)/.test(r.path);

export class FaultProxy {
  readonly requests: ProxyRequest[] = [];
  private rules: FaultRule[] = [];
  private readonly t0 = performance.now();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly upstream: Pool,
    readonly url: string,
  ) {}

  static async start(upstream: string = SEARCH_URL): Promise<FaultProxy> {
    const pool = new Pool(new URL(upstream).origin, { connections: 16 });
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => {
      proxy!.handle(req, res).catch((e) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'proxy_error', reason: String(e) }, status: 502 }));
        } else res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, pool, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /** Adds a rule; rules are tried in order, the first matching one with times left applies. */
  addRule(rule: FaultRule): FaultRule {
    this.rules.push(rule);
    return rule;
  }

  clearRules(): void {
    this.rules = [];
  }

  /** Forgets the recorded requests (rules stay). */
  clearRecords(): void {
    this.requests.length = 0;
  }

  bulkRequests(): ProxyRequest[] {
    return this.requests.filter(isBulk);
  }

  /** Every `_bulk` request that contained the id, in order. */
  sendsOf(id: string): ProxyRequest[] {
    return this.bulkRequests().filter((r) => r.ids.includes(id));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.upstream.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const lines = parseBulk(method, path, body);
    const record: ProxyRequest = {
      seq: this.seq++,
      method,
      path,
      at: performance.now() - this.t0,
      items: lines?.map((l) => l.ref) ?? [],
      ids: lines?.map((l) => l.ref.id ?? '') ?? [],
    };
    this.requests.push(record);

    const rule = this.rules.find((r) => (r.times ?? 1) > 0 && (r.match ? r.match(record) : isBulk(record)));
    if (rule && rule.times !== undefined) rule.times--;
    const fault = rule?.fault;
    const contentType = req.headers['content-type'];
    const forward = (b: string = body) =>
      this.forward(method, path, b, contentType, req.headers.authorization);

    if (!fault) return this.reply(res, record, await forward());
    record.fault = fault.type;
    switch (fault.type) {
      case 'status':
        return this.reply(res, record, {
          status: fault.status,
          body: JSON.stringify(
            fault.body ?? {
              error: { type: 'injected_fault', reason: `injected ${fault.status}` },
              status: fault.status,
            },
          ),
        });
      case 'reset':
        if (fault.afterForward) await forward();
        req.socket.destroy();
        return;
      case 'delay': {
        const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
        await Promise.race([new Promise((r) => setTimeout(r, fault.ms)), closed]);
        if (fault.forward) {
          const answer = await forward();
          if (!res.destroyed && !res.writableEnded) this.reply(res, record, answer);
        } else req.socket.destroy();
        return;
      }
      case 'items': {
        if (!lines) return this.reply(res, record, await forward());
        const failed = lines.map((l) => fault.select(l.ref, record));
        record.failedIds = lines.filter((_, i) => failed[i]).map((l) => l.ref.id ?? '');
        const kept = lines.filter((_, i) => !failed[i]);
        let upstreamItems: unknown[] = [];
        let took = 0;
        if (kept.length > 0) {
          const answer = await forward(kept.map((l) => l.text).join(''));
          if (answer.status !== 200) return this.reply(res, record, answer);
          const parsed = JSON.parse(answer.body) as { took?: number; items: unknown[] };
          upstreamItems = parsed.items;
          took = parsed.took ?? 0;
        }
        const items: unknown[] = [];
        let k = 0;
        lines.forEach((l, i) => {
          if (!failed[i]) {
            items.push(upstreamItems[k++]);
            return;
          }
          items.push({
            [l.ref.action]: {
              _index: l.ref.index,
              _id: l.ref.id,
              status: fault.status,
              error: {
                type:
                  fault.errorType ??
                  (fault.status === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception'),
                reason: `injected ${fault.status}`,
              },
            },
          });
        });
        return this.reply(res, record, { status: 200, body: JSON.stringify({ took, errors: true, items }) });
      }
    }
  }

  private async forward(
    method: string,
    path: string,
    body: string,
    contentType: string | undefined,
    authorization: string | undefined,
  ): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    if (authorization) headers.authorization = authorization;
    const r = await this.upstream.request({
      method: method as 'GET',
      path,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    });
    return { status: r.statusCode, body: await r.body.text() };
  }

  private reply(res: ServerResponse, record: ProxyRequest, answer: { status: number; body: string }): void {
    record.status = answer.status;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  }
}

interface BulkLine {
  readonly ref: BulkItemRef;
  /** The item's raw NDJSON (action line and source line), newline-terminated. */
  readonly text: string;
}

function parseBulk(method: string, path: string, body: string): BulkLine[] | undefined {
  if (method !== 'POST' || !/(^|\/)_bulk(\?|$)/.test(path)) return undefined;
  const raw = body.split('\n');
  if (raw[raw.length - 1] === '') raw.pop();
  const out: BulkLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const actionLine = raw[i]!;
    const parsed = JSON.parse(actionLine) as Record<string, { _index?: string; _id?: string }>;
    const action = Object.keys(parsed)[0]!;
    const meta = parsed[action] ?? {};
    let text = `${actionLine}\n`;
    if (action !== 'delete') text += `${raw[++i]}\n`;
    out.push({ ref: { position: out.length, action, index: meta._index, id: meta._id }, text });
  }
  return out;
}
