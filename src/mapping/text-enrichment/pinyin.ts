import { memo } from './memo.js';
import { pinyinConverter } from './modules.js';

const ALL_HAN = /^\p{Script=Han}+$/u;

export function isHanWord(word: string): boolean {
  return ALL_HAN.test(word);
}

/** Syllables of a Chinese word without tones, ü as v (the way shoppers type it): 绿色 → ['lv', 'se']. */
export function syllables(word: string): string[] {
  // the word is given whole so polyphones read in context (重庆 → chong qing, 银行 → yin hang)
  const out = pinyinConverter()(word, { toneType: 'none', type: 'array', v: true });
  return (Array.isArray(out) ? out : [out]).map((s) => s.toLowerCase());
}

/** 手机 → { full: 'shouji', initials: 'sj' } (memoized: the catalog's vocabulary repeats). */
export const pinyinOf: (word: string) => { readonly full: string; readonly initials: string } = memo(
  (word) => {
    const s = syllables(word);
    return { full: s.join(''), initials: s.map((x) => x[0] ?? '').join('') };
  },
  50_000,
);
