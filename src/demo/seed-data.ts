/** Word lists for realistic bilingual demo rows. Deterministic: the same seed gives the same catalog. */
export const CATEGORIES: ReadonlyArray<{ name: string; slug: string }> = [
  { name: '手机 Phones', slug: 'phones' },
  { name: '电脑 Laptops', slug: 'laptops' },
  { name: '耳机 Headphones', slug: 'headphones' },
  { name: '相机 Cameras', slug: 'cameras' },
  { name: '家电 Home appliances', slug: 'home-appliances' },
  { name: '厨具 Kitchen', slug: 'kitchen' },
  { name: '运动 Sports', slug: 'sports' },
  { name: '图书 Books', slug: 'books' },
  { name: '服装 Clothing', slug: 'clothing' },
  { name: '玩具 Toys', slug: 'toys' },
  { name: '美妆 Beauty', slug: 'beauty' },
  { name: '食品 Food', slug: 'food' },
];

/**
 * Top-level groups of the categories above (their parent_id), by the slugs they hold: a product's
 * category path reads `数码 Digital > 手机 Phones`. Inserted after CATEGORIES, so those keep ids 1–12.
 */
export const CATEGORY_GROUPS: ReadonlyArray<{ name: string; slug: string; children: readonly string[] }> = [
  { name: '数码 Digital', slug: 'digital', children: ['phones', 'laptops', 'headphones', 'cameras'] },
  { name: '家居 Home', slug: 'home', children: ['home-appliances', 'kitchen'] },
  {
    name: '生活 Lifestyle',
    slug: 'lifestyle',
    children: ['sports', 'books', 'clothing', 'toys', 'beauty', 'food'],
  },
];

export const BRANDS = [
  '华为',
  '小米',
  'Apple',
  'Samsung',
  '联想',
  'Sony',
  'OPPO',
  'vivo',
  '海尔',
  '美的',
  'Nike',
  '李宁',
];

export const PRODUCT_WORDS: Record<string, { zh: string[]; en: string[] }> = {
  phones: { zh: ['手机', '智能手机', '折叠屏手机'], en: ['phone', 'smartphone', 'foldable phone'] },
  laptops: { zh: ['笔记本电脑', '轻薄本', '游戏本'], en: ['laptop', 'ultrabook', 'gaming laptop'] },
  headphones: {
    zh: ['蓝牙耳机', '降噪耳机', '头戴式耳机'],
    en: ['earbuds', 'noise cancelling headphones', 'headset'],
  },
  cameras: { zh: ['微单相机', '运动相机', '镜头'], en: ['mirrorless camera', 'action camera', 'lens'] },
  'home-appliances': { zh: ['空调', '洗衣机', '冰箱'], en: ['air conditioner', 'washing machine', 'fridge'] },
  kitchen: { zh: ['电饭煲', '炒锅', '咖啡机'], en: ['rice cooker', 'wok', 'coffee machine'] },
  sports: { zh: ['跑鞋', '瑜伽垫', '篮球'], en: ['running shoes', 'yoga mat', 'basketball'] },
  books: { zh: ['小说', '编程书', '历史书'], en: ['novel', 'programming book', 'history book'] },
  clothing: { zh: ['羽绒服', 'T恤', '牛仔裤'], en: ['down jacket', 't-shirt', 'jeans'] },
  toys: { zh: ['积木', '遥控车', '拼图'], en: ['building blocks', 'rc car', 'puzzle'] },
  beauty: { zh: ['面霜', '口红', '防晒霜'], en: ['face cream', 'lipstick', 'sunscreen'] },
  food: { zh: ['绿茶', '咖啡豆', '坚果'], en: ['green tea', 'coffee beans', 'nuts'] },
};

export const ADJECTIVES = {
  zh: ['新款', '旗舰', '高性能', '轻便', '经典', '限量版', '超长续航', '防水'],
  en: [
    'new',
    'flagship',
    'high-performance',
    'lightweight',
    'classic',
    'limited edition',
    'long battery life',
    'waterproof',
  ],
};

export const TAGS = ['热卖', 'new', 'sale', '包邮', 'gift', '5G', 'eco', 'premium', '推荐', 'bestseller'];

export const CITIES = [
  '北京',
  '上海',
  '深圳',
  '杭州',
  'Berlin',
  'London',
  'New York',
  'Singapore',
  'Tokyo',
  '成都',
];

export const NAMES = [
  '王伟',
  '李娜',
  '张敏',
  '刘洋',
  'Alice',
  'Bob',
  'Carol',
  'David',
  '陈静',
  'Eve',
  '赵磊',
  'Frank',
];

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
