import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SynclineError } from '../core/errors.js';

/**
 * JSON bodies are read as bytes and refused unless they are valid UTF-8: decoding would otherwise turn
 * each invalid byte into U+FFFD, and the row would hold text the client never sent. Parsing itself is
 * Fastify's (prototype-poisoning checks included).
 */
export function installJsonParser(app: FastifyInstance, poisoning: 'error' | 'remove' | 'ignore'): void {
  const parse = app.getDefaultJsonParser(poisoning, poisoning);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (!isUtf8(body)) {
      done(invalid('body', 'body is not valid UTF-8 (send JSON text in UTF-8)'), undefined);
      return;
    }
    parse(req, body.toString('utf8'), done);
  });
}

/**
 * Checks every route gets before its own validation, so no route can forget them:
 * - a JSON `null` body is refused. JSON Schema would refuse it for an object body, but routes that
 *   default a missing body (`POST` without one means "all defaults") would otherwise take `null` for
 *   "no body" and start work the client never described.
 * - a lone UTF-16 surrogate (`"\ud800"` escaped in JSON) in any string or key is refused. It has no
 *   UTF-8 form: MariaDB and the engine would store U+FFFD instead of what was sent.
 */
export function installInputChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    if (req.body === null) throw invalid('body', 'body must not be null; send a JSON object (or no body)');
    for (const [part, value] of [
      ['body', req.body],
      ['querystring', req.query],
      ['params', req.params],
    ] as const) {
      const at = loneSurrogateAt(value, part);
      if (at !== undefined) {
        throw invalid(at, `${at} contains a lone UTF-16 surrogate (text must be valid Unicode)`);
      }
    }
  });
}

// a high surrogate not followed by a low one, or a low surrogate not preceded by a high one
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * The path (`body.tags.2`, `body.fields.<key>`) of a string or key with a lone surrogate, if any.
 * Iterative: a body may nest deeper than the call stack goes.
 */
export function loneSurrogateAt(value: unknown, path: string): string | undefined {
  const todo: Array<[unknown, string]> = [[value, path]];
  while (todo.length > 0) {
    const [v, at] = todo.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return at;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) todo.push([v[i], `${at}.${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        // a bad key is named with U+FFFD in its place: the answer itself must be valid Unicode
        if (LONE_SURROGATE.test(k)) return `${at}.${k.replace(LONE_SURROGATES, '\uFFFD')}`;
        todo.push([child, `${at}.${k}`]);
      }
    }
  }
  return undefined;
}

function invalid(field: string, message: string): SynclineError {
  return new SynclineError('API_VALIDATION', message, { details: { field } });
}
