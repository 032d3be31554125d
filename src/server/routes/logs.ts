import { Type } from '@sinclair/typebox';
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import type { ApiConfig } from '../../config/schema.js';
import { SynclineError } from '../../core/errors.js';
import type { SearchClient } from '../../sinks/search/client.js';
import { type LogSearchParams, searchLogs } from '../logs/log-search.js';
import { type LogDoc, type LogWriter, newLogId } from '../logs/log-writer.js';
import * as S from '../schemas.js';

export interface LogRouteOptions {
  writer: LogWriter;
  client: SearchClient;
  api: ApiConfig;
  writeLimit: RouteShorthandOptions;
}

/** POST /api/logs (one record or an array) and GET /api/logs/search. */
export async function logRoutes(app: FastifyInstance, opts: LogRouteOptions): Promise<void> {
  const { logs } = opts.api;
  app.post<{ Body: S.LogRecord[] }>(
    '/api/logs',
    {
      ...opts.writeLimit,
      bodyLimit: logs.bodyLimitBytes,
      // One record or an array: a single object is wrapped before validation, so both get the same checks.
      preValidation: async (req) => {
        if (req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)) {
          (req as { body: unknown }).body = [req.body];
          (req as { bodyWrapped?: boolean }).bodyWrapped = true;
        }
      },
      schema: {
        tags: ['logs'],
        summary: `Ingest log records (one object, or an array of up to ${logs.maxRecords})`,
        body: Type.Array(S.LogRecord, { minItems: 1, maxItems: logs.maxRecords }),
        response: {
          200: Type.Object({
            written: Type.Integer(),
            rejected: Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() })),
          }),
          400: S.ErrorResponse,
          413: S.ErrorResponse,
          429: S.ErrorResponse,
          503: S.ErrorResponse,
        },
      },
    },
    async (req) => {
      const single = (req as { bodyWrapped?: boolean }).bodyWrapped === true;
      const docs: LogDoc[] = req.body.map((r, i) => {
        const at = single ? 'body' : `body.${i}`;
        const ms = Date.parse(r.ts);
        if (Number.isNaN(ms)) throw invalid(`${at}.ts`, 'not a valid time');
        if (r.fields !== undefined)
          checkFields(r.fields, `${at}.fields`, logs.maxFieldsDepth, logs.maxFieldsBytes);
        return {
          id: newLogId(),
          ts: new Date(ms).toISOString(),
          level: r.level,
          service: r.service,
          message: r.message,
          ...(r.fields !== undefined && { fields: r.fields }),
        };
      });
      return opts.writer.write(docs);
    },
  );

  app.get<{ Querystring: LogSearchParams }>(
    '/api/logs/search',
    {
      schema: {
        tags: ['logs'],
        summary: 'Search log records by level, service, time range and text (newest first)',
        querystring: S.logSearchQuery(opts.api.maxPageSize),
        response: {
          200: Type.Object({
            total: Type.Integer(),
            page: Type.Integer(),
            size: Type.Integer(),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
            items: Type.Array(Type.Object({}, { additionalProperties: true })),
          }),
          400: S.ErrorResponse,
          503: S.ErrorResponse,
        },
      },
    },
    async (req) =>
      searchLogs(opts.client, req.query, {
        indexPrefix: logs.indexPrefix,
        defaultSize: opts.api.defaultPageSize,
        timeoutMs: opts.api.searchTimeoutMs,
      }),
  );
}

/** Depth first (iteratively: a hostile depth must not overflow the stack), then the JSON size. */
function checkFields(fields: Record<string, unknown>, at: string, maxDepth: number, maxBytes: number): void {
  const stack: Array<{ v: unknown; d: number }> = [{ v: fields, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > maxDepth) throw invalid(at, `nested deeper than ${maxDepth} levels`);
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push({ v: child, d: d + 1 });
  }
  const size = Buffer.byteLength(JSON.stringify(fields));
  if (size > maxBytes) throw invalid(at, `is ${size} bytes of JSON; at most ${maxBytes} allowed`);
}

function invalid(field: string, message: string): SynclineError {
  return new SynclineError('API_VALIDATION', `${field}: ${message}`, { details: { field } });
}
