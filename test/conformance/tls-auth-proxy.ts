import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';

/** A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI for one test run. */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly serverKey: Buffer;
  /** Server certificate followed by the CA (the chain the server presents). */
  readonly serverChain: Buffer;
  /** "AB:CD:…" SHA-256 fingerprints, as `openssl x509 -fingerprint -sha256` prints them. */
  readonly caFingerprint: string;
  readonly serverFingerprint: string;
  remove(): void;
}

export function makePki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'syncline-pki-'));
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=conformance-ca',
  );
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  );
  const fingerprint = (file: string) =>
    ssl('x509', '-noout', '-fingerprint', '-sha256', '-in', file).trim().replace(/^.*=/, '');
  return {
    dir,
    caFile: f('ca.crt'),
    serverKey: readFileSync(f('server.key')),
    serverChain: Buffer.concat([readFileSync(f('server.crt')), readFileSync(f('ca.crt'))]),
    caFingerprint: fingerprint(f('ca.crt')),
    serverFingerprint: fingerprint(f('server.crt')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A TLS-terminating proxy in front of the real engine that plays Elasticsearch's security layer: every
 * request must carry one of the accepted Authorization headers, else 401 with ES's error body. Records
 * the Authorization header of every request it saw.
 */
export class TlsAuthProxy {
  readonly seen: Array<string | undefined> = [];
  /** Requests answered 401. */
  refused = 0;
  accepted: Set<string>;
  /** Answer with `Connection: close`: every request then opens a new TLS connection (sessions resume). */
  closeEachConnection = false;

  private constructor(
    private readonly server: Server,
    private readonly upstream: Pool,
    readonly url: string,
    accepted: Iterable<string>,
  ) {
    this.accepted = new Set(accepted);
  }

  static async start(pki: TestPki, upstreamUrl: string, accepted: Iterable<string>): Promise<TlsAuthProxy> {
    const upstream = new Pool(new URL(upstreamUrl).origin, { connections: 8 });
    let proxy: TlsAuthProxy | undefined;
    const server = createServer({ key: pki.serverKey, cert: pki.serverChain }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const auth = req.headers.authorization;
        proxy!.seen.push(auth);
        if (auth === undefined || !proxy!.accepted.has(auth)) {
          proxy!.refused++;
          res.writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': 'Basic realm="security", ApiKey, Bearer realm="security"',
          });
          res.end(
            JSON.stringify({
              error: {
                type: 'security_exception',
                reason: `unable to authenticate user for REST request [${req.url}]`,
              },
              status: 401,
            }),
          );
          return;
        }
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'accept'])
          if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        upstream
          .request({ method: req.method as 'GET', path: req.url ?? '/', headers, body })
          .then(async (up) => {
            const text = await up.body.text();
            const type = up.headers['content-type'];
            res.writeHead(up.statusCode, {
              ...(typeof type === 'string' && { 'content-type': type }),
              ...(proxy!.closeEachConnection && { connection: 'close' }),
            });
            res.end(text);
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    proxy = new TlsAuthProxy(server, upstream, `https://127.0.0.1:${port}`, accepted);
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.upstream.close();
  }
}
