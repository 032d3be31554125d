import { describe, expect, it } from 'vitest';
import { ANALYZER_FILTERS, analysisSettings, textAnalyzerFallback } from '../../../src/mapping/analyzers.js';
import { buildIndexBody } from '../../../src/mapping/index-definitions.js';
import { logTemplate } from '../../../src/server/logs/log-index.js';

describe('text analyzer fallback on an engine without the CJK filters', () => {
  it('cjk falls back to standard when cjk_bigram or cjk_width is missing, and stays otherwise', () => {
    expect(textAnalyzerFallback('cjk', [])).toEqual({ kind: 'cjk', fallback: false });
    expect(textAnalyzerFallback('cjk', ['cjk_bigram'])).toEqual({ kind: 'standard', fallback: true });
    expect(textAnalyzerFallback('cjk', ['cjk_width'])).toEqual({ kind: 'standard', fallback: true });
    expect(textAnalyzerFallback('cjk', ['asciifolding'])).toEqual({ kind: 'cjk', fallback: false });
    expect(textAnalyzerFallback('standard', ['cjk_bigram', 'cjk_width'])).toEqual({
      kind: 'standard',
      fallback: false,
    });
  });

  it('the filters each kind lists are exactly the non-core ones its analysis settings use', () => {
    const core = new Set(['lowercase']);
    for (const kind of ['cjk', 'standard'] as const) {
      const s = analysisSettings(kind) as {
        filter?: Record<string, { type: string }>;
        analyzer: Record<string, { filter: string[] }>;
      };
      const own = new Set(Object.keys(s.filter ?? {}));
      const used = new Set<string>();
      for (const a of Object.values(s.analyzer))
        for (const f of a.filter) used.add(own.has(f) ? s.filter![f]!.type : f);
      expect([...used].filter((f) => !core.has(f)).sort()).toEqual([...ANALYZER_FILTERS[kind]].sort());
    }
  });

  it('the fallback index body and log template use no filter outside the core', () => {
    const body = JSON.stringify(buildIndexBody({ textAnalyzer: 'standard' }).settings);
    expect(body).not.toMatch(/cjk/);
    expect(JSON.stringify(logTemplate('logs-', 'standard'))).not.toMatch(/cjk/);
    expect(JSON.stringify(logTemplate('logs-'))).toMatch(/cjk_bigram/);
  });
});
