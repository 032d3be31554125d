import { createRequire } from 'node:module';
import { SynclineError } from '../../core/errors.js';

/**
 * The three text libraries, each loaded on first use (jieba's dictionary alone takes ~0.4 s and ~50 MB):
 * a process whose mappings mark no Chinese text never loads any of them. Loaded synchronously, so the
 * mapping step stays a plain function (once per process, before the first enriched document).
 */
const require = createRequire(import.meta.url);

interface JiebaLike {
  cut(sentence: string, hmm?: boolean): string[];
  cutForSearch(sentence: string, hmm?: boolean): string[];
}
type PinyinFn = (text: string, options: Record<string, unknown>) => string | string[];

let jieba: JiebaLike | undefined;
let fold: ((s: string) => string) | undefined;
let pinyinFn: PinyinFn | undefined;

function load<T>(pkg: string, init: () => T): T {
  try {
    return init();
  } catch (e) {
    throw new SynclineError(
      'TEXT_ENRICHMENT_UNAVAILABLE',
      `text enrichment: loading ${pkg} failed: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

export function segmenter(): JiebaLike {
  jieba ??= load('@node-rs/jieba', () => {
    const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(d: Uint8Array): JiebaLike } };
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    return Jieba.withDict(dict);
  });
  return jieba;
}

/**
 * Traditional and Japanese shinjitai → simplified, character by character. OpenCC's `jp` source reverses
 * the Japanese variants and then applies the traditional → simplified table, so 東京, 無線 and 広島 all
 * fold (the `tw`/`hk` sources leave 広 as is).
 */
export function simplifier(): (s: string) => string {
  fold ??= load('opencc-js', () => {
    const OpenCC = require('opencc-js') as {
      Converter(o: { from: string; to: string }): (s: string) => string;
    };
    return OpenCC.Converter({ from: 'jp', to: 'cn' });
  });
  return fold;
}

export function pinyinConverter(): PinyinFn {
  pinyinFn ??= load('pinyin-pro', () => (require('pinyin-pro') as { pinyin: PinyinFn }).pinyin);
  return pinyinFn;
}

/** Which of the libraries this process has loaded (tests: a mapping without Chinese text loads none). */
export function loadedModules(): { segmenter: boolean; simplifier: boolean; pinyin: boolean } {
  return { segmenter: jieba !== undefined, simplifier: fold !== undefined, pinyin: pinyinFn !== undefined };
}
