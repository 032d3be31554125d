import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IngestConfig } from '../../config/schema.js';
import { ErrorCodes, SynclineError } from '../../core/errors.js';
import { isRecord } from '../../sources/ingest/decode-util.js';
import {
  INGEST_FORMATS,
  type IngestFormat,
  type IngestMessage,
  splitMessages,
  UnparsableLine,
} from '../../sources/ingest/index.js';
import type { IngestHandler } from '../../sources/ingest/ingest-service.js';
import { loneSurrogateAt } from '../input-checks.js';
import * as S from '../schemas.js';
import { bearerMatches } from './admin.js';

export interface IngestRouteOptions {
  /** Undefined when ingest is not running (answers 503). */
  ingest: IngestHandler | undefined;
  config: IngestConfig;
  /** ingest.token, or server.adminToken. */
  token: string;
}

/** Kafka-record form of one item: {key, value, topic} (Debezium tombstones need it: value null). */
const RECORD_KEYS = new Set(['key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'headers']);

function toMessage(item: unknown): IngestMessage {
  if (isRecord(item) && 'value' in item && Object.keys(item).every((k) => RECORD_KEYS.has(k))) {
    return {
      key: item.key,
      value: item.value as unknown,
      ...(typeof item.topic === 'string' && { topic: item.topic }),
    };
  }
  return { value: item };
}

const Outcome = Type.Object({
  index: Type.Integer(),
  status: Type.String({ description: 'ok | stale | dead | ignored | rejected' }),
  events: Type.Integer(),
  reason: Type.Optional(Type.String()),
});
const Result = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  items: Type.Array(Outcome),
});

function refuse(reply: FastifyReply, status: number, message: string, details?: Record<string, unknown>) {
  return reply.code(status).send({
    error: { code: ErrorCodes.EVENT_INVALID.code, message, ...(details && { details }) },
  });
}

/**
 * POST /api/ingest/{canal|maxwell|debezium}: one message, a JSON array, or NDJSON (docs/ingest.md).
 * One message: 200 with its outcome, or 400 with the reason. A batch: 200 when every message was
 * accepted, 207 with per-item reasons when some were rejected, 400 when all were.
 */
export async function ingestRoutes(app: FastifyInstance, opts: IngestRouteOptions): Promise<void> {
  const limit = opts.config.bodyLimitBytes;
  // bodies are parsed here, not by Fastify: NDJSON, and numbers past 2^53 kept exact (parseIngestJson)
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: limit }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onRequest', async (req) => {
    if (!bearerMatches(req.headers.authorization, opts.token)) {
      throw new SynclineError(
        'API_UNAUTHORIZED',
        'ingest routes need Authorization: Bearer <ingest.token, or server.adminToken when unset>',
      );
    }
  });

  app.post<{ Params: { format: IngestFormat }; Body: string }>(
    '/api/ingest/:format',
    {
      bodyLimit: limit,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest Canal flat messages, Maxwell rows or Debezium change events',
        security: [{ bearerAuth: [] }],
        params: Type.Object(
          { format: Type.Union(INGEST_FORMATS.map((f) => Type.Literal(f))) },
          { additionalProperties: false },
        ),
        response: {
          200: Result,
          207: Result,
          400: S.ErrorResponse,
          401: S.ErrorResponse,
          503: S.ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      if (!opts.ingest) {
        throw new SynclineError(
          'API_UNAVAILABLE',
          'ingest is not running (ingest.enabled, and the pipelines started)',
        );
      }
      const text = typeof req.body === 'string' ? req.body : '';
      let split: { messages: unknown[]; single: boolean };
      try {
        split = splitMessages(text);
      } catch (e) {
        return refuse(reply, 400, `body: not valid JSON (${(e as Error).message})`, { field: 'body' });
      }
      if (split.messages.length === 0) return refuse(reply, 400, 'body: no message', { field: 'body' });
      if (split.single && split.messages[0] === null) {
        return refuse(reply, 400, 'body must not be null; send a message', { field: 'body' });
      }
      if (split.messages.length > opts.config.maxMessages) {
        return refuse(
          reply,
          400,
          `body: ${split.messages.length} messages; at most ${opts.config.maxMessages} (ingest.maxMessages)`,
          {
            field: 'body',
          },
        );
      }
      const unparsable = new Map<number, string>();
      const messages = split.messages.map((m, i) => {
        if (m instanceof UnparsableLine) {
          unparsable.set(i, `line ${i + 1}: ${m.reason}`);
          return { value: null };
        }
        // no UTF-8 form: the index would hold U+FFFD instead of the text sent (input-checks.ts)
        const at = loneSurrogateAt(m, split.single ? 'body' : `body.${i}`);
        if (at !== undefined) {
          unparsable.set(i, `${at} contains a lone UTF-16 surrogate (text must be valid Unicode)`);
          return { value: null };
        }
        return toMessage(m);
      });
      const signal = AbortSignal.timeout(opts.config.writeTimeoutMs);
      let result: Awaited<ReturnType<IngestHandler['ingest']>>;
      try {
        result = await opts.ingest.ingest(
          req.params.format,
          messages.filter((_m, i) => !unparsable.has(i)),
          signal,
        );
      } catch (e) {
        if (signal.aborted)
          throw new SynclineError(
            'API_UNAVAILABLE',
            `the index did not take the writes within ${opts.config.writeTimeoutMs} ms; retry`,
          );
        throw e;
      }
      // put unparsable NDJSON lines back in their places
      const items: Array<(typeof result.items)[number]> = [];
      let j = 0;
      for (let i = 0; i < messages.length; i++) {
        const reason = unparsable.get(i);
        items.push(
          reason ? { index: i, status: 'rejected', events: 0, reason } : { ...result.items[j++]!, index: i },
        );
      }
      const rejected = items.filter((it) => it.status === 'rejected');
      if (split.single && rejected.length === 1) {
        return refuse(reply, 400, rejected[0]!.reason ?? 'rejected', { format: req.params.format });
      }
      const body = { accepted: items.length - rejected.length, rejected: rejected.length, items };
      if (rejected.length === items.length) {
        return refuse(reply, 400, `every message was rejected; first: ${rejected[0]!.reason}`, { items });
      }
      return reply.code(rejected.length > 0 ? 207 : 200).send(body);
    },
  );
}
