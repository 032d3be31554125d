import { describe, expect, it } from 'vitest';
import { enrichZh, fold, pinyinOf, queryTerms } from '../../../src/mapping/text-enrichment/index.js';

/** Expected values written by hand: how a Chinese reader segments, folds and spells these words. */
const tokens = (s: string) => s.split(' ').filter(Boolean);

describe('folding', () => {
  it('traditional and Japanese forms fold to simplified; full-width Latin to ASCII lowercase', () => {
    expect(fold('無線藍牙耳機')).toBe('无线蓝牙耳机');
    expect(fold('東京')).toBe('东京');
    expect(fold('華為手機')).toBe('华为手机');
    expect(fold('広島')).toBe('广岛');
    expect(fold('ＭＡＴＥ 60')).toBe('mate 60');
    expect(fold('Sony WH-1000XM5')).toBe('sony wh-1000xm5');
  });
});

describe('segmentation', () => {
  it('cuts words, keeps Latin words whole and drops punctuation', () => {
    expect(tokens(enrichZh('无线蓝牙耳机').phrase)).toEqual(['无线', '蓝牙', '耳机']);
    expect(tokens(enrichZh('Sony WH-1000XM5 降噪耳机，黑色').phrase)).toEqual([
      'sony',
      'wh',
      '1000xm5',
      '降噪',
      '耳机',
      '黑色',
    ]);
  });

  it('index words include the words inside long words (智能手机 is found by 手机)', () => {
    const words = tokens(enrichZh('智能手机').words);
    expect(words).toContain('智能手机');
    expect(words).toContain('手机');
    expect(words).toContain('智能');
  });

  it('segments traditional text after folding it', () => {
    expect(tokens(enrichZh('無線藍牙耳機').words)).toEqual(['无线', '蓝牙', '耳机']);
  });
});

describe('pinyin', () => {
  it('full pinyin without tones, initials, ü typed as v, polyphones read in context', () => {
    expect(pinyinOf('手机')).toEqual({ full: 'shouji', initials: 'sj' });
    expect(pinyinOf('绿色')).toEqual({ full: 'lvse', initials: 'ls' });
    expect(pinyinOf('重庆')).toEqual({ full: 'chongqing', initials: 'cq' });
    expect(pinyinOf('银行')).toEqual({ full: 'yinhang', initials: 'yh' });
  });

  it('per word and per run of adjacent Chinese words', () => {
    const e = enrichZh('華為手機 Mate 60');
    expect(tokens(e.words)).toEqual(['华为', '手机', 'mate', '60']);
    expect(tokens(e.pinyin)).toEqual(['huawei', 'shouji', 'huaweishouji']);
    expect(tokens(e.initials)).toEqual(['hw', 'sj', 'hwsj']);
  });

  it('spans of adjacent words are written as one, as shoppers type them (lanyaerji, lyej)', () => {
    const e = enrichZh('无线蓝牙耳机');
    expect(tokens(e.pinyin)).toEqual([
      'wuxian',
      'lanya',
      'erji',
      'wuxianlanya',
      'lanyaerji',
      'wuxianlanyaerji',
    ]);
    expect(tokens(e.initials)).toEqual(['wx', 'ly', 'ej', 'wxly', 'lyej', 'wxlyej']);
  });

  it('text without Chinese gets words only', () => {
    expect(enrichZh('Noise Cancelling headphones')).toEqual({
      words: 'noise cancelling headphones',
      phrase: 'noise cancelling headphones',
      pinyin: '',
      initials: '',
    });
  });
});

describe('query terms', () => {
  it('the query goes through the same folding and segmentation', () => {
    expect(queryTerms('降噪耳机').words).toEqual(['降噪', '耳机']);
    expect(queryTerms('華為 手機')).toMatchObject({ words: ['华为', '手机'], pinyin: ['huawei', 'shouji'] });
    expect(queryTerms('shouji sj').latin).toEqual(['shouji', 'sj']);
  });
});
