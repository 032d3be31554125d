import { describe, expect, it } from 'vitest';
import { formatTable, scoreQuery, summarize } from '../../conformance/relevance-metrics.js';

// Expected values worked out by hand from the definitions (relevance-metrics.ts).
describe('relevance metrics', () => {
  it('precision over the shown hits, recall over all returned, nDCG@10 against the ideal order', () => {
    const s = scoreQuery(['a', 'x', 'b', 'y'], new Set(['a', 'b', 'c']));
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/log2(4)
    expect(s.ndcg).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
  });

  it('a relevant product below rank 10 counts for recall only', () => {
    const ranked = [...'xxxxxxxxxx'].map((x, i) => `${x}${i}`).concat('a');
    const s = scoreQuery(ranked, new Set(['a']));
    expect(s).toEqual({ precision: 0, recall: 1, ndcg: 0, hits: 11 });
  });

  it('no hits: nothing wrong shown (precision 1), nothing found (recall and nDCG 0)', () => {
    expect(scoreQuery([], new Set(['a']))).toEqual({ precision: 1, recall: 0, ndcg: 0, hits: 0 });
  });

  it('the ideal order scores 1 everywhere', () => {
    const rel = new Set(Array.from({ length: 12 }, (_, i) => `r${i}`));
    expect(scoreQuery([...rel], rel)).toEqual({ precision: 1, recall: 1, ndcg: 1, hits: 12 });
  });

  it('macro averages and a table row per class', () => {
    const sum = summarize([
      { precision: 1, recall: 0, ndcg: 0, hits: 0 },
      { precision: 0.5, recall: 1, ndcg: 0.5, hits: 3 },
    ]);
    expect(sum).toEqual({ queries: 2, precision: 0.75, recall: 0.5, ndcg: 0.25, zeroHits: 1 });
    expect(formatTable([['all', sum]]).split('\n')).toEqual([
      'class  queries   P@10  recall  nDCG@10  zero-hit',
      'all          2  0.750   0.500    0.250         1',
    ]);
  });
});
