/**
 * The demo catalog's synonym groups (api.synonyms when `demo` is on and the config sets none): a small
 * e-commerce set, Chinese and English, applied at query time (docs/api.md#synonyms).
 */
export const DEMO_SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['运动鞋', '跑步鞋', '跑鞋', 'sneakers', 'running shoes'],
  ['手机壳', '保护壳', 'phone case'],
  ['耳机', 'earphones', 'headphones', 'earbuds'],
  ['笔记本', '笔记本电脑', 'laptop', 'notebook'],
  ['手机', 'phone', 'smartphone'],
  ['充电宝', '移动电源', 'power bank'],
  ['电视', 'tv', 'television'],
  ['相机', '照相机', 'camera'],
  ['平板', '平板电脑', 'tablet'],
  ['手表', 'watch'],
  ['T恤', 't-shirt', 'tee'],
  ['背包', '双肩包', 'backpack'],
];
