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
