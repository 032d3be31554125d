import { missingTokenFilters } from '../sinks/search/capabilities.js';
import type { SearchClient } from '../sinks/search/client.js';
import { ANALYZER_FILTERS, type TextAnalyzerKind, textAnalyzerFallback } from './analyzers.js';

export interface AnalyzerChoiceLogger {
  warn(obj: object, msg: string): void;
}

const warned = new Set<string>();

/**
 * The text analyzer an index created now gets: `requested` when the engine has its filters (probed with
 * `_analyze`, once per client), else the documented fallback with one warning per engine and kind for the
 * process. Never fails index creation over analysis: when the probe itself fails (engine busy), the requested
 * kind is kept and the index creation reports whatever the engine then says.
 */
export async function chooseTextAnalyzer(
  client: SearchClient,
  requested: TextAnalyzerKind,
  logger?: AnalyzerChoiceLogger,
): Promise<TextAnalyzerKind> {
  const needed = ANALYZER_FILTERS[requested];
  if (needed.length === 0) return requested;
  let missing: string[];
  try {
    missing = await missingTokenFilters(client, needed);
  } catch {
    return requested;
  }
  const { kind, fallback } = textAnalyzerFallback(requested, missing);
  if (fallback) {
    const key = `${client.base.origin}|${requested}`;
    if (!warned.has(key)) {
      warned.add(key);
      const msg = `search engine at ${client.base.origin} has no ${missing.join(', ')} token filter (analysis-common module missing): text fields get the '${kind}' analyzer instead of '${requested}' — a Chinese query matches documents holding each of its characters, not its bigrams (docs/mapping.md#fallback-when-the-engine-lacks-cjk-filters)`;
      if (logger) logger.warn({ engine: client.base.origin, requested, used: kind, missing }, msg);
      else process.emitWarning(msg, { code: 'SYNCLINE_ANALYZER_FALLBACK' });
    }
  }
  return kind;
}

/** For tests: forget which engines were warned about. */
export function resetAnalyzerWarnings(): void {
  warned.clear();
}
