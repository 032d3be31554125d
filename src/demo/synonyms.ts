/**
 * The demo catalog's synonym groups (api.synonyms when `demo` is on and the config sets none): a small
 * e-commerce set across Chinese (simplified; traditional folds to it), English and Japanese shop words,
 * applied at query time (docs/api.md#synonyms). A term of several words matches those words in a row; in a
 * group with `=>`, the terms before it also mean the terms after it, not the reverse.
 */
export const DEMO_SYNONYMS: ReadonlyArray<readonly string[]> = [
  // audio
  // 耳机 is any earphone or headphone; earphones / イヤホン are worn in the ear (not over-ear)
  ['耳机', 'headphones'],
  ['耳机', 'headphones', '=>', 'earphones', 'earbuds', 'earbud', 'イヤホン', 'ヘッドホン'],
  ['earphones', 'earbuds', 'earbud', 'イヤホン', '=>', '耳机'],
  ['无线耳机', '蓝牙耳机', '无线蓝牙耳机', 'wireless earbuds', 'bluetooth earphones', 'ワイヤレスイヤホン'],
  ['无线', 'wireless', 'ワイヤレス'],
  ['蓝牙', 'bluetooth'],
  ['降噪', 'noise cancelling', 'noise canceling', 'anc', 'ノイズキャンセリング'],
  ['头戴式', 'over-ear', 'over ear', 'ヘッドホン'],
  // phones
  [
    '手机',
    '智能手机',
    '智慧型手机',
    '移动电话',
    'smartphone',
    'cellphone',
    'mobile phone',
    'スマートフォン',
    'スマホ',
  ],
  ['手机壳', '手机套', '保护壳', 'phone case', 'スマホケース'],
  ['充电宝', '移动电源', 'power bank', 'モバイルバッテリー'],
  ['苹果', 'apple'],
  ['索尼', 'sony', 'ソニー'],
  ['华为', 'huawei'],
  ['小米', 'xiaomi'],
  // a brand's sub-brand: 小米 also finds Redmi, not the reverse
  ['小米', 'xiaomi', '=>', '红米', 'redmi'],
  ['红米', 'redmi'],
  ['三星', 'samsung'],
  ['耐克', 'nike'],
  // computers and cameras
  [
    '笔记本电脑',
    '笔记本',
    '笔记型电脑',
    '手提电脑',
    'laptop',
    'notebook',
    'notebook computer',
    'ノートパソコン',
  ],
  ['平板', '平板电脑', 'tablet', 'ipad', 'タブレット'],
  ['苹果电脑', 'macbook'],
  ['游戏本', '电竞本', 'gaming laptop', 'ゲーミングノート'],
  ['轻薄本', '轻薄笔记本', '轻薄笔记型电脑', 'ultrabook', 'thin and light'],
  ['相机', '数码相机', '数位相机', 'camera', 'digital camera', 'カメラ', 'デジタルカメラ'],
  ['微单', '无反', 'mirrorless'],
  ['运动相机', 'action camera', 'アクションカメラ'],
  ['镜头', 'lens', 'レンズ'],
  // home and kitchen
  ['空调', '冷气', 'air conditioner', 'エアコン'],
  ['吸尘器', 'vacuum', 'vacuum cleaner', '掃除機'],
  ['扫地机器人', 'robot vacuum', 'ロボット掃除機'],
  ['吸尘器', 'vacuum', 'vacuum cleaner', '掃除機', '=>', '扫地机器人', 'robot vacuum'],
  ['电饭煲', '电饭锅', '电锅', 'rice cooker', '炊飯器'],
  ['咖啡机', 'coffee machine', 'espresso machine', 'コーヒーメーカー'],
  ['刀具', '菜刀', 'knife', 'kitchen knife', '包丁'],
  // sports and clothing
  // 运动鞋 is any athletic shoe; a running shoe is not a basketball or training shoe
  ['运动鞋', '球鞋', 'sneakers', 'trainers'],
  ['跑步鞋', '跑鞋', '慢跑鞋', 'running shoes', 'ランニングシューズ'],
  ['运动鞋', '球鞋', 'sneakers', 'trainers', '=>', '跑步鞋', '跑鞋', '篮球鞋', '训练鞋'],
  ['瑜伽垫', '瑜珈垫', 'yoga mat', 'ヨガマット'],
  ['羽绒服', '羽绒衣', '羽绒外套', 'down jacket', 'ダウンジャケット'],
  ['连衣裙', '洋装', 'dress', 'ワンピース'],
  ['t恤', 't-shirt', 'tee'],
  ['背包', '双肩包', 'backpack', 'リュック'],
  // beauty and food
  ['口红', '唇膏', 'lipstick', '口紅'],
  ['防晒', '防晒霜', 'sunscreen', 'sunblock', '日焼け止め'],
  ['面霜', '保湿霜', 'face cream', 'moisturiser', 'moisturizer'],
  ['绿茶', 'green tea', '煎茶', '緑茶'],
  ['抹茶', 'matcha'],
  ['绿茶', 'green tea', '=>', '抹茶', 'matcha'],
  ['咖啡豆', 'coffee beans'],
  ['东京', 'tokyo'],
  ['纪念品', '伴手礼', 'souvenir', 'お土産'],
  ['小说', 'novel'],
  ['编程', 'programming'],
];
