import { SynclineError } from '../../core/errors.js';
import type { SearchClient } from '../../sinks/search/client.js';

/** Root causes that mean "the query is wrong", whatever HTTP status the engine chose for them. */
const CLIENT_FAULTS = new Set([
  'query_shard_exception',
  'parsing_exception',
  'parse_exception',
  'x_content_parse_exception',
  'illegal_argument_exception',
  'number_format_exception',
  'too_many_clauses',
  'search_context_missing_exception',
  'query_parsing_exception',
]);

interface EngineError {
  type?: string;
  reason?: string;
  root_cause?: Array<{ type?: string; reason?: string }>;
  caused_by?: { type?: string; reason?: string };
}

/**
 * One search request whose failures become API errors: a query the engine rejects → 400 SYNC_S3005,
 * engine unreachable, overloaded, timing out or missing the index → 503 SYNC_S3007. Never a 500.
 * The engine's own text (Java exceptions, addresses, index internals) is kept in the error's cause for
 * the server log (the API's error handler logs it with the request id), never in the client's message.
 */
export async function engineSearch<T>(
  client: SearchClient,
  index: string,
  body: Record<string, unknown>,
  opts: { timeoutMs: number; query?: string },
): Promise<T> {
  const path = `/${encodeURIComponent(index).replaceAll('%2C', ',').replaceAll('%2A', '*')}/_search${opts.query ? `?${opts.query}` : ''}`;
  let res: { status: number; body: unknown };
  try {
    res = await client.request('POST', path, body, { timeoutMs: opts.timeoutMs });
  } catch (e) {
    throw new SynclineError('API_UNAVAILABLE', 'the search engine is unreachable; retry shortly', {
      cause: e,
    });
  }
  if (res.status === 200) return res.body as T;
  const err = (res.body as { error?: EngineError } | undefined)?.error;
  const causes = [err?.type, err?.caused_by?.type, ...(err?.root_cause ?? []).map((c) => c.type)];
  const cause = new Error(`search engine answered HTTP ${res.status}: ${describe(err)}`);
  if (res.status === 404 && causes.includes('index_not_found_exception')) {
    throw new SynclineError('API_UNAVAILABLE', `search index ${index} does not exist yet`, {
      details: { index },
      cause,
    });
  }
  if (
    res.status === 400 ||
    (res.status === 500 && causes.some((c) => c !== undefined && CLIENT_FAULTS.has(c)))
  ) {
    throw new SynclineError(
      'API_BAD_QUERY',
      'the search engine rejected the query; change the search parameters (the server log has the reason)',
      { cause },
    );
  }
  throw new SynclineError(
    'API_UNAVAILABLE',
    `the search engine failed (HTTP ${res.status}); retry shortly (the server log has the reason)`,
    { cause },
  );
}

function describe(err: EngineError | undefined): string {
  if (!err) return 'no reason given';
  const root = err.root_cause?.[0];
  const r = root?.reason ?? err.caused_by?.reason ?? err.reason ?? err.type ?? 'no reason given';
  return r.length > 300 ? `${r.slice(0, 300)}…` : r;
}
