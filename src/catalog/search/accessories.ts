import { fold } from '../../mapping/text-enrichment/folding.js';
import { isHanWord } from '../../mapping/text-enrichment/pinyin.js';
import { preciseWords, searchWords } from '../../mapping/text-enrichment/segmenter.js';
import type { QueryUnit } from './synonyms.js';

/**
 * Accessory demotion (`api.accessoryTerms`, docs/api.md#accessories): a product whose name holds an
 * accessory term (手机壳, 钢化膜, 支架, phone case, charger…) is an accessory. A query that names no
 * accessory term itself (nor through its synonyms) is first asked without the accessories — `iPhone 15
 * Pro` shows the phone, not its case and screen glass; `手机` shows handsets, not a car holder — and,
 * only when that finds nothing, with them (ProductSearch). A query naming one (`iPhone 15 Pro 手机壳`,
 * `phone case`, `shoujike`) is never filtered.
 */
export class Accessories {
  /** Every term as its folded words (手机壳 → [手机壳], phone case → [phone, case]). */
  private readonly terms: string[][];

  constructor(terms: readonly string[]) {
    const folded = terms.map((t) => preciseWords(fold(t.trim()))).filter((w) => w.length > 0);
    this.terms = [...new Map(folded.map((w) => [w.join(' '), w])).values()];
  }

  get size(): number {
    return this.terms.length;
  }

  /** Whether the query's words, or a synonym alternative of them, hold an accessory term. */
  mentionedIn(units: readonly QueryUnit[]): boolean {
    const spans = [units.flatMap((u) => u.words), ...units.flatMap((u) => u.alternatives)];
    return spans.some((words) => this.terms.some((t) => holds(words, t)));
  }

  /** Matches the products whose name (`<name>_zh.words`) holds an accessory term. */
  clause(nameZhField: string): Record<string, unknown> {
    return {
      bool: {
        should: this.terms.map((t) => ({
          match: { [`${nameZhField}.words`]: { query: t.join(' '), operator: 'and' } },
        })),
        minimum_should_match: 1,
      },
    };
  }
}

/**
 * The term's words in a row among the words, a Chinese term also inside a longer word (手机壳 in 苹果手机壳,
 * as the index's search-mode words hold it).
 */
function holds(words: readonly string[], term: readonly string[]): boolean {
  const joined = ` ${words.join(' ')} `;
  if (joined.includes(` ${term.join(' ')} `)) return true;
  if (term.length !== 1 || !isHanWord(term[0]!)) return false;
  return words.some((w) => isHanWord(w) && searchWords(w).includes(term[0]!));
}
