import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, type ErrorKind, isSynclineError } from '../core/errors.js';
import { describeValidation } from './validation.js';

const STATUS: Partial<Record<ErrorKind, number>> = {
  API_VALIDATION: 400,
  API_BAD_QUERY: 400,
  API_UNAUTHORIZED: 401,
  API_NOT_FOUND: 404,
  API_CONFLICT: 409,
  API_PAYLOAD_TOO_LARGE: 413,
  API_UNSUPPORTED_MEDIA_TYPE: 415,
  API_RATE_LIMITED: 429,
  API_UNAVAILABLE: 503,
  SINK_UNREACHABLE: 503,
  SOURCE_UNREACHABLE: 503,
};

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
    const status = STATUS[err.kind] ?? 500;
    if (status >= 500 && status !== 503) return internal(req);
    return { status, body: body(err.kind, err.message, err.details), log: status === 503 ? 'warn' : 'info' };
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
    else req.log[out.log]({ code: out.body.error.code, msg: out.body.error.message }, 'request refused');
    if (out.status === 503) reply.header('retry-after', '1');
    return reply.code(out.status).send(out.body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(body('API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]?.slice(0, 200)}`)),
  );
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (raw non-ASCII in the URL, oversized
 * headers, a slow sender): answered in the same error format, then the socket is closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time (api.requestTimeoutMs)']
        : [400, 'malformed HTTP request (characters outside ASCII must be percent-encoded in the URL)'];
  const payload = JSON.stringify(body('API_VALIDATION', message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
  );
}
