import { fold } from './folding.js';
import { isHanWord, pinyinOf } from './pinyin.js';
import { preciseWords } from './segmenter.js';

/** A search query passed through the same transformations as the enriched fields. */
export interface QueryTerms {
  /** The folded query (NFKC, lowercase, simplified). */
  readonly folded: string;
  /** Precise-mode words, in order (matched against `_zh.words`, phrase-matched against `_zh.phrase`). */
  readonly words: readonly string[];
  /** Words of ASCII letters only: English, or pinyin / initials typed by the shopper (shouji, sj). */
  readonly latin: readonly string[];
  /** Full pinyin of the Chinese words (a homophone written with other characters still meets). */
  readonly pinyin: readonly string[];
}

const ASCII_LETTERS = /^[a-z]+$/;

export function queryTerms(q: string): QueryTerms {
  const folded = fold(q);
  const words = preciseWords(folded);
  return {
    folded,
    words,
    latin: words.filter((w) => ASCII_LETTERS.test(w)),
    pinyin: words.filter(isHanWord).map((w) => pinyinOf(w).full),
  };
}
