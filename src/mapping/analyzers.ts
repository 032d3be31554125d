/**
 * The text analysis every index gets (docs/mapping.md#text-analysis). Chinese has no spaces, so the
 * standard tokenizer emits one token per ideograph; cjk_bigram joins neighbours into overlapping
 * bigrams (华为手机 → 华为 为手 手机), which is how 手机 finds 华为手机 without a dictionary. English
 * and digits pass through the same tokenizer as words. All filters are in the analysis-common module.
 *
 * Index side keeps unigrams too, so a one-character query (书, 鞋) still finds documents; search side
 * uses bigrams only, so 手机 does not also match every text containing 手 or 机.
 */
export const TEXT_ANALYZER = 'syncline_text';
export const TEXT_SEARCH_ANALYZER = 'syncline_text_search';

export type TextAnalyzerKind = 'cjk' | 'standard';

/**
 * Token filters each analyzer kind needs beyond the engine's core (tokenizer `standard` and filter `lowercase` are
 * in every engine). `cjk_width` and `cjk_bigram` come from the analysis-common module, which an Elasticsearch
 * built from the Maven Central jars lacks.
 */
export const ANALYZER_FILTERS: Readonly<Record<TextAnalyzerKind, readonly string[]>> = {
  cjk: ['cjk_width', 'cjk_bigram'],
  standard: [],
};

/**
 * The analyzer an index gets on an engine missing `missing` filters: `cjk` falls back to `standard` (standard
 * tokenizer + lowercase: a Chinese query matches documents holding each of its characters, anywhere, instead of
 * its bigrams; docs/mapping.md#fallback-when-the-engine-lacks-cjk-filters). Never a kind the engine cannot build.
 */
export function textAnalyzerFallback(
  requested: TextAnalyzerKind,
  missing: readonly string[],
): { kind: TextAnalyzerKind; fallback: boolean } {
  const needed = ANALYZER_FILTERS[requested];
  return needed.some((f) => missing.includes(f))
    ? { kind: 'standard', fallback: true }
    : { kind: requested, fallback: false };
}

export function analysisSettings(kind: TextAnalyzerKind): Record<string, unknown> {
  if (kind === 'standard') {
    const standard = { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] };
    return { analyzer: { [TEXT_ANALYZER]: standard, [TEXT_SEARCH_ANALYZER]: standard } };
  }
  return {
    filter: {
      syncline_cjk_bigram_unigrams: { type: 'cjk_bigram', output_unigrams: true },
    },
    analyzer: {
      // cjk_width folds full-width Latin (ＭＡＴＥ → MATE) and half-width kana before lowercasing.
      [TEXT_ANALYZER]: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['cjk_width', 'lowercase', 'syncline_cjk_bigram_unigrams'],
      },
      [TEXT_SEARCH_ANALYZER]: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['cjk_width', 'lowercase', 'cjk_bigram'],
      },
    },
  };
}

/** String fields → text with the analyzers above, plus an exact `.keyword` subfield for filters/sorts/facets. */
export function textFieldMapping(): Record<string, unknown> {
  return {
    type: 'text',
    analyzer: TEXT_ANALYZER,
    search_analyzer: TEXT_SEARCH_ANALYZER,
    fields: { keyword: { type: 'keyword', ignore_above: 256 } },
  };
}
