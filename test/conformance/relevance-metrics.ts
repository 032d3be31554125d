/**
 * Relevance metrics over binary judgments (a product is relevant to a query or not), computed from the
 * ranked product keys a search returned and the judged keys only — nothing from the search under test.
 *
 * - precision@k: relevant among the first min(k, returned) hits, divided by that count: what a shopper
 *   sees on the first page. A search that returns nothing shows nothing wrong (precision 1); it scores 0
 *   in recall and nDCG, and is counted as a zero-hit query.
 * - recall: relevant among all returned hits (the caller bounds how many it fetches), over all relevant.
 * - nDCG@k: DCG = Σ rel_i / log2(i + 1) over the first k ranks, divided by the ideal DCG (every relevant
 *   product first, min(k, |relevant|) of them).
 */
export interface QueryScores {
  precision: number;
  recall: number;
  ndcg: number;
  hits: number;
}

export function scoreQuery(ranked: readonly string[], relevant: ReadonlySet<string>, k = 10): QueryScores {
  if (relevant.size === 0) throw new Error('a judged query needs at least one relevant product');
  const top = ranked.slice(0, k);
  const found = new Set(ranked.filter((key) => relevant.has(key)));
  const precision = top.length === 0 ? 1 : top.filter((key) => relevant.has(key)).length / top.length;
  let dcg = 0;
  top.forEach((key, i) => {
    if (relevant.has(key)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return { precision, recall: found.size / relevant.size, ndcg: dcg / ideal, hits: ranked.length };
}

export interface Summary {
  queries: number;
  precision: number;
  recall: number;
  ndcg: number;
  zeroHits: number;
}

/** Macro averages: every query weighs the same. */
export function summarize(scores: readonly QueryScores[]): Summary {
  const mean = (f: (s: QueryScores) => number) =>
    scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + f(s), 0) / scores.length;
  return {
    queries: scores.length,
    precision: mean((s) => s.precision),
    recall: mean((s) => s.recall),
    ndcg: mean((s) => s.ndcg),
    zeroHits: scores.filter((s) => s.hits === 0).length,
  };
}

/** A fixed-width table: one row per class, then the overall row. */
export function formatTable(rows: ReadonlyArray<[string, Summary]>): string {
  const head = ['class', 'queries', 'P@10', 'recall', 'nDCG@10', 'zero-hit'];
  const body = rows.map(([name, s]) => [
    name,
    String(s.queries),
    s.precision.toFixed(3),
    s.recall.toFixed(3),
    s.ndcg.toFixed(3),
    String(s.zeroHits),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
