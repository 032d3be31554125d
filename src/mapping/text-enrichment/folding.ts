import { memo } from './memo.js';
import { simplifier } from './modules.js';

const HAN = /\p{Script=Han}/u;
const HAN_RUNS = /\p{Script=Han}+/gu;

/** OpenCC per run of Chinese characters (runs repeat across a catalog far more than whole texts do). */
const simplifyRun = memo((run: string) => simplifier()(run), 50_000, 32);

/** True when the text holds a Chinese character (the folding and segmenting only matter then). */
export function hasHan(text: string): boolean {
  return HAN.test(text);
}

/**
 * The one normal form index and query share: NFKC (full-width ＭＡＴＥ → MATE, compatibility ideographs →
 * unified), lowercase, then traditional / Japanese forms → simplified (無線藍牙 → 无线蓝牙, 東京 → 东京).
 * Pure-ASCII text skips OpenCC: it has nothing to fold.
 */
export function fold(text: string): string {
  const lower = text.normalize('NFKC').toLowerCase();
  return hasHan(lower) ? lower.replace(HAN_RUNS, simplifyRun) : lower;
}
