import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, type ErrorKind, errorMessage, isSynclineError } from '../core/errors.js';
import { describeValidation } from './validation.js';

/**
 * The errors the API answers as themselves: kind → HTTP status, and the kind whose code the client
 * sees (a capture or sink "unreachable" is the API's SYNC_S3007, as docs/api.md promises). Any other
 * kind is a 500 SYNC_S9999. docs/api.md's error table lists every code this can answer (a unit test
 * holds the two together).
 */
export const API_ANSWERS: Partial<Record<ErrorKind, { status: number; as?: ErrorKind }>> = {
  API_VALIDATION: { status: 400 },
  API_BAD_QUERY: { status: 400 },
  EVENT_INVALID: { status: 400 },
  API_UNAUTHORIZED: { status: 401 },
  API_NOT_FOUND: { status: 404 },
  API_CONFLICT: { status: 409 },
  API_PAYLOAD_TOO_LARGE: { status: 413 },
  API_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  API_RATE_LIMITED: { status: 429 },
  API_UNAVAILABLE: { status: 503 },
  SINK_UNREACHABLE: { status: 503, as: 'API_UNAVAILABLE' },
  SOURCE_UNREACHABLE: { status: 503, as: 'API_UNAVAILABLE' },
};

/** Every code a client can get from the API: the answered kinds, plus SYNC_S9999 for the rest. */
export function apiErrorCodes(): string[] {
  const kinds = Object.entries(API_ANSWERS).map(([k, a]) => a?.as ?? (k as ErrorKind));
  return [...new Set([...kinds, 'INTERNAL' as const].map((k) => ErrorCodes[k].code))].sort();
}

/** How much of a refused body is still read and thrown away after the 413, and for how long. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 10_000;

/** Network-level failures of MariaDB or the engine: the dependency is down, not the request wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function body(kind: ErrorKind, message: string, details?: Record<string, unknown>): ApiErrorBody {
  return { error: { code: ErrorCodes[kind].code, message, ...(details && { details }) } };
}

function errCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && UNAVAILABLE_CODES.has(c)) return c;
    cur =
      (cur as { cause?: unknown; driverError?: unknown }).driverError ?? (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Every failure becomes { error: { code, message, details? } }; a 500 carries no internals. */
export function toHttpError(
  err: FastifyError | Error,
  req: FastifyRequest,
): { status: number; body: ApiErrorBody; log: 'warn' | 'error' | 'info' } {
  const e = err as FastifyError & { validation?: unknown; validationContext?: string };
  if (Array.isArray(e.validation)) {
    let { message, field } = describeValidation(e.validation as never, e.validationContext ?? 'request');
    if ((req as { bodyWrapped?: boolean }).bodyWrapped && e.validationContext === 'body') {
      // the client sent one object that was wrapped into [object]: report paths as it sent them
      const unwrap = (s: string) => s.replace(/^body\.0(?=[.:\s]|$)/, 'body');
      message = unwrap(message);
      field = unwrap(field);
    }
    return { status: 400, body: body('API_VALIDATION', message, { field }), log: 'info' };
  }
  if (isSynclineError(err)) {
    const answer = API_ANSWERS[err.kind];
    if (!answer) return internal(req);
    return {
      status: answer.status,
      body: body(answer.as ?? err.kind, err.message, err.details),
      log: answer.status === 503 ? 'warn' : 'info',
    };
  }
  if (clientAborted(err, req)) {
    // the client went away mid-upload: nobody reads this answer, and no dependency failed
    return {
      status: 400,
      body: body('API_VALIDATION', 'the client closed the connection before the request body arrived', {
        field: 'body',
      }),
      log: 'info',
    };
  }
  if (errCode(err)) {
    return {
      status: 503,
      body: body('API_UNAVAILABLE', `a dependency is unreachable (${errCode(err)}); retry shortly`),
      log: 'warn',
    };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: body('API_PAYLOAD_TOO_LARGE', 'the request body is larger than allowed'),
        log: 'info',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: body(
          'API_UNSUPPORTED_MEDIA_TYPE',
          `unsupported content-type ${JSON.stringify(req.headers['content-type'] ?? '')}; send application/json`,
        ),
        log: 'info',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: body('API_VALIDATION', 'body: empty body with content-type application/json', {
          field: 'body',
        }),
        log: 'info',
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        body: body('API_VALIDATION', 'params: a path parameter is too long', { field: 'params' }),
        log: 'info',
      };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        body: body('API_VALIDATION', 'the URL is malformed', { field: 'url' }),
        log: 'info',
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 400,
        body: body('API_VALIDATION', 'body: not valid JSON', { field: 'body' }),
        log: 'info',
      };
    default:
  }
  if (status === 429) {
    return { status: 429, body: body('API_RATE_LIMITED', e.message), log: 'info' };
  }
  if (err instanceof SyntaxError && status === 400) {
    return {
      status: 400,
      body: body('API_VALIDATION', 'body: not valid JSON', { field: 'body' }),
      log: 'info',
    };
  }
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (prototype poisoning, bad headers…): safe, short messages.
    return { status, body: body('API_VALIDATION', e.message.slice(0, 300)), log: 'info' };
  }
  return internal(req);
}

/** The request stream itself failed (the client closed the socket mid-body): Node's "aborted". */
function clientAborted(err: Error & { code?: string }, req: FastifyRequest): boolean {
  if (err.code !== 'ECONNRESET') return false;
  const raw = req.raw as FastifyRequest['raw'] & { aborted?: boolean };
  return err.message === 'aborted' || raw.aborted === true || (raw.destroyed && !raw.complete);
}

function internal(req: FastifyRequest) {
  return {
    status: 500,
    body: body('INTERNAL', `internal error; the server log has the details under request id ${req.id}`),
    log: 'error' as const,
  };
}

/** For Fastify's `frameworkErrors` (malformed URLs, over-long params: refused before routing). */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const out = toHttpError(err, req);
  reply.header('x-request-id', req.id).code(out.status).send(out.body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const out = toHttpError(err, req);
    if (out.log === 'error') req.log.error({ err }, 'request failed');
    else {
      // what the client is not told (an engine's own text, a driver error) is logged under the request id
      const cause = (err as { cause?: unknown }).cause;
      req.log[out.log](
        {
          code: out.body.error.code,
          status: out.status,
          reason: out.body.error.message,
          ...(cause !== undefined && { cause: errorMessage(cause).slice(0, 2000) }),
        },
        out.status === 413 ? 'request body too large' : 'request refused',
      );
    }
    if (out.status === 503) reply.header('retry-after', '1');
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') drainRefusedBody(req, reply);
    return reply.code(out.status).send(out.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(body('API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]?.slice(0, 200)}`)),
  );
}

/**
 * Fastify answers a body over the limit while the client is still sending it, marked `connection:
 * close`. Closing the socket on a client that is still writing makes the kernel reset the connection,
 * and the reset destroys the 413 before a client that reads after its upload (most do) gets it: the
 * client sees "connection reset" mid-upload instead of the answer. So the rest of the body is read and
 * thrown away (the parser knows where it ends, so the connection stays usable), within bounds: past
 * DRAIN_MAX_BYTES or DRAIN_MAX_MS the socket is closed after all.
 */
function drainRefusedBody(req: FastifyRequest, reply: FastifyReply): void {
  const raw = req.raw;
  const socket = raw.socket as Socket | null | undefined;
  if (raw.complete || !socket || typeof socket.destroy !== 'function') return;
  reply.removeHeader('connection');
  let read = 0;
  const stop = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(stop, DRAIN_MAX_MS);
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > DRAIN_MAX_BYTES) stop();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.once('close', () => clearTimeout(timer));
}

/** What Node's HTTP parser refused, in the client's terms (codes of llhttp, the parser Node uses). */
const PARSER_ERRORS: Record<string, string> = {
  HPE_INVALID_METHOD: 'unknown or invalid HTTP method',
  HPE_INVALID_URL:
    'the URL has a character HTTP does not allow there (percent-encode characters outside ASCII, spaces and control characters)',
  HPE_INVALID_CONSTANT:
    'the request line is not METHOD /path HTTP/1.1 (a space in the URL must be percent-encoded)',
  HPE_INVALID_VERSION: 'unsupported HTTP version (send HTTP/1.1)',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has a character HTTP does not allow',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length is not a decimal number',
  HPE_UNEXPECTED_CONTENT_LENGTH:
    'more than one Content-Length, or Content-Length together with Transfer-Encoding',
  HPE_INVALID_TRANSFER_ENCODING:
    'invalid Transfer-Encoding (only chunked is accepted, and not together with Content-Length)',
  HPE_INVALID_CHUNK_SIZE: 'the chunked body has an invalid chunk size',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'the chunked body has oversized chunk extensions',
  HPE_STRICT: 'lines of the request head must end with CRLF',
  HPE_CR_EXPECTED: 'lines of the request head must end with CRLF',
  HPE_LF_EXPECTED: 'lines of the request head must end with CRLF',
  HPE_UNEXPECTED_SPACE: 'unexpected whitespace in the request head',
};

/** Status and message for a request the parser refused; the parser's own reason for codes not listed. */
export function describeClientError(err: Error & { code?: string; reason?: string }): [number, string] {
  if (err.code === 'HPE_HEADER_OVERFLOW') return [431, 'request headers are too large (16 KiB at most)'];
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return [408, 'the request was not received in time (api.requestTimeoutMs)'];
  const known = err.code ? PARSER_ERRORS[err.code] : undefined;
  const reason =
    known ?? (typeof err.reason === 'string' ? err.reason.slice(0, 120) : 'the request is malformed');
  return [400, `malformed HTTP request: ${reason}`];
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (raw non-ASCII in the URL, oversized
 * headers, a slow sender): answered in the same error format, then the socket is closed.
 */
export function clientErrorHandler(err: Error & { code?: string; reason?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = describeClientError(err);
  const payload = JSON.stringify(body('API_VALIDATION', message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
  );
}
