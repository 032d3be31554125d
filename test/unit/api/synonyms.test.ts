import { describe, expect, it } from 'vitest';
import { Synonyms } from '../../../src/catalog/search/synonyms.js';
import { queryTerms } from '../../../src/mapping/text-enrichment/query-terms.js';

/** The alternatives of the query's first unit (Chinese words joined back: jieba cuts 跑步鞋 as 跑步 鞋), sorted. */
function alternatives(s: Synonyms, q: string): string[] {
  return s
    .units(queryTerms(q).words)[0]!
    .alternatives.map((a) => a.join(' ').replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1'))
    .sort();
}

describe('Synonyms', () => {
  const s = new Synonyms([
    ['运动鞋', 'sneakers'],
    ['跑步鞋', 'running shoes'],
    ['运动鞋', 'sneakers', '=>', '跑步鞋', '篮球鞋'],
  ]);

  it('a group is two-way', () => {
    expect(alternatives(s, 'sneakers')).toContain('运动鞋');
    expect(alternatives(s, '跑步鞋')).toEqual(['paobuxie', 'pbx', 'running shoes']);
  });

  it('a => rule is one way, and brings the groups of the terms right of it', () => {
    expect(alternatives(s, '运动鞋')).toEqual(
      ['paobuxie', 'pbx', 'running shoes', 'sneakers', 'yundongxie', 'ydx', '跑步鞋', '篮球鞋'].sort(),
    );
    expect(alternatives(s, 'sneakers')).toContain('篮球鞋');
    // 跑步鞋 and 篮球鞋 never mean 运动鞋
    expect(alternatives(s, '跑步鞋')).not.toContain('运动鞋');
    expect(alternatives(s, '篮球鞋')).toEqual([]);
  });
});
