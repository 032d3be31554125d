import { memo } from './memo.js';
import { segmenter } from './modules.js';

/** Runs of Chinese characters, and the rest. */
const HAN_RUNS = /(\p{Script=Han}+)/u;
const NON_WORD = /[^\p{L}\p{N}]+/u;

/** jieba `cut` of one run of Chinese characters (dictionary plus HMM for unknown words), memoized. */
const cutRun = memo((run: string) => segmenter().cut(run, true), 50_000, 32);

/**
 * The dictionary words inside one word and the word itself, as jieba's search mode gives them
 * (智能手机 → 智能 能手 手机 智能手机), memoized: search mode is precise mode plus this, per word.
 */
const withInnerWords = memo((word: string) => {
  if (word.length <= 2) return [word];
  const inner = segmenter()
    .cutForSearch(word, true)
    .filter((w) => w.length > 1 && w !== word);
  return [...new Set(inner), word];
}, 50_000);

/**
 * Words of folded text: each run of Chinese characters cut by jieba, everything else split at whatever
 * is not a letter or digit. jieba is kept away from Latin text so that `WH-1000XM5` is cut the same way
 * with or without Chinese around it.
 */
function words(folded: string, cut: (run: string) => readonly string[]): string[] {
  const out: string[] = [];
  const parts = folded.split(HAN_RUNS);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    // split() with a capture group puts the captured Han runs at the odd indexes
    if (i % 2 === 1) out.push(...cut(part));
    else for (const w of part.split(NON_WORD)) if (w !== '') out.push(w);
  }
  return out;
}

/**
 * Precise-mode words: one segmentation, in text order — what queries are cut into, and the positions
 * phrase and proximity matches use. 无线蓝牙耳机 → 无线 蓝牙 耳机.
 */
export function preciseWords(folded: string): string[] {
  return words(folded, cutRun);
}

/**
 * Search-mode words: precise words plus the dictionary words inside the long ones, so a document's
 * 智能手机 is found by 智能手机 and by 手机 (index side: IK's max_word idea).
 */
export function searchWords(folded: string): string[] {
  return words(folded, (run) => cutRun(run).flatMap(withInnerWords));
}
