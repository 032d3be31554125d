import { fold, hasHan } from './folding.js';
import { memo } from './memo.js';
import { isHanWord, pinyinOf } from './pinyin.js';
import { preciseWords, searchWords } from './segmenter.js';

/**
 * What the mapping writes beside a Chinese text field `f`, as the object `f_zh` (docs/mapping.md#chinese-text).
 * Every value is lowercase tokens separated by spaces, indexed with the engine's built-in `whitespace`
 * analyzer, which every engine has (Elasticsearch from Maven Central has no analysis-common module).
 */
export interface ZhEnrichment {
  /** Search-mode words of the folded text (智能手机 → 智能 能手 手机 智能手机). */
  readonly words: string;
  /** Precise-mode words in text order, for phrase and proximity matches. */
  readonly phrase: string;
  /** Full pinyin of each Chinese word, of each span of 2–4 adjacent ones and of each run (华为手机 → huawei shouji huaweishouji). */
  readonly pinyin: string;
  /** Pinyin initials of the same words and runs (hw sj hwsj). */
  readonly initials: string;
}

export const ZH_SUFFIX = '_zh';

/** The enrichment object's field name for a text field. */
export function zhField(field: string): string {
  return `${field}${ZH_SUFFIX}`;
}

/** Sub-field mapping of the `_zh` object: whitespace-analysed text the enrichment pre-tokenized. */
export function zhProperties(): Record<string, unknown> {
  const ws = { type: 'text', analyzer: 'whitespace' };
  return {
    properties: { words: ws, phrase: { ...ws, index_options: 'positions' }, pinyin: ws, initials: ws },
  };
}

/**
 * Distinct strings repeat (category names, replays of the same row): a hit skips everything. Long texts
 * (descriptions) rarely repeat and are not kept. The words, runs and pinyin inside are memoized too.
 */
export const enrichZh: (text: string) => ZhEnrichment = memo((text) => compute(text), 10_000, 256);

/** Longest span of adjacent words whose pinyin and initials are written as one token (besides the whole run). */
const MAX_SPAN = 4;

function compute(text: string): ZhEnrichment {
  const folded = fold(text);
  if (!hasHan(folded)) {
    // nothing Chinese: no segmenter, no pinyin
    const words = preciseWords(folded).join(' ');
    return { words, phrase: words, pinyin: '', initials: '' };
  }
  const precise = preciseWords(folded);
  const search = searchWords(folded);
  const pinyin = new Set<string>();
  const initials = new Set<string>();
  for (const w of search) {
    if (!isHanWord(w)) continue;
    const p = pinyinOf(w);
    pinyin.add(p.full);
    initials.add(p.initials);
  }
  // adjacent Chinese words typed as one: every span of 2 to 4 words of a run, and the whole run
  // (无线蓝牙耳机 → wuxianlanya lanyaerji wuxianlanyaerji, wxly lyej wxlyej)
  let run: string[] = [];
  const flush = () => {
    const parts = run.map(pinyinOf);
    const span = (from: number, to: number) => {
      pinyin.add(
        parts
          .slice(from, to)
          .map((p) => p.full)
          .join(''),
      );
      initials.add(
        parts
          .slice(from, to)
          .map((p) => p.initials)
          .join(''),
      );
    };
    for (let len = 2; len <= Math.min(MAX_SPAN, parts.length); len++)
      for (let from = 0; from + len <= parts.length; from++) span(from, from + len);
    if (parts.length > MAX_SPAN) span(0, parts.length);
    run = [];
  };
  for (const w of precise) {
    if (isHanWord(w)) run.push(w);
    else flush();
  }
  flush();
  return {
    words: search.join(' '),
    phrase: precise.join(' '),
    pinyin: [...pinyin].join(' '),
    initials: [...initials].join(' '),
  };
}
