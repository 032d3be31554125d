import { describe, expect, it } from 'vitest';
import { engineSearch } from '../../../src/catalog/search/engine-call.js';
import { isSynclineError } from '../../../src/core/errors.js';
import type { SearchClient } from '../../../src/sinks/search/client.js';

/** A client that answers every request with the given status and body (or throws). */
function engine(answer: { status: number; body: unknown } | Error): SearchClient {
  return {
    request: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SearchClient;
}

const JAVA = 'Cannot invoke "java.lang.Double.doubleValue()" because "value" is null';

async function failure(client: SearchClient) {
  try {
    await engineSearch(client, 'products', { query: { match_all: {} } }, { timeoutMs: 1000 });
  } catch (e) {
    if (isSynclineError(e)) return e;
    throw e;
  }
  throw new Error('the search did not fail');
}

describe('engineSearch: what a client is told', () => {
  it("an engine failure never carries the engine's own text; the cause keeps it for the log", async () => {
    const cases: Array<[{ status: number; body: unknown } | Error, string]> = [
      [
        {
          status: 500,
          body: {
            error: {
              type: 'null_pointer_exception',
              reason: JAVA,
              root_cause: [{ type: 'null_pointer_exception', reason: JAVA }],
            },
          },
        },
        'API_UNAVAILABLE',
      ],
      [
        {
          status: 400,
          body: {
            error: {
              type: 'search_phase_execution_exception',
              root_cause: [{ type: 'parse_exception', reason: JAVA }],
            },
          },
        },
        'API_BAD_QUERY',
      ],
      [
        {
          status: 500,
          body: { error: { type: 'x', caused_by: { type: 'illegal_argument_exception', reason: JAVA } } },
        },
        'API_BAD_QUERY',
      ],
      [{ status: 503, body: { error: { type: 'x', reason: JAVA } } }, 'API_UNAVAILABLE'],
      [new Error(`connect ECONNREFUSED 10.1.2.3:9200 ${JAVA}`), 'API_UNAVAILABLE'],
    ];
    for (const [answer, kind] of cases) {
      const e = await failure(engine(answer));
      expect(e.kind).toBe(kind);
      expect(e.message).not.toContain('java');
      expect(e.message).not.toContain('10.1.2.3');
      expect(String((e.cause as Error).message)).toContain('java.lang.Double');
    }
  });

  it('a missing index names the index (ours, not the engine text)', async () => {
    const e = await failure(
      engine({
        status: 404,
        body: { error: { type: 'index_not_found_exception', reason: 'no such index [products]' } },
      }),
    );
    expect(e.kind).toBe('API_UNAVAILABLE');
    expect(e.message).toBe('search index products does not exist yet');
  });
});
