import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { SynclineError } from '../../core/errors.js';

/**
 * How the search client proves who it is and whom it talks to, as users run Elasticsearch 8/9 (security
 * on by default: HTTPS with a self-signed CA, basic or API-key auth) and managed OpenSearch (basic,
 * bearer tokens from a proxy). Secrets live only in the Authorization header: never in a message, a log
 * line or an error (messages name the config key instead).
 */
export interface SearchCredentials {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Sent as `Authorization: ApiKey <apiKey>` (the `encoded` value of ES's create-API-key answer). */
  readonly apiKey?: string | undefined;
  /** Sent as `Authorization: Bearer <bearerToken>`. */
  readonly bearerToken?: string | undefined;
}

export interface SearchTlsOptions {
  /** PEM file of the CA that signed the engine's certificate (ES: config/certs/http_ca.crt). */
  readonly caFile?: string | undefined;
  /** SHA-256 fingerprint of the engine's certificate or of a CA in its chain (hex, colons optional). */
  readonly fingerprint?: string | undefined;
}

export type AuthKind = 'none' | 'basic' | 'apiKey' | 'bearer';

/** The config keys that hold each kind of credential, for messages. */
export const AUTH_KEYS: Record<AuthKind, string> = {
  none: 'search.username/search.password, search.apiKey or search.bearerToken (none is set)',
  basic: 'search.username and search.password',
  apiKey: 'search.apiKey',
  bearer: 'search.bearerToken',
};

/** The Authorization header (undefined: none) and which kind it is. Rejects more than one kind. */
export function authorization(c: SearchCredentials, url: URL): { kind: AuthKind; header?: string } {
  const user = c.username ?? (decodeURIComponent(url.username) || undefined);
  const pass = c.password ?? (decodeURIComponent(url.password) || undefined);
  const set = [
    user !== undefined && 'search.username',
    c.apiKey !== undefined && 'search.apiKey',
    c.bearerToken !== undefined && 'search.bearerToken',
  ].filter((k): k is string => k !== false);
  if (set.length > 1) {
    throw new SynclineError(
      'CONFIG_INVALID',
      `${set.join(' and ')} are both set: the engine takes one credential; keep one of them`,
    );
  }
  if (c.apiKey !== undefined) return { kind: 'apiKey', header: `ApiKey ${c.apiKey}` };
  if (c.bearerToken !== undefined) return { kind: 'bearer', header: `Bearer ${c.bearerToken}` };
  if (user !== undefined)
    return { kind: 'basic', header: `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}` };
  return { kind: 'none' };
}

/** The engine refused the credentials (401) or their rights (403): a clear error naming the keys. */
export function authFailed(status: number, origin: string, kind: AuthKind, reason?: string): SynclineError {
  const what =
    status === 401
      ? kind === 'none'
        ? 'requires authentication'
        : `refused the credentials of ${AUTH_KEYS[kind]}`
      : `refused access to the credentials of ${AUTH_KEYS[kind]} (missing privileges)`;
  return new SynclineError(
    'SINK_AUTH_FAILED',
    `search engine at ${origin} ${what}: HTTP ${status}${reason ? ` ${reason}` : ''}`,
    { details: { status, auth: kind } },
  );
}

/** "AB:CD:…" uppercase, the form node reports (`fingerprint256`); accepts any case, with or without colons. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256[:=]?/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SynclineError(
      'CONFIG_INVALID',
      'search.tls.fingerprint: not a SHA-256 fingerprint (64 hex digits, colons optional; e.g. the output of `openssl x509 -noout -fingerprint -sha256 -in http_ca.crt`)',
    );
  }
  return hex.toUpperCase().match(/../g)!.join(':');
}

function readCa(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    throw new SynclineError(
      'CONFIG_INVALID',
      `search.tls.caFile: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new SynclineError('CONFIG_INVALID', `search.tls.caFile: ${file} is not a PEM certificate`);
  }
  return pem;
}

/** SHA-256 fingerprints of every certificate the peer presented (leaf first). */
function chainFingerprints(socket: TLSSocket): string[] {
  const out: string[] = [];
  let cert = socket.getPeerCertificate(true);
  while (cert && Object.keys(cert).length > 0 && out.length < 10) {
    if (cert.fingerprint256 && !out.includes(cert.fingerprint256)) out.push(cert.fingerprint256);
    if (!cert.issuerCertificate || cert.issuerCertificate === cert) break;
    cert = cert.issuerCertificate;
  }
  return out;
}

const CHAIN_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/**
 * The undici connector for an https:// engine URL: the CA file trusted (instead of the system store), and/or
 * the certificate pinned by fingerprint. A pin replaces chain validation (ES's self-signed CA is
 * typically pinned), checked on every new connection before a byte of the request is sent.
 * Every https:// URL gets it (so a certificate error names the keys that fix it); undefined for http://.
 */
export function tlsConnector(
  tls: SearchTlsOptions | undefined,
  url: URL,
): buildConnector.connector | undefined {
  const configured = tls?.caFile !== undefined || tls?.fingerprint !== undefined;
  if (url.protocol !== 'https:') {
    if (!configured) return undefined;
    throw new SynclineError(
      'CONFIG_INVALID',
      `search.tls is set but search.url (${url.origin}) is not https://: use https:// or remove search.tls`,
    );
  }
  const pin = tls?.fingerprint === undefined ? undefined : normalizeFingerprint(tls.fingerprint);
  const ca = tls?.caFile === undefined ? undefined : readCa(tls.caFile);
  const connect = buildConnector({
    ...(ca && { ca }),
    // chain and host name are checked unless only a pin is given (then the pin is the check)
    rejectUnauthorized: ca !== undefined || pin === undefined,
    // a resumed TLS session presents no certificate to check the pin against: always a full handshake
    ...(pin && { maxCachedSessions: 0 }),
  });
  return (opts, callback) =>
    connect(opts, (err, socket) => {
      if (err) {
        callback(describeTlsError(err, url), null);
        return;
      }
      if (pin) {
        const seen = chainFingerprints(socket as TLSSocket);
        if (!seen.includes(pin)) {
          socket.destroy();
          callback(
            new Error(
              `TLS: no certificate of ${url.host} matches search.tls.fingerprint (the engine presented ${seen.join(', ') || 'none'})`,
            ),
            null,
          );
          return;
        }
      }
      callback(null, socket);
    });
}

function describeTlsError(err: Error, url: URL): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (CHAIN_ERRORS.has(code)) {
    return new Error(
      `TLS: the certificate of ${url.host} is not trusted (${code}): set search.tls.caFile to the CA that signed it, or pin it with search.tls.fingerprint`,
      { cause: err },
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new Error(
      `TLS: the certificate of ${url.host} is not issued for that host name (${err.message}): connect by a name the certificate lists, or pin it with search.tls.fingerprint`,
      { cause: err },
    );
  }
  return err;
}
