import { type Dispatcher, Pool } from 'undici';
import { SynclineError } from '../../core/errors.js';
import { type IdentifyResult, identifyEngine } from './capabilities.js';
import {
  type AuthKind,
  authFailed,
  authorization,
  type SearchCredentials,
  type SearchTlsOptions,
  tlsConnector,
} from './connection-security.js';

export interface EngineInfo {
  engine: 'opensearch' | 'elasticsearch';
  version: string;
  major: number;
}

export interface SearchResponse<T = unknown> {
  status: number;
  body: T;
  /** Response headers, lower-case names (e.g. x-elastic-product). */
  headers?: Record<string, string | string[] | undefined>;
}

export interface SearchClientOptions extends SearchCredentials {
  url: string;
  tls?: SearchTlsOptions | undefined;
  connections?: number;
  requestTimeoutMs?: number;
}

/**
 * A thin REST client for the API shared by OpenSearch 1–3 and Elasticsearch 7.10–9, over an undici
 * keep-alive pool. JSON in, JSON out; never throws on an HTTP status (callers classify), only on
 * transport errors (connection refused/reset, timeouts).
 */
export class SearchClient {
  readonly pool: Pool;
  readonly base: URL;
  private readonly auth: string | undefined;
  private readonly authKind: AuthKind;
  private readonly timeoutMs: number;
  private infoCache: EngineInfo | undefined;

  constructor(opts: SearchClientOptions) {
    this.base = new URL(opts.url);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    const { kind, header } = authorization(opts, this.base);
    this.authKind = kind;
    this.auth = header;
    // credentials in the URL live on only in the Authorization header: `base` may end up in a message
    this.base.username = '';
    this.base.password = '';
    const connect = tlsConnector(opts.tls, this.base);
    this.pool = new Pool(this.base.origin, {
      connections: opts.connections ?? 8,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 30_000,
      ...(connect && { connect }),
    });
  }

  private path(p: string): string {
    const prefix = this.base.pathname.replace(/\/$/, '');
    return `${prefix}${p.startsWith('/') ? p : `/${p}`}`;
  }

  /** Sends a request; body objects are JSON-encoded, strings/Buffers sent as is (NDJSON for _bulk). */
  async request<T = unknown>(
    method: Dispatcher.HttpMethod,
    path: string,
    body?: unknown,
    opts: { signal?: AbortSignal; contentType?: string; timeoutMs?: number } = {},
  ): Promise<SearchResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.auth) headers.authorization = this.auth;
    let payload: string | Buffer | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    const res = await this.pool.request({
      method,
      path: this.path(path),
      headers,
      body: payload,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(opts.signal && { signal: opts.signal }),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  }

  /**
   * Engine and version (capabilities.ts#identifyEngine: GET /, or _nodes/_local where GET / is not served);
   * rejects engines outside OpenSearch 1–3 / Elasticsearch 7.10–9.
   */
  async info(): Promise<EngineInfo> {
    if (this.infoCache) return this.infoCache;
    let found: IdentifyResult;
    try {
      found = await identifyEngine(this);
    } catch (e) {
      throw new SynclineError(
        'SINK_UNREACHABLE',
        `search engine at ${this.base.origin} unreachable: ${(e as Error).message}`,
      );
    }
    if (!found.ok && (found.status === 401 || found.status === 403))
      throw authFailed(found.status, this.base.origin, this.authKind);
    if (!found.ok) {
      throw new SynclineError(
        'SINK_UNREACHABLE',
        `${found.via} on ${this.base.origin} answered ${found.status}`,
      );
    }
    const { engine, version: number } = found.info;
    const [maj = 0, min = 0] = number.split('.').map(Number);
    const supported =
      engine === 'opensearch' ? maj >= 1 && maj <= 3 : (maj === 7 && min >= 10) || (maj >= 8 && maj <= 9);
    if (!supported) throw new SynclineError('SINK_UNSUPPORTED', `${engine} ${number} is not supported`);
    this.infoCache = { engine, version: number, major: maj };
    return this.infoCache;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
