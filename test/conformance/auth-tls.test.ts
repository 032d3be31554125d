import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { SynclineError } from '../../src/core/errors.js';
import { BulkSink } from '../../src/sinks/search/bulk-sink.js';
import { SearchClient, type SearchClientOptions } from '../../src/sinks/search/client.js';
import { detectEngine } from '../../src/sinks/search/engine-compat.js';
import { uniqueName } from '../helpers/stack.js';
import { countDocs, deleteIndex } from '../integration/sink/support.js';
import { MemoryDeadLetters } from '../unit/sink/memory-dead-letters.js';
import { indexOp, sinkConfig } from '../unit/sink/ops.js';
import { ENGINE, ENGINE_URL, engineReady, IS_ELASTICSEARCH } from './engine.js';
import { makePki, type TestPki, TlsAuthProxy } from './tls-auth-proxy.js';

/**
 * Auth and TLS as users run Elasticsearch 8/9: the client talks HTTPS to a TLS-terminating proxy of the
 * test's own (a CA and a certificate made with openssl for this run) that checks the Authorization header
 * like ES's security layer, in front of the real engine.
 */
const USER = 'syncline_writer';
const PASSWORD = 'pw-Secret-9f27c1';
const API_KEY = Buffer.from('key-id-1:ApiKeySecret-77ab').toString('base64');
const TOKEN = 'BearerSecret-4c1e0d';
const SECRETS = [PASSWORD, API_KEY, TOKEN, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let pki: TestPki;
let proxy: TlsAuthProxy;
const direct = new SearchClient({ url: ENGINE_URL });
const created: string[] = [];
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  await engineReady();
  pki = makePki();
  proxy = await TlsAuthProxy.start(pki, ENGINE_URL, [
    `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
    `ApiKey ${API_KEY}`,
    `Bearer ${TOKEN}`,
  ]);
}, 300_000);
afterAll(async () => {
  for (const c of open.reverse()) await c.close();
  await proxy?.close();
  pki?.remove();
  await deleteIndex(direct, ...created);
  await direct.close();
});

function client(opts: Omit<SearchClientOptions, 'url'>): SearchClient {
  const c = new SearchClient({ url: proxy.url, ...opts });
  open.push(c);
  return c;
}

/** The error a promise rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<SynclineError> {
  const r = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(r).toBeInstanceOf(SynclineError);
  return r as SynclineError;
}

describe(`auth and TLS in front of ${ENGINE}`, () => {
  it('writes with basic auth over HTTPS trusting a CA file, API key with the CA pinned, bearer with the server certificate pinned', async () => {
    const cases: Array<[string, Omit<SearchClientOptions, 'url'>, string]> = [
      ['basic', { username: USER, password: PASSWORD, tls: { caFile: pki.caFile } }, 'Basic '],
      ['apiKey', { apiKey: API_KEY, tls: { fingerprint: pki.caFingerprint } }, `ApiKey ${API_KEY}`],
      [
        'bearer',
        // lowercase, no colons: the form `sha256sum` style tools print
        { bearerToken: TOKEN, tls: { fingerprint: pki.serverFingerprint.replaceAll(':', '').toLowerCase() } },
        `Bearer ${TOKEN}`,
      ],
    ];
    for (const [name, opts, header] of cases) {
      const c = client(opts);
      proxy.seen.length = 0;
      const p = await detectEngine(c);
      expect(p.info.engine, name).toBe(IS_ELASTICSEARCH ? 'elasticsearch' : 'opensearch');
      const index = uniqueName(`conf_auth_${name.toLowerCase()}`);
      created.push(index);
      const sink = new BulkSink({
        client: c,
        config: sinkConfig({ lingerMs: 0 }),
        deadLetters: new MemoryDeadLetters(),
        pipeline: 'auth',
      });
      const r = await sink.write([indexOp(index, '1', 1n, { a: 1 }), indexOp(index, '2', 1n, { a: 2 })]);
      await sink.close();
      expect(r.outcomes, name).toEqual(['ok', 'ok']);
      expect(await countDocs(direct, index)).toBe(2);
      expect(proxy.seen.length).toBeGreaterThan(1);
      for (const h of proxy.seen) expect(h, name).toMatch(new RegExp(`^${header.replace(/[+/=]/g, '\\$&')}`));
    }
  });

  it('a pinned certificate is checked on every new connection, resumed TLS sessions included', async () => {
    proxy.closeEachConnection = true;
    try {
      const c = client({ apiKey: API_KEY, tls: { fingerprint: pki.caFingerprint }, connections: 1 });
      for (let i = 0; i < 4; i++) expect((await c.request('GET', '/_cluster/health')).status).toBe(200);
    } finally {
      proxy.closeEachConnection = false;
    }
  });

  it('wrong or missing credentials: a clear error naming the config key, never the secret', async () => {
    const tls = { caFile: pki.caFile };
    const cases: Array<[Omit<SearchClientOptions, 'url'>, string]> = [
      [{ username: USER, password: 'wrong-password', tls }, 'search.username and search.password'],
      [{ apiKey: Buffer.from('key-id-1:nope').toString('base64'), tls }, 'search.apiKey'],
      [{ bearerToken: 'expired-token', tls }, 'search.bearerToken'],
      [{ tls }, 'requires authentication'],
    ];
    for (const [opts, key] of cases) {
      const e = await rejection(detectEngine(client(opts)));
      expect(e.code).toBe('SYNC_S2007');
      expect(e.message).toContain(key);
      expect(e.message).toContain('HTTP 401');
      for (const s of [...SECRETS, 'wrong-password', 'expired-token']) expect(e.message).not.toContain(s);
    }
  });

  it('an untrusted certificate or a wrong pin fails the connection, naming search.tls.caFile / search.tls.fingerprint', async () => {
    proxy.seen.length = 0;
    const untrusted = await rejection(detectEngine(client({ apiKey: API_KEY })));
    expect(untrusted.code).toBe('SYNC_S2001');
    expect(untrusted.message).toContain('search.tls.caFile');
    const wrongPin = await rejection(
      detectEngine(client({ apiKey: API_KEY, tls: { fingerprint: 'AB'.repeat(32) } })),
    );
    expect(wrongPin.message).toContain('search.tls.fingerprint');
    expect(wrongPin.message).toContain(pki.serverFingerprint);
    // nothing was sent before the certificate was checked
    expect(proxy.seen.filter((h) => h === `ApiKey ${API_KEY}`).length).toBe(0);
  });

  it('config: keys and env overrides are declared once; two credentials or a bad pin are refused by name', async () => {
    const cfg = resolveConfig(
      {
        search: { url: proxy.url },
        mysql: { url: 'mysql://root@127.0.0.1:3307/x' },
        stack: { manage: false },
      },
      {
        SYNCLINE_SEARCH_API_KEY: API_KEY,
        SYNCLINE_SEARCH_CA_FILE: pki.caFile,
        SYNCLINE_SEARCH_CA_FINGERPRINT: pki.caFingerprint,
      },
    );
    expect(cfg.search).toMatchObject({
      apiKey: API_KEY,
      tls: { caFile: pki.caFile, fingerprint: pki.caFingerprint },
    });
    // basic credentials in the URL: sent, and gone from the client's URL (which messages may show)
    const inUrl = new URL(proxy.url);
    inUrl.username = USER;
    inUrl.password = PASSWORD;
    const fromUrl = new SearchClient({ url: inUrl.href, tls: { caFile: pki.caFile } });
    open.push(fromUrl);
    expect(fromUrl.base.href).toBe(`${proxy.url}/`);
    expect((await fromUrl.request('GET', '/_cluster/health')).status).toBe(200);
    expect(() => new SearchClient({ url: proxy.url, apiKey: API_KEY, bearerToken: TOKEN })).toThrow(
      /search\.apiKey and search\.bearerToken are both set/,
    );
    expect(() => new SearchClient({ url: proxy.url, tls: { fingerprint: 'abc' } })).toThrow(
      /search\.tls\.fingerprint: not a SHA-256 fingerprint/,
    );
    expect(() => new SearchClient({ url: proxy.url, tls: { caFile: `${pki.dir}/missing.crt` } })).toThrow(
      /search\.tls\.caFile: cannot read/,
    );
    expect(() => new SearchClient({ url: ENGINE_URL, tls: { caFile: pki.caFile } })).toThrow(
      /search\.tls is set but search\.url .* is not https/,
    );
  });

  it('secrets never reach the log: sink retries after a credential is revoked, detection failures, errors', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    const index = uniqueName('conf_auth_log');
    created.push(index);
    const c = client({ bearerToken: TOKEN, tls: { caFile: pki.caFile } });
    const sink = new BulkSink({
      client: c,
      config: sinkConfig({ lingerMs: 0, initialMs: 20, maxMs: 50 }),
      deadLetters: new MemoryDeadLetters(),
      pipeline: 'auth-log',
      logger,
    });
    open.push(sink);
    expect((await sink.write([indexOp(index, '1', 1n, { a: 1 })])).outcomes).toEqual(['ok']);
    // the token is revoked: the sink retries (an operator fixes credentials) and logs why; then restored
    proxy.accepted.delete(`Bearer ${TOKEN}`);
    const pending = sink.write([indexOp(index, '2', 2n, { a: 2 })]);
    const refusedBefore = proxy.refused;
    const deadline = Date.now() + 10_000;
    while (proxy.refused < refusedBefore + 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(proxy.refused).toBeGreaterThanOrEqual(refusedBefore + 3);
    proxy.accepted.add(`Bearer ${TOKEN}`);
    expect((await pending).outcomes).toEqual(['ok']);
    for (const opts of [
      { username: USER, password: PASSWORD },
      { apiKey: API_KEY, tls: { fingerprint: 'CD'.repeat(32) } },
    ]) {
      const e = await rejection(detectEngine(client(opts)));
      logger.error({ err: e }, 'detection failed');
    }
    const log = lines.join('');
    expect(log).toContain('401');
    for (const s of SECRETS) expect(log).not.toContain(s);
  });
});
