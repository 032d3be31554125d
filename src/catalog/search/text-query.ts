import { isHanWord, pinyinOf } from '../../mapping/text-enrichment/pinyin.js';
import { queryTerms } from '../../mapping/text-enrichment/query-terms.js';
import { searchWords } from '../../mapping/text-enrichment/segmenter.js';
import type { Synonyms } from './synonyms.js';

/**
 * The `q` part of the product search (docs/api.md#how-q-matches). Two tiers, the second asked only when
 * the first matches nothing, so pinyin, initials and typo matches never outrank a real match:
 *
 * strict   — a product matches when its text holds every word of q as before (the main fields: CJK
 *            bigrams / standard analysis, all terms required), or when its Chinese words (`_zh.words`,
 *            jieba, folded to simplified) hold the words of q: all of them up to two words, 75% beyond,
 *            anywhere in name or description (降噪耳机 finds 耳机…降噪). Synonyms of q are alternatives
 *            scored lower; exact phrases and words close together score higher.
 * fallback — every word of q matches its text, or, for a Latin word, a typo of it (fuzziness AUTO),
 *            the pinyin of a Chinese word (shouji) or, in the name, its initials (sj).
 */
export type TextTier = 'strict' | 'fallback';

export interface TextFields {
  /** Main text fields with their boosts, as the engine analyses them. */
  readonly main: readonly string[];
  /** Fields enriched by the mapping (mappings[].text): `<field>_zh` objects, with boosts. */
  readonly zh: readonly string[];
}

export const PRODUCT_TEXT_FIELDS: TextFields = {
  main: ['name^3', 'description'],
  zh: ['name_zh^3', 'description_zh'],
};

/** Up to two words all must match; beyond, three in four (rounded down). */
const WORDS_REQUIRED = '2<75%';

const sub = (fields: readonly string[], sub: string) =>
  fields.map((f) => {
    const [name, boost] = f.split('^');
    return boost ? `${name}.${sub}^${boost}` : `${name}.${sub}`;
  });
const first = (fields: readonly string[]) => fields.slice(0, 1);

export function textQuery(
  q: string,
  tier: TextTier,
  synonyms: Synonyms | undefined,
  fields: TextFields = PRODUCT_TEXT_FIELDS,
): Record<string, unknown> {
  const terms = queryTerms(q);
  const others = synonyms?.size ? synonyms.variants(terms.folded) : [];
  const variant = tier === 'strict' ? strictVariant : fallbackVariant;
  const alternatives = [variant(q, fields, 1), ...others.map((v) => variant(v, fields, 0.7))].filter(
    (c) => c !== undefined,
  );
  const matches =
    alternatives.length === 1
      ? alternatives[0]!
      : { bool: { should: alternatives, minimum_should_match: 1 } };
  if (tier === 'fallback' || terms.words.length === 0) return matches;
  const phrase = terms.words.join(' ');
  const [nameZh, ...otherZh] = fields.zh.map((f) => `${unboosted(f)}.phrase`);
  const name = unboosted(fields.main[0]!);
  return {
    bool: {
      must: [matches],
      // ranking only: the exact phrase first, then the words near each other
      should: [
        { match_phrase: { [nameZh!]: { query: phrase, boost: 6 } } },
        ...otherZh.map((f) => ({ match_phrase: { [f]: { query: phrase, boost: 2 } } })),
        { match_phrase: { [nameZh!]: { query: phrase, slop: 3, boost: 2 } } },
        { match_phrase: { [name]: { query: q, boost: 3 } } },
      ],
    },
  };
}

const unboosted = (f: string) => f.split('^')[0]!;

/** A Chinese word, or all the dictionary words inside it (无线耳机 = 无线 + 耳机: 无线蓝牙耳机 matches). */
function wordClause(word: string, fields: TextFields): Record<string, unknown> {
  const exact = { multi_match: { query: word, fields: sub(fields.zh, 'words'), type: 'best_fields' } };
  const parts = isHanWord(word) && word.length > 2 ? cover(word) : [];
  if (parts.length < 2) return exact;
  return {
    bool: {
      should: [
        exact,
        {
          bool: {
            must: parts.map((w) => ({
              multi_match: { query: w, fields: sub(fields.zh, 'words'), type: 'best_fields' },
            })),
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

/**
 * The word as a sequence of the shorter dictionary words inside it, left to right, longest first, single
 * characters filling the gaps: 无线耳机 → 无线 耳机, 运动鞋 → 运动 鞋 (never 运动 alone: 运动款 is no shoe).
 */
function cover(word: string): string[] {
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

function strictVariant(text: string, fields: TextFields, boost: number): Record<string, unknown> {
  const words = queryTerms(text).words;
  const should: unknown[] = [
    { multi_match: { query: text, fields: fields.main, type: 'cross_fields', operator: 'and' } },
  ];
  if (words.length > 0) {
    should.push({
      bool: { should: words.map((w) => wordClause(w, fields)), minimum_should_match: WORDS_REQUIRED },
    });
  }
  return { bool: { should, minimum_should_match: 1, boost } };
}

function fallbackVariant(
  text: string,
  fields: TextFields,
  boost: number,
): Record<string, unknown> | undefined {
  const words = queryTerms(text).words;
  if (words.length === 0) return undefined;
  const must = words.map((w) => {
    const should: unknown[] = [wordClause(w, fields)];
    if (/^[a-z]+$/.test(w)) {
      if (w.length >= 3) {
        should.push({
          multi_match: {
            query: w,
            fields: [...fields.main, ...sub(fields.zh, 'words')],
            type: 'best_fields',
            fuzziness: 'AUTO',
            prefix_length: 1,
            boost: 0.5,
          },
        });
      }
      should.push({ multi_match: { query: w, fields: sub(fields.zh, 'pinyin'), boost: 0.4 } });
      // initials are short and ambiguous (sj: 手机, 设计, 数据…): the name only
      should.push({ multi_match: { query: w, fields: sub(first(fields.zh), 'initials'), boost: 0.3 } });
    } else if (isHanWord(w)) {
      // a homophone written with other characters
      should.push({ multi_match: { query: pinyinOf(w).full, fields: sub(fields.zh, 'pinyin'), boost: 0.3 } });
    }
    return { bool: { should, minimum_should_match: 1 } };
  });
  return { bool: { must, boost } };
}
