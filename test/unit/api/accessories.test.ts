import { describe, expect, it } from 'vitest';
import { Accessories } from '../../../src/catalog/search/accessories.js';
import { Synonyms } from '../../../src/catalog/search/synonyms.js';
import { queryUnits } from '../../../src/catalog/search/text-query.js';
import { preciseWords } from '../../../src/mapping/text-enrichment/segmenter.js';

describe('Accessories', () => {
  const a = new Accessories(['手机壳', '钢化膜', 'phone case', 'charger']);
  const synonyms = new Synonyms([['手机壳', '手机套', 'phone case']]);
  const names = (q: string) => a.mentionedIn(queryUnits(q, 'strict', synonyms));

  it('a query naming an accessory term, as typed, folded or inside a longer word, names accessories', () => {
    expect(names('iPhone 15 Pro 手机壳')).toBe(true);
    expect(names('手機殼')).toBe(true);
    expect(names('苹果手机壳')).toBe(true);
    expect(names('Phone Case')).toBe(true);
    expect(names('67W charger')).toBe(true);
  });

  it('a synonym of an accessory term names accessories too (手机套 → 手机壳)', () => {
    expect(names('手机套')).toBe(true);
  });

  it('a product query names none: its search leaves accessories out first', () => {
    expect(names('iPhone 15 Pro')).toBe(false);
    expect(names('手机')).toBe(false);
    // a Latin term is a whole word: phone alone is not phone case
    expect(names('phone')).toBe(false);
  });

  it('the clause matches the name words, every word of a term (as jieba cuts it, like the index)', () => {
    const cut = (t: string) => preciseWords(t).join(' ');
    expect(a.clause('name_zh')).toEqual({
      bool: {
        should: [
          { match: { 'name_zh.words': { query: cut('手机壳'), operator: 'and' } } },
          { match: { 'name_zh.words': { query: cut('钢化膜'), operator: 'and' } } },
          { match: { 'name_zh.words': { query: 'phone case', operator: 'and' } } },
          { match: { 'name_zh.words': { query: 'charger', operator: 'and' } } },
        ],
        minimum_should_match: 1,
      },
    });
  });
});
