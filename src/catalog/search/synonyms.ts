import { fold } from '../../mapping/text-enrichment/folding.js';

/**
 * Synonym groups from `api.synonyms`, applied to the query (never to the index: a change needs no
 * reindex). Terms are folded like the text, so 運動鞋 in a group or in a query meets 运动鞋.
 */
export class Synonyms {
  private readonly groups: ReadonlyArray<readonly string[]>;

  constructor(groups: ReadonlyArray<readonly string[]> = []) {
    this.groups = groups
      .map((g) => [...new Set(g.map((t) => fold(t).trim().replace(/\s+/g, ' ')).filter(Boolean))])
      .filter((g) => g.length > 1);
  }

  get size(): number {
    return this.groups.length;
  }

  /**
   * The query with each synonym it holds replaced by the other terms of its group, one replacement per
   * variant (the folded query itself not included), at most `max`. Latin terms match whole words only
   * (case is not a word inside suitcase); Chinese terms anywhere.
   */
  variants(folded: string, max = 8): string[] {
    const out = new Set<string>();
    for (const group of this.groups) {
      for (const term of group) {
        const at = find(folded, term);
        if (at < 0) continue;
        for (const other of group) {
          if (other === term) continue;
          out.add(folded.slice(0, at) + other + folded.slice(at + term.length));
          if (out.size >= max) return [...out];
        }
      }
    }
    out.delete(folded);
    return [...out];
  }
}

const WORD_CHAR = /[a-z0-9]/;

function find(text: string, term: string): number {
  const latinEdges = WORD_CHAR.test(term[0]!) || WORD_CHAR.test(term[term.length - 1]!);
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    if (!latinEdges) return at;
    const before = text[at - 1];
    const after = text[at + term.length];
    const edge = (c: string | undefined, t: string) => !(c && WORD_CHAR.test(c) && WORD_CHAR.test(t));
    if (edge(before, term[0]!) && edge(after, term[term.length - 1]!)) return at;
  }
  return -1;
}
