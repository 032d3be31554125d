import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootConnection, uniqueName } from '../helpers/stack.js';
import { type ApiHarness, startApi } from '../integration/api/harness.js';
import { engineReady } from './engine.js';

/**
 * Issue 18's examples end to end, on every engine (no engine plugin, no analysis-common needed): products
 * created through the API (dual-write-sync, so the API's own mapping enriches them), searched through the API. Which product each query must and must not find is
 * written by hand below, from what a shopper means.
 */
const PRODUCTS = {
  earbuds: { name: '无线蓝牙耳机 Pro', description: '入耳式，续航 30 小时' },
  earbudsTw: { name: '無線藍牙耳機', description: '運動款 防水防汗' },
  headphones: { name: '索尼 WH-1000XM5 头戴式耳机', description: '旗舰级主动降噪，舒适佩戴' },
  caseBox: { name: '蓝牙耳机收纳盒', description: '支持无线充电' },
  mouse: { name: '无线鼠标 静音款', description: '2.4G 无线连接' },
  huawei: { name: '华为 Mate 60 智能手机', description: '卫星通话，超长续航' },
  xiaomi: { name: '小米手机 Redmi Note', description: '高性价比' },
  runners: { name: '男款跑步鞋 轻便透气', description: '缓震鞋底' },
  tokyo: { name: '東京塔 纪念摆件', description: '旅行纪念品' },
  phoneCase: { name: 'iPhone 15 手机壳', description: '透明防摔' },
  englishCase: { name: 'Silicone phone case for Pixel 8', description: 'Soft touch, slim fit' },
  englishHeadphones: { name: 'Noise cancelling headphones', description: 'Over-ear, 40 hour battery' },
  knives: { name: '厨房刀具套装', description: '不锈钢 五件套' },
} as const;
type Key = keyof typeof PRODUCTS;

let h: ApiHarness;
const ids = new Map<Key, number>();
const keyOf = new Map<number, Key>();

beforeAll(async () => {
  await engineReady();
  const index = uniqueName('zh_products');
  h = await startApi({
    api: {
      productsIndex: index,
      writeModes: { products: 'dual-write-sync', categories: 'cdc', users: 'cdc' },
      dualWrite: { pipeline: uniqueName('zh-dw').replaceAll('_', '-'), syncTimeoutMs: 10_000 },
      searchCache: { ttlMs: 0, maxEntries: 1 },
      synonyms: [
        ['运动鞋', '跑步鞋', '跑鞋'],
        ['手机壳', 'phone case'],
        ['耳机', 'earphones', 'headphones'],
      ],
    },
    config: (database) => ({
      mappings: [
        {
          table: `${database}.products`,
          index,
          text: { name: { language: 'zh' }, description: { language: 'zh' } },
        },
      ],
      pipelines: [],
      sink: { batch: { lingerMs: 5 }, retry: { initialMs: 50, maxMs: 500 } },
    }),
  });
  let n = 0;
  for (const [key, p] of Object.entries(PRODUCTS) as Array<[Key, (typeof PRODUCTS)[Key]]>) {
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/products',
      payload: { ...p, price: `${100 + n++}.00`, category_id: 1, tags: [], stock: 1 },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['x-syncline-index']).toBe('indexed');
    const id = Number(r.json().id);
    ids.set(key, id);
    keyOf.set(id, key);
  }
  // indexed (dual-write-sync answered after the write); refreshed so that searches see every product
  expect((await h.search.request('POST', `/${index}/_refresh`)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  if (!h) return;
  const c = await rootConnection();
  await c
    .query(`DELETE FROM \`${h.config.internalDatabase}\`.dead_letters WHERE pipeline = ?`, [
      h.config.api.dualWrite.pipeline,
    ])
    .catch(() => {}); // no dead letter was written: the table may not exist
  await c.end();
  await h.close();
});

async function find(q: string): Promise<Key[]> {
  const r = await h.app.inject({
    url: `/api/products/search?q=${encodeURIComponent(q)}&size=50&facets=false`,
  });
  expect(r.statusCode, r.body).toBe(200);
  return (r.json().items as Array<{ id: number }>).map((i) => keyOf.get(Number(i.id))!);
}

const set = (keys: Key[]) => [...keys].sort();

describe('the mapping enriches Chinese text', () => {
  it('documents carry name_zh / description_zh, mapped with the whitespace analyzer', async () => {
    const index = h.config.api.productsIndex;
    const doc = await h.search.request<{ _source: Record<string, unknown> }>(
      'GET',
      `/${index}/_doc/${ids.get('earbudsTw')}`,
    );
    expect(doc.body._source.name_zh).toEqual({
      words: '无线 蓝牙 耳机',
      phrase: '无线 蓝牙 耳机',
      pinyin: 'wuxian lanya erji wuxianlanya lanyaerji wuxianlanyaerji',
      initials: 'wx ly ej wxly lyej wxlyej',
    });
    const m = await h.search.request<Record<string, { mappings: { properties: Record<string, unknown> } }>>(
      'GET',
      `/${index}/_mapping`,
    );
    const props = Object.values(m.body)[0]!.mappings.properties;
    expect(props.name_zh).toMatchObject({ properties: { words: { type: 'text', analyzer: 'whitespace' } } });
  });
});

describe("the issue's examples", () => {
  it('无线耳机 finds the wireless earbuds (words need not be adjacent), not the wireless mouse', async () => {
    const hits = await find('无线耳机');
    expect(hits).toEqual(expect.arrayContaining(['earbuds', 'earbudsTw', 'caseBox']));
    expect(hits).not.toContain('mouse');
    expect(hits).not.toContain('knives');
  });

  it('無線藍牙耳機 (traditional) finds 无线蓝牙耳机 first, and the traditional name too', async () => {
    const hits = await find('無線藍牙耳機');
    expect(set(hits.slice(0, 2))).toEqual(set(['earbuds', 'earbudsTw']));
    expect(hits).not.toContain('mouse');
  });

  it('simplified 无线蓝牙耳机 finds the product named in traditional characters', async () => {
    expect(set((await find('无线蓝牙耳机')).slice(0, 2))).toEqual(set(['earbuds', 'earbudsTw']));
  });

  it('東京 finds a product written 东京 / 東京 either way', async () => {
    expect(await find('东京')).toEqual(['tokyo']);
    expect(await find('東京')).toEqual(['tokyo']);
  });

  it('降噪耳机 finds a name with 耳机 and a description with 降噪', async () => {
    expect(await find('降噪耳机')).toContain('headphones');
  });

  it('shouji and sj (pinyin, initials) find the phones', async () => {
    expect(set(await find('shouji'))).toEqual(set(['huawei', 'xiaomi', 'phoneCase']));
    expect(await find('sj')).toEqual(expect.arrayContaining(['huawei', 'xiaomi']));
    expect(await find('sj')).not.toContain('knives');
  });

  it('运动鞋 finds 跑步鞋 (synonyms from the config)', async () => {
    expect(await find('运动鞋')).toEqual(['runners']);
  });

  it('手机壳 finds the phone case written in English, below the one named 手机壳', async () => {
    const hits = await find('手机壳');
    expect(hits[0]).toBe('phoneCase');
    expect(hits).toContain('englishCase');
  });

  it('an English typo finds the word (fuzziness), a real match is never mixed with fallbacks', async () => {
    expect(await find('headphnoes')).toContain('englishHeadphones');
    // 耳机 has real matches: pinyin and typo matches are not asked for (no 'erji' lookalikes appear)
    const real = await find('耳机');
    expect(real).toEqual(
      expect.arrayContaining(['earbuds', 'earbudsTw', 'headphones', 'caseBox', 'englishHeadphones']),
    );
    expect(real).not.toContain('mouse');
  });
});
