import { searchWords } from './segmenter.js';

/**
 * The word as a sequence of the shorter dictionary words inside it, left to right, longest first, single
 * characters filling the gaps: 无线耳机 → 无线 耳机, 运动鞋 → 运动 鞋 (never 运动 alone: 运动款 is no shoe).
 */
export function cover(word: string): string[] {
  const inner = searchWords(word).filter((w) => w !== word);
  const parts: string[] = [];
  for (let at = 0; at < word.length; ) {
    const next = inner.filter((w) => word.startsWith(w, at)).sort((a, b) => b.length - a.length)[0];
    const part = next ?? word[at]!;
    parts.push(part);
    at += part.length;
  }
  return parts;
}
