import { cover } from '../../mapping/text-enrichment/cover.js';
import { isHanWord, pinyinOf } from '../../mapping/text-enrichment/pinyin.js';
import { queryTerms } from '../../mapping/text-enrichment/query-terms.js';
import type { Accessories } from './accessories.js';
import type { QueryUnit, Synonyms } from './synonyms.js';

/**
 * The `q` part of the product search (docs/api.md#how-q-matches). Two tiers, the second asked only when
 * the first matches nothing, so pinyin, initials and typo matches never outrank a real match:
 *
 * strict   — a product matches when its text holds every word of q as before (the main fields: CJK
 *            bigrams / standard analysis, all terms required), or when its Chinese words (`_zh.words`,
 *            jieba, folded to simplified) hold the words of q: all of them up to three words, 75% beyond,
 *            anywhere in name, description or category name (降噪耳机 finds 耳机…降噪). A word (or run of
 *            words) that is a synonym term may be any term of its group instead, scored lower. Exact
 *            phrases and words close together score higher.
 * fallback — every word of q matches its text, or, for a Latin word, a typo of it (fuzziness AUTO),
 *            the pinyin of a Chinese word (shouji) or, in the name, its initials (sj).
 */
export type TextTier = 'strict' | 'fallback';

export interface TextFields {
  /** Main text fields with their boosts, as the engine analyses them. */
  readonly main: readonly string[];
  /** Fields enriched by the mapping (mappings[].text): `<field>_zh` objects, with boosts; the name first. */
  readonly zh: readonly string[];
}

export const PRODUCT_TEXT_FIELDS: TextFields = {
  main: ['name^3', 'description'],
  // the embedded category's name (demo: products built with their category, docs/mapping.md)
  zh: ['name_zh^3', 'description_zh', 'category.name_zh'],
};

/** Up to three words (or synonym units) all must match; beyond, three in four (rounded down). */
const WORDS_REQUIRED = '3<75%';
/** A synonym's weight against the words typed. */
const SYNONYM_BOOST = 0.7;

const sub = (fields: readonly string[], name: string) =>
  fields.map((f) => {
    const [field, boost] = f.split('^');
    return boost ? `${field}.${name}^${boost}` : `${field}.${name}`;
  });
const unboosted = (f: string) => f.split('^')[0]!;

/** The query's words as units (with their synonym alternatives), as the tier matches them. */
export function queryUnits(q: string, tier: TextTier, synonyms: Synonyms | undefined): QueryUnit[] {
  const words = queryTerms(q).words;
  return synonyms?.size
    ? synonyms.units(tier === 'fallback' ? synonyms.correct(words) : words)
    : words.map((w) => ({ words: [w], alternatives: [] }));
}

/**
 * The tier's text query; with `hide`, products that are accessories (accessories.ts) do not match
 * (ProductSearch passes it only when q names no accessory).
 */
export function textQuery(
  q: string,
  tier: TextTier,
  synonyms: Synonyms | undefined,
  fields: TextFields = PRODUCT_TEXT_FIELDS,
  hide?: Accessories,
): Record<string, unknown> {
  const query = tierQuery(q, tier, synonyms, fields);
  if (!hide?.size) return query;
  return { bool: { must: [query], must_not: [hide.clause(unboosted(fields.zh[0]!))] } };
}

function tierQuery(
  q: string,
  tier: TextTier,
  synonyms: Synonyms | undefined,
  fields: TextFields,
): Record<string, unknown> {
  const terms = queryTerms(q);
  const units = queryUnits(q, tier, synonyms);
  if (tier === 'fallback') {
    if (units.length === 0) return { match_none: {} };
    return { bool: { must: units.map((u) => fallbackUnit(u, fields)) } };
  }
  const should: unknown[] = [
    { multi_match: { query: q, fields: fields.main, type: 'cross_fields', operator: 'and' } },
  ];
  if (units.length > 0) {
    should.push({
      bool: { should: units.map((u) => strictUnit(u, fields)), minimum_should_match: WORDS_REQUIRED },
    });
  }
  const matches = { bool: { should, minimum_should_match: 1 } };
  if (terms.words.length === 0) return matches;
  const phrase = terms.words.join(' ');
  const [nameZh, ...otherZh] = fields.zh.map((f) => `${unboosted(f)}.phrase`);
  return {
    bool: {
      must: [matches],
      // ranking only: the exact phrase first, then the words near each other
      should: [
        { match_phrase: { [nameZh!]: { query: phrase, boost: 6 } } },
        ...otherZh.map((f) => ({ match_phrase: { [f]: { query: phrase, boost: 2 } } })),
        { match_phrase: { [nameZh!]: { query: phrase, slop: 3, boost: 2 } } },
        { match_phrase: { [unboosted(fields.main[0]!)]: { query: q, boost: 3 } } },
      ],
    },
  };
}

/** Every word of a unit's own words or of one of its synonym alternatives. */
function strictUnit(u: QueryUnit, fields: TextFields): Record<string, unknown> {
  const own = allWords(u.words, fields);
  if (u.alternatives.length === 0) return own;
  return {
    bool: {
      should: [own, ...u.alternatives.map((a) => allWords(a, fields, SYNONYM_BOOST))],
      minimum_should_match: 1,
    },
  };
}

function allWords(words: readonly string[], fields: TextFields, boost?: number): Record<string, unknown> {
  if (words.length === 1 && boost === undefined) return wordClause(words[0]!, fields);
  return { bool: { must: words.map((w) => wordClause(w, fields)), ...(boost !== undefined && { boost }) } };
}

/**
 * A Chinese word, or all the dictionary words inside it in one field (无线耳机 = 无线 + 耳机: 无线蓝牙耳机
 * matches).
 */
function wordClause(word: string, fields: TextFields): Record<string, unknown> {
  const exact = { multi_match: { query: word, fields: sub(fields.zh, 'words'), type: 'best_fields' } };
  const parts = isHanWord(word) && word.length > 2 ? cover(word) : [];
  if (parts.length < 2) return exact;
  return {
    bool: {
      should: [
        exact,
        // all the parts in one field: 运动 from the category's name and 鞋 from the name are no 运动鞋
        {
          multi_match: {
            query: parts.join(' '),
            fields: sub(fields.zh, 'words'),
            type: 'best_fields',
            operator: 'and',
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

/** The unit's own words, each with its typo / pinyin / initials readings, or a synonym alternative. */
function fallbackUnit(u: QueryUnit, fields: TextFields): Record<string, unknown> {
  const own = { bool: { must: u.words.map((w) => fallbackWord(w, fields)) } };
  if (u.alternatives.length === 0) return own;
  return {
    bool: {
      should: [own, ...u.alternatives.map((a) => allWords(a, fields, SYNONYM_BOOST))],
      minimum_should_match: 1,
    },
  };
}

function fallbackWord(w: string, fields: TextFields): Record<string, unknown> {
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
    should.push({ multi_match: { query: w, fields: sub(fields.zh.slice(0, 1), 'initials'), boost: 0.3 } });
  } else if (isHanWord(w)) {
    // a homophone written with other characters
    should.push({ multi_match: { query: pinyinOf(w).full, fields: sub(fields.zh, 'pinyin'), boost: 0.3 } });
  }
  return { bool: { should, minimum_should_match: 1 } };
}
