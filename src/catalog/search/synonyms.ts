import { cover } from '../../mapping/text-enrichment/cover.js';
import { fold } from '../../mapping/text-enrichment/folding.js';
import { isHanWord, pinyinOf } from '../../mapping/text-enrichment/pinyin.js';
import { preciseWords } from '../../mapping/text-enrichment/segmenter.js';

/** A span of query words, and what else it may be written as (each alternative a list of words). */
export interface QueryUnit {
  readonly words: readonly string[];
  readonly alternatives: ReadonlyArray<readonly string[]>;
}

/** In a group, the terms before it also mean the terms after it, not the reverse: [运动鞋, =>, 跑步鞋, 篮球鞋]. */
export const ONE_WAY = '=>';

/**
 * Synonym groups from `api.synonyms`, applied to the query's words (never to the index: a change needs no
 * reindex). Terms are folded and cut into words like the query, so 運動鞋 in a group or in a query meets
 * 运动鞋, and a term of several words (phone case, running shoes) matches those words in a row.
 */
export class Synonyms {
  /** Every term as its words, with the group it belongs to (all terms of a group, as words). */
  private readonly terms: Array<{ words: string[]; group: string[][] }> = [];

  constructor(groups: ReadonlyArray<readonly string[]> = []) {
    for (const g of groups) {
      if (g.includes(ONE_WAY)) continue;
      const group = withSpellings(terms(g));
      if (group.length < 2) continue;
      for (const words of group) this.terms.push({ words, group });
    }
    // one way: each term left of => also means the terms right of it and their own groups' terms (跑步鞋
    // brings running shoes), never the reverse
    const twoWay = [...this.terms];
    for (const g of groups) {
      const arrow = g.indexOf(ONE_WAY);
      if (arrow < 0) continue;
      const right = new Map<string, string[]>();
      for (const r of terms(g.slice(arrow + 1))) {
        right.set(r.join(' '), r);
        for (const t of twoWay)
          if (t.words.join(' ') === r.join(' ')) for (const w of t.group) right.set(w.join(' '), w);
      }
      for (const words of withSpellings(terms(g.slice(0, arrow)))) {
        const group = [words, ...[...right.values()].filter((r) => r.join(' ') !== words.join(' '))];
        if (group.length >= 2) this.terms.push({ words, group });
      }
    }
    // longest terms first: "running shoes" wins over "shoes"
    this.terms.sort((a, b) => b.words.length - a.words.length);
  }

  /**
   * Latin words of q with a typo replaced by the synonym vocabulary's word it is one edit (two for 8+
   * letters) away from, when there is exactly one such word: runing → running, sunscren → sunscreen.
   * The fallback tier only (q matched nothing as typed).
   */
  correct(words: readonly string[]): string[] {
    this.vocabulary ??= new Set(
      this.terms.flatMap((t) => [t.words, ...t.group].flat()).filter((w) => /^[a-z]+$/.test(w)),
    );
    const vocabulary = this.vocabulary;
    return words.map((w) => {
      if (w.length < 4 || !/^[a-z]+$/.test(w) || vocabulary.has(w)) return w;
      const max = w.length >= 8 ? 2 : 1;
      const near = [...vocabulary].filter(
        (v) => Math.abs(v.length - w.length) <= max && distance(v, w) <= max,
      );
      return near.length === 1 ? near[0]! : w;
    });
  }

  private vocabulary: Set<string> | undefined;

  get size(): number {
    return this.terms.length;
  }

  /**
   * The query's words as units: a run of words that is a synonym term becomes one unit whose
   * alternatives are the other terms of its group(s); every other word is a unit of its own.
   */
  units(query: readonly string[]): QueryUnit[] {
    // a Chinese word that is no term but whose parts are (无线耳机 = 无线 + 耳机) is taken as its parts
    const words = query.flatMap((w) =>
      this.isTerm(w) ? [w] : parts(w).filter((p) => this.isTerm(p)).length ? parts(w) : [w],
    );
    const out: QueryUnit[] = [];
    for (let i = 0; i < words.length; ) {
      const hits = this.terms.filter((t) => t.words.every((w, k) => words[i + k] === w));
      if (hits.length === 0) {
        out.push({ words: [words[i]!], alternatives: [] });
        i++;
        continue;
      }
      const span = hits[0]!.words.length;
      const own = words.slice(i, i + span).join(' ');
      const alternatives = new Map<string, string[]>();
      for (const h of hits.filter((t) => t.words.length === span))
        for (const alt of h.group) if (alt.join(' ') !== own) alternatives.set(alt.join(' '), alt);
      out.push({ words: words.slice(i, i + span), alternatives: [...alternatives.values()] });
      i += span;
    }
    return out;
  }

  private isTerm(word: string): boolean {
    return this.terms.some((t) => t.words.length === 1 && t.words[0] === word);
  }
}

/** The dictionary words a long Chinese word is made of (cover() in text-query.ts), or the word itself. */
function parts(word: string): string[] {
  return isHanWord(word) && word.length > 2 ? cover(word) : [word];
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Terms folded and cut into words like the query, without duplicates. */
function terms(raw: readonly string[]): string[][] {
  const folded = raw.map((t) => preciseWords(fold(t.trim())).join(' ')).filter(Boolean);
  return [...new Set(folded)].map((t) => t.split(' '));
}

/** The terms plus the pinyin and initials of the Chinese ones (paobuxie, pbx → 跑步鞋). */
function withSpellings(group: string[][]): string[][] {
  const spelled = group
    .filter((w) => w.every(isHanWord))
    .flatMap((w) => {
      const p = w.map(pinyinOf);
      const initials = p.map((x) => x.initials).join('');
      return [p.map((x) => x.full).join(''), ...(initials.length >= 2 ? [initials] : [])];
    });
  const seen = new Set(group.map((w) => w.join(' ')));
  return [...group, ...spelled.filter((s) => !seen.has(s) && seen.add(s)).map((s) => [s])];
}
