import { SynclineError } from '../../core/errors.js';
import type { TextAnalyzerKind } from '../../mapping/analyzers.js';
import { type AnalyzerChoiceLogger, chooseTextAnalyzer } from '../../mapping/text-analyzer-choice.js';
import type { SearchClient } from '../../sinks/search/client.js';

/** logs-2025.01.02 from the record's ts (UTC day): a day's records land in one index, whenever they arrive. */
export function dailyIndex(prefix: string, tsMs: number): string {
  const iso = new Date(tsMs).toISOString();
  return `${prefix}${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
}

/** syncline-logs for the default prefix logs-. */
export function templateName(prefix: string): string {
  return `syncline-${prefix.replace(/-$/, '')}`;
}

/**
 * The index template every daily index is created from on its first write. `fields` is kept in
 * _source but not indexed: arbitrary client keys cannot explode or conflict in the mapping. The
 * message gets the same CJK + English analysis as the catalog.
 */
export function logTemplate(prefix: string, textAnalyzer: TextAnalyzerKind = 'cjk'): Record<string, unknown> {
  const standard = { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] };
  return {
    index_patterns: [`${prefix}*`],
    // above the engine's built-in templates (Elasticsearch's logs-*-* has 100) so this one wins
    priority: 200,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        refresh_interval: '1s',
        analysis:
          textAnalyzer === 'standard'
            ? // the fallback on an engine without the CJK filters (chooseTextAnalyzer)
              { analyzer: { syncline_log_text: standard, syncline_log_search: standard } }
            : {
                filter: { syncline_cjk_bigram_unigrams: { type: 'cjk_bigram', output_unigrams: true } },
                analyzer: {
                  syncline_log_text: {
                    type: 'custom',
                    tokenizer: 'standard',
                    filter: ['cjk_width', 'lowercase', 'syncline_cjk_bigram_unigrams'],
                  },
                  syncline_log_search: {
                    type: 'custom',
                    tokenizer: 'standard',
                    filter: ['cjk_width', 'lowercase', 'cjk_bigram'],
                  },
                },
              },
      },
      mappings: {
        dynamic: 'strict',
        properties: {
          id: { type: 'keyword' },
          ts: { type: 'date' },
          level: { type: 'keyword' },
          service: { type: 'keyword' },
          message: {
            type: 'text',
            analyzer: 'syncline_log_text',
            search_analyzer: 'syncline_log_search',
          },
          fields: { type: 'object', enabled: false },
        },
      },
    },
    _meta: { managed_by: 'syncline' },
  };
}

/** PUT _index_template/<name>; idempotent, so every process start may run it. */
export async function putLogTemplate(
  client: SearchClient,
  prefix: string,
  logger?: AnalyzerChoiceLogger,
): Promise<void> {
  let res: { status: number; body: unknown };
  try {
    const textAnalyzer = await chooseTextAnalyzer(client, 'cjk', logger);
    res = await client.request(
      'PUT',
      `/_index_template/${templateName(prefix)}`,
      logTemplate(prefix, textAnalyzer),
    );
  } catch (e) {
    throw new SynclineError('API_UNAVAILABLE', 'the search engine is unreachable; retry shortly', {
      cause: e,
    });
  }
  if (res.status !== 200) {
    // the engine's answer goes to the server log (as the cause), not to the client
    throw new SynclineError(
      'API_UNAVAILABLE',
      `the search engine refused the log index template (HTTP ${res.status}); the server log has the reason`,
      {
        cause: new Error(
          `PUT _index_template/${templateName(prefix)}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 1000)}`,
        ),
      },
    );
  }
}
