import type { Pool } from 'mysql2/promise';

/**
 * Hand-written products a real shopper would find in a Chinese + English store: simplified and traditional
 * Chinese, Japanese, Chinese with English brand/model names, English only. The demo seeds them next to the
 * generated filler, and the judged relevance set (test/fixtures/relevance/queries.json, docs/relevance.md)
 * is judged over exactly these: a product's `key` is its stable name there (ids are auto-increment).
 * Names are unique: the seed and the relevance test find a curated row by its name.
 */
export interface CuratedProduct {
  key: string;
  /** A slug of CATEGORIES (seed-data.ts). */
  category: string;
  name: string;
  description: string;
  price: string;
  /** From TAGS (seed-data.ts), so product_tags links them. */
  tags: string[];
}

const p = (
  key: string,
  category: string,
  name: string,
  description: string,
  price: string,
  tags: string[] = [],
): CuratedProduct => ({ key, category, name, description, price, tags });

// biome-ignore format: one product per line reads as a table
export const CURATED_PRODUCTS: readonly CuratedProduct[] = [
  // headphones
  p('hp-huawei-freebuds', 'headphones', '华为 FreeBuds 5i 无线蓝牙耳机 降噪入耳式', '华为真无线蓝牙耳机，主动降噪，续航28小时，支持双设备连接。', '449.00', ['热卖', '包邮']),
  p('hp-redmi-buds', 'headphones', '小米 Redmi Buds 5 真无线蓝牙耳机', '小米真无线耳机，46dB 降噪，蓝牙5.3，轻巧舒适。', '199.00', ['推荐']),
  p('hp-airpods-pro', 'headphones', 'Apple AirPods Pro 2 主动降噪无线耳机', 'Apple 无线耳机，主动降噪与通透模式，MagSafe 充电盒 (USB-C)。', '1899.00', ['premium']),
  p('hp-sony-wh1000xm5', 'headphones', 'Sony WH-1000XM5 头戴式耳机 无线 蓝牙 智能降噪', '索尼头戴式无线降噪耳机，30小时续航，佩戴舒适。Wireless noise cancelling headphones.', '2499.00', ['premium', 'bestseller']),
  p('hp-edifier-neobuds', 'headphones', '漫步者耳机 NeoBuds Pro 2 入耳式 自适应降噪', '漫步者真无线蓝牙耳机，自适应主动降噪，Hi-Res 认证。', '599.00', ['sale']),
  p('hp-jabra-tw', 'headphones', 'Jabra Elite 8 無線藍牙耳機 主動降噪', '捷波朗真無線藍牙耳機，主動降噪，IP68 防水防塵，適合運動。', '1688.00', ['new']),
  p('hp-bose-qc-ultra', 'headphones', 'Bose QuietComfort Ultra Headphones', 'Wireless over-ear noise cancelling headphones with spatial audio and 24-hour battery.', '2999.00', ['premium']),
  p('hp-wired-earphones', 'headphones', '入耳式有线耳机 3.5mm 带麦克风', '经典有线耳机，3.5mm 接口，线控通话，适合手机和电脑。', '39.00', ['包邮']),
  p('hp-razer-blackshark', 'headphones', '雷蛇 Razer BlackShark V2 电竞游戏耳机 头戴式 有线', '头戴式电竞耳机，有线连接，THX 空间音效，可拆卸麦克风。', '699.00', ['热卖']),
  p('hp-shokz-openrun', 'headphones', '韶音 Shokz OpenRun Pro 骨传导运动耳机', '骨传导蓝牙耳机，开放双耳，跑步运动不入耳，防汗防水。', '1298.00', ['推荐']),
  p('hp-sony-wf1000xm5-jp', 'headphones', 'ソニー ワイヤレスイヤホン WF-1000XM5 ノイズキャンセリング', 'ソニーの完全ワイヤレスイヤホン。業界最高クラスのノイズキャンセリング、Bluetooth 対応。', '1999.00', ['premium']),
  p('hp-audio-technica-jp', 'headphones', 'オーディオテクニカ ヘッドホン ATH-M50x 有線', 'モニターヘッドホン、有線タイプ。スタジオ録音にも最適。', '1199.00'),
  p('hp-kids-headphones', 'headphones', '儿童耳机 头戴式 音量保护 学习网课', '儿童专用头戴式耳机，85分贝音量保护，可折叠，网课学习。', '89.00', ['gift']),
  p('hp-airpods-case', 'headphones', 'AirPods Pro 2 保护套 硅胶耳机套 防摔', '适用于 AirPods Pro 2 充电盒的硅胶保护套，防摔防刮，带挂钩。', '29.00', ['包邮']),
  p('hp-mi-speaker', 'headphones', '小米蓝牙音箱 便携户外 防水', '便携蓝牙音箱，IP67 防水，户外露营，续航13小时。', '149.00', ['sale']),
  p('hp-beats-studio-buds', 'headphones', 'Beats Studio Buds+ True Wireless Earbuds', 'True wireless noise cancelling earbuds with Bluetooth, transparency mode and 36-hour battery.', '1299.00', ['new']),
  p('hp-sennheiser-tw', 'headphones', '森海塞爾 Sennheiser HD 660S2 頭戴式耳機 有線', '開放式頭戴耳機，有線連接，發燒級音質。', '3999.00', ['premium']),
  p('hp-sleep-earbuds', 'headphones', '睡眠耳机 侧睡无感 蓝牙5.3 超小', '迷你睡眠蓝牙耳机，侧睡不压耳，无线连接，降噪助眠。', '129.00', ['推荐']),
  p('hp-open-ear-en', 'headphones', 'Open-Ear Wireless Sport Earphones with Ear Hooks', 'Bluetooth open-ear earphones for running and workouts, sweat resistant, 10-hour battery.', '259.00'),
  p('hp-huawei-typec-wired', 'headphones', '华为 Type-C 有线耳机 经典版', '华为原装 Type-C 接口有线耳机，半入耳式，线控。', '99.00'),

  // phones and their accessories
  p('ph-iphone15pro', 'phones', 'Apple iPhone 15 Pro 256GB 原色钛金属', 'Apple 手机，A17 Pro 芯片，钛金属设计，4800万像素主摄。', '7999.00', ['5G', 'premium']),
  p('ph-iphone15pro-case', 'phones', 'Apple iPhone 15 Pro 手机壳 MagSafe 透明保护壳', '适用于 iPhone 15 Pro 的透明手机壳，支持 MagSafe 磁吸，防摔不发黄。', '59.00', ['热卖', '包邮']),
  p('ph-mate60pro', 'phones', '华为 Mate 60 Pro 5G 智能手机 卫星通话', '华为旗舰手机，卫星通话，昆仑玻璃，超光变 XMAGE 影像。', '6999.00', ['5G', '热卖']),
  p('ph-xiaomi14', 'phones', '小米14 徕卡影像 骁龙8 Gen3 手机', '小米旗舰智能手机，徕卡光学镜头，骁龙8 Gen3 处理器，90W 快充。', '3999.00', ['5G']),
  p('ph-galaxy-s24u', 'phones', 'Samsung Galaxy S24 Ultra Smartphone 512GB', 'Samsung flagship Android phone with S Pen, 200MP camera and Galaxy AI.', '9699.00', ['5G', 'premium']),
  p('ph-galaxy-s24u-case', 'phones', 'Samsung Galaxy S24 Ultra Phone Case Rugged Armor', 'Shockproof rugged phone case for Galaxy S24 Ultra with kickstand.', '89.00', ['sale']),
  p('ph-pixel8-case', 'phones', 'Google Pixel 8 Phone Case Slim Leather', 'Slim genuine leather phone case for Pixel 8, wireless charging compatible.', '199.00'),
  p('ph-mate60pro-case', 'phones', '华为 Mate 60 Pro 手机壳 素皮 防摔', '华为 Mate 60 Pro 专用素皮手机保护壳，全包防摔，手感细腻。', '79.00', ['推荐']),
  p('ph-iphone15-case-tw', 'phones', 'iPhone 15 手機殼 防摔 透明', '適用 iPhone 15 的透明手機保護殼，軍規防摔，不泛黃。', '69.00', ['sale']),
  p('ph-iphone15-case-jp', 'phones', 'iPhone 15 スマホケース 手帳型 レザー', 'iPhone 15 対応の手帳型スマホケース。カード収納、スタンド機能付き。', '99.00'),
  p('ph-oppo-findx7', 'phones', 'OPPO Find X7 Ultra 哈苏影像 旗舰手机', 'OPPO 旗舰手机，双潜望长焦，哈苏影像，5G 全网通。', '5999.00', ['5G']),
  p('ph-vivo-x100pro', 'phones', 'vivo X100 Pro 蔡司长焦 5G 手机', 'vivo 影像旗舰手机，蔡司 APO 长焦，蓝海电池，天玑9300。', '4999.00', ['5G', 'new']),
  p('ph-galaxy-zfold5', 'phones', '三星 Galaxy Z Fold5 折叠屏手机', '三星折叠屏智能手机，7.6英寸大屏，多任务分屏。', '12999.00', ['5G', 'premium']),
  p('ph-huawei-p60-tw', 'phones', '華為 P60 Pro 智慧型手機', '華為影像旗艦智慧型手機，超聚光夜視，昆崙玻璃。', '5988.00', ['new']),
  p('ph-xperia-jp', 'phones', 'ソニー Xperia 1 V スマートフォン', 'ソニーのスマートフォン。4K 有機EL ディスプレイ、高性能カメラ搭載。', '8999.00', ['5G']),
  p('ph-iphone15pro-glass', 'phones', 'iPhone 15 Pro 钢化膜 全屏覆盖 防指纹', '适用于 iPhone 15 Pro 的高清钢化玻璃屏幕保护膜，两片装。', '19.90', ['包邮']),
  p('ph-xiaomi-charger', 'phones', '小米 67W 快充充电器 Type-C 手机充电头', '小米 GaN 氮化镓快充充电器，兼容多种手机与平板。', '99.00'),
  p('ph-anker-powerbank', 'phones', 'Anker 20000mAh 充电宝 移动电源', '大容量移动电源，22.5W 快充，可给手机和平板充电。', '169.00', ['bestseller']),
  p('ph-senior-phone', 'phones', '老人手机 大字体 大音量 超长待机', '老年人专用手机，按键大，字体大，声音大，一键 SOS 求救。', '199.00', ['gift']),
  p('ph-redmi-note13', 'phones', 'Redmi Note 13 Pro 5G 2亿像素 手机', '红米 Note 13 Pro 智能手机，2亿像素主摄，1.5K 屏幕，67W 快充。', '1499.00', ['5G', '热卖']),
  p('ph-car-holder', 'phones', '车载手机支架 磁吸 出风口', '磁吸式车载手机支架，出风口安装，单手取放，适用各种手机。', '49.00', ['包邮']),
  p('ph-pixel8pro', 'phones', 'Google Pixel 8 Pro Unlocked Android Smartphone', 'Google Pixel 8 Pro with Tensor G3, pro-level camera and 7 years of updates.', '6499.00', ['5G']),
  p('ph-lightning-cable', 'phones', 'Apple USB-C to Lightning Cable 1m 数据线', 'Apple 原装 USB-C 转 Lightning 数据线，快充，适用 iPhone。', '145.00'),

  // laptops
  p('lp-macbook-air-m3', 'laptops', 'Apple MacBook Air 13 M3 笔记本电脑', 'Apple M3 芯片轻薄笔记本电脑，18小时续航，Liquid Retina 显示屏。', '8999.00', ['premium']),
  p('lp-thinkpad-x1', 'laptops', '联想 ThinkPad X1 Carbon 商务轻薄本 14英寸', '联想商务笔记本电脑，碳纤维机身，1.12kg，酷睿 Ultra 处理器。', '12999.00', ['premium']),
  p('lp-legion-y9000p', 'laptops', '联想拯救者 Y9000P 游戏本 RTX4060', '联想高性能游戏笔记本电脑，16英寸 240Hz 电竞屏，RTX4060 显卡。', '8999.00', ['热卖']),
  p('lp-matebook-xpro', 'laptops', '华为 MateBook X Pro 轻薄笔记本', '华为超轻薄笔记本电脑，980克，3.1K 原色触控屏。', '11999.00', ['new']),
  p('lp-zenbook-tw', 'laptops', '華碩 ASUS Zenbook 14 OLED 筆記型電腦', '華碩輕薄筆記型電腦，14吋 OLED 螢幕，長效續航。', '6999.00'),
  p('lp-lifebook-jp', 'laptops', '富士通 ノートパソコン LIFEBOOK 軽量モデル', '富士通の軽量ノートパソコン。約 1kg、14 インチ、長時間バッテリー。', '7999.00'),
  p('lp-dell-xps15', 'laptops', 'Dell XPS 15 Laptop Intel Core i9', 'Dell XPS 15 laptop with 15.6-inch OLED display, 32GB RAM and 1TB SSD.', '15999.00', ['premium']),
  p('lp-rog-strix-g16', 'laptops', 'ASUS ROG Strix G16 Gaming Laptop', 'Gaming laptop with RTX 4070, 165Hz display and Intel Core i7.', '10999.00'),
  p('lp-sleeve-13', 'laptops', '13英寸笔记本电脑内胆包 防震', '适用于13英寸笔记本电脑的防震内胆包，加厚海绵，防泼水。', '59.00', ['包邮']),
  p('lp-stand', 'laptops', '铝合金笔记本支架 散热 可升降', '铝合金笔记本电脑支架，升降折叠，镂空散热，护颈。', '79.00'),
  p('lp-mx-master', 'laptops', '罗技 Logitech MX Master 3S 无线鼠标', '罗技无线鼠标，静音点击，蓝牙与接收器双模，8K DPI。', '699.00', ['bestseller']),
  p('lp-mech-keyboard', 'laptops', '机械键盘 87键 蓝牙无线 三模', '三模机械键盘，蓝牙/2.4G 无线/有线，热插拔，RGB 背光。', '299.00', ['sale']),
  p('lp-ipad-air', 'laptops', 'Apple iPad Air 11 平板电脑 M2', 'Apple 平板电脑，M2 芯片，11英寸 Liquid Retina 显示屏，支持 Apple Pencil。', '4799.00', ['new']),
  p('lp-backpack-tw', 'laptops', '筆電包 15.6吋 防水後背包', '可放 15.6 吋筆電的防水後背包，多隔層，商務通勤。', '399.00'),

  // cameras
  p('cm-sony-a7iv', 'cameras', 'Sony Alpha 7 IV 全画幅微单相机', '索尼全画幅微单相机，3300万像素，4K 60p 视频，实时眼部追踪对焦。', '15999.00', ['premium']),
  p('cm-canon-r6ii', 'cameras', 'Canon EOS R6 Mark II 微单相机 Mirrorless Camera', '佳能全画幅微单相机，2420万像素，40张/秒连拍。Full-frame mirrorless camera.', '15299.00'),
  p('cm-fuji-x100vi', 'cameras', '富士 FUJIFILM X100VI 数码相机', '富士旁轴数码相机，4020万像素，胶片模拟，机身防抖。', '11390.00', ['热卖']),
  p('cm-gopro-hero12', 'cameras', 'GoPro HERO12 Black 运动相机 防水', 'GoPro 运动相机，5.3K 视频，10米防水，HyperSmooth 防抖。', '2998.00'),
  p('cm-dji-action4', 'cameras', '大疆 DJI Osmo Action 4 运动相机', '大疆运动相机，1/1.3英寸大底，18米防水，低温长续航。', '2499.00', ['推荐']),
  p('cm-powershot-jp', 'cameras', 'キヤノン デジタルカメラ PowerShot V10', 'キヤノンの小型デジタルカメラ。Vlog 撮影に最適、4K 動画対応。', '3299.00'),
  p('cm-sony-zv1-tw', 'cameras', '索尼 SONY ZV-1 II 數位相機 Vlog', '索尼 Vlog 數位相機，超廣角變焦鏡頭，背景虛化一鍵切換。', '5299.00', ['new']),
  p('cm-sony-2470gm', 'cameras', '索尼 FE 24-70mm F2.8 GM II 镜头', '索尼全画幅标准变焦 G 大师镜头，轻量化设计。', '14999.00', ['premium']),
  p('cm-tripod', 'cameras', '碳纤维三脚架 相机支架 便携', '碳纤维相机三脚架，承重10kg，可变独脚架，旅行便携。', '499.00'),
  p('cm-instax-mini12', 'cameras', '富士 instax mini 12 拍立得', '富士拍立得相机，一次成像，自动曝光，多色可选。', '599.00', ['gift']),
  p('cm-sandisk-sd', 'cameras', '闪迪 SanDisk 128GB SD存储卡 相机内存卡', '高速 SD 存储卡，读取200MB/s，适用于单反和微单相机。', '129.00', ['包邮']),
  p('cm-logitech-c920', 'cameras', 'Logitech C920 HD Webcam 网络摄像头', '1080p HD webcam for video calls, 罗技网络摄像头，双麦克风。', '399.00'),
  p('cm-nikon-z6iii', 'cameras', 'Nikon Z6 III Mirrorless Camera Body', 'Full-frame mirrorless camera with partially stacked sensor and 6K video.', '16999.00'),

  // home appliances
  p('ha-gree-ac', 'home-appliances', '格力 云佳 1.5匹 变频空调 挂机', '格力新一级能效变频冷暖空调，静音节能，自清洁。', '2899.00', ['热卖']),
  p('ha-midea-ac', 'home-appliances', '美的 酷省电 新一级能效 空调', '美的变频空调挂机，1.5匹，智能控温，省电。', '2599.00', ['sale']),
  p('ha-haier-washer', 'home-appliances', '海尔 10公斤 滚筒洗衣机 洗烘一体', '海尔滚筒洗衣机，洗烘一体，除菌除螨，变频静音。', '2999.00', ['推荐']),
  p('ha-siemens-fridge', 'home-appliances', '西门子 对开门冰箱 610升 风冷无霜', '西门子大容量对开门冰箱，风冷无霜，零度保鲜。', '5999.00', ['premium']),
  p('ha-panasonic-fridge-tw', 'home-appliances', '國際牌 Panasonic 變頻冰箱 500公升', '國際牌雙門變頻冰箱，ECONAVI 智慧節能，急速冷凍。', '32900.00'),
  p('ha-dyson-v15', 'home-appliances', 'Dyson V15 Detect 无线吸尘器', '戴森无线吸尘器，激光探测微尘，60分钟续航。', '4990.00', ['premium']),
  p('ha-roborock', 'home-appliances', '石头 扫地机器人 扫拖一体', '石头扫地机器人，自动集尘，扫拖一体，激光导航。', '3299.00', ['热卖']),
  p('ha-daikin-jp', 'home-appliances', 'ダイキン エアコン 6畳 冷暖房', 'ダイキンのルームエアコン。6畳向け、省エネ、ストリーマ空気清浄。', '4999.00'),
  p('ha-mi-purifier', 'home-appliances', '小米空气净化器 4 Pro 除甲醛', '小米空气净化器，除甲醛除雾霾，OLED 触控屏，智能互联。', '1299.00'),
  p('ha-dyson-supersonic', 'home-appliances', '戴森 Dyson Supersonic 吹风机', '戴森高速吹风机，智能温控，快速干发不伤发。', '2999.00', ['gift', 'premium']),
  p('ha-dehumidifier-en', 'home-appliances', 'Dehumidifier 20L Quiet for Basement', 'Quiet 20-litre dehumidifier with auto shut-off and continuous drain hose.', '1299.00'),
  p('ha-midea-fan', 'home-appliances', '美的 落地扇 直流变频 电风扇', '美的直流变频落地扇，12档风速，遥控定时，静音。', '299.00', ['sale']),
  p('ha-hitachi-washer-tw', 'home-appliances', '日立 滾筒洗衣機 12公斤', '日立滾筒洗衣機，洗脫烘，變頻馬達，節能省水。', '45900.00'),

  // kitchen
  p('kt-midea-rice-cooker', 'kitchen', '美的 电饭煲 4L 智能预约', '美的智能电饭煲，4升容量，24小时预约，柴火饭。', '299.00', ['热卖']),
  p('kt-zojirushi-jp', 'kitchen', '象印 炊飯器 5.5合 圧力IH', '象印の圧力IH炊飯器。ふっくらごはん、保温機能付き。', '2999.00', ['premium']),
  p('kt-tatung-cooker-tw', 'kitchen', '大同電鍋 10人份 不鏽鋼', '經典大同電鍋，不鏽鋼內鍋，蒸煮炊燉一鍋搞定。', '3290.00'),
  p('kt-nonstick-wok', 'kitchen', '炊大师 不粘炒锅 32cm 燃气电磁炉通用', '不粘锅炒锅，少油烟，燃气灶电磁炉通用，带锅盖。', '129.00', ['包邮']),
  p('kt-iron-wok', 'kitchen', '章丘铁锅 手工锻打 无涂层炒锅', '传统手工锻打章丘铁锅，无涂层，炒菜香。', '199.00', ['推荐']),
  p('kt-delonghi', 'kitchen', "德龙 De'Longhi 全自动咖啡机", '德龙全自动意式咖啡机，一键研磨萃取，自动打奶泡。', '4999.00', ['premium']),
  p('kt-nespresso-en', 'kitchen', 'Nespresso Vertuo Capsule Coffee Machine', 'Capsule coffee machine for espresso and coffee, one-touch brewing.', '1299.00'),
  p('kt-philips-airfryer', 'kitchen', '飞利浦 空气炸锅 5L 无油', '飞利浦大容量空气炸锅，无油低脂，智能菜单。', '699.00', ['热卖']),
  p('kt-zwilling-knife', 'kitchen', '双立人 Zwilling 中式菜刀', '德国双立人不锈钢中式菜刀，锋利耐用，切片切菜。', '399.00'),
  p('kt-kai-knife-jp', 'kitchen', '貝印 関孫六 包丁 三徳', '関孫六の三徳包丁。肉・魚・野菜に使える万能包丁。', '599.00'),
  p('kt-mi-kettle', 'kitchen', '小米 电热水壶 1.5L 304不锈钢', '小米电水壶，1.5升，304不锈钢内胆，快速烧水。', '69.00', ['包邮']),
  p('kt-thermos-cup', 'kitchen', '膳魔师 保温杯 500ml 不锈钢', '膳魔师不锈钢真空保温杯，长效保温保冷。', '199.00', ['gift']),
  p('kt-cast-iron-en', 'kitchen', 'Cast Iron Skillet 12 Inch Pre-Seasoned', 'Pre-seasoned cast iron frying pan for stovetop, oven and campfire.', '249.00'),

  // sports
  p('sp-nike-pegasus40', 'sports', 'Nike Air Zoom Pegasus 40 男子跑步鞋', '耐克经典缓震跑步鞋，React 泡棉，适合日常训练。', '899.00', ['热卖']),
  p('sp-lining-chitu7', 'sports', '李宁 赤兔7 跑步鞋 轻量竞速', '李宁轻量竞速跑鞋，䨻科技中底，透气网面。', '499.00', ['推荐']),
  p('sp-asics-kayano30', 'sports', '亚瑟士 ASICS GEL-KAYANO 30 跑鞋 稳定支撑', '亚瑟士稳定支撑型跑鞋，GEL 缓震，适合长距离慢跑。', '1290.00'),
  p('sp-ultraboost-tw', 'sports', '愛迪達 adidas Ultraboost 慢跑鞋', '愛迪達 Ultraboost 緩震慢跑鞋，BOOST 中底，彈力回饋。', '5990.00', ['premium']),
  p('sp-mizuno-jp', 'sports', 'ミズノ ランニングシューズ WAVE RIDER 27', 'ミズノのランニングシューズ。クッション性と安定性、毎日のジョギングに。', '1099.00'),
  p('sp-hoka-clifton9', 'sports', 'Hoka Clifton 9 Road Running Shoes', 'Lightweight cushioned road running shoes for daily training.', '1199.00'),
  p('sp-anta-kt9', 'sports', '安踏 KT9 篮球鞋 男款', '安踏汤普森签名篮球鞋，氮科技中底，实战缓震。', '899.00'),
  p('sp-nike-metcon9', 'sports', '耐克 Nike Metcon 9 综合训练鞋', '耐克健身训练鞋，稳定支撑，适合力量训练与交叉训练。', '1099.00'),
  p('sp-kailas-hiking', 'sports', '凯乐石 徒步鞋 防水登山鞋', '凯乐石户外徒步登山鞋，防水透气，抓地耐磨。', '1299.00'),
  p('sp-lululemon-mat', 'sports', 'Lululemon 瑜伽垫 5mm 防滑', 'Lululemon 双面瑜伽垫，5毫米厚，天然橡胶，防滑吸汗。', '888.00', ['premium']),
  p('sp-yoga-mat-tw', 'sports', '瑜珈墊 TPE 加厚 防滑', 'TPE 環保瑜珈墊，加厚 8mm，雙面防滑，附收納綁帶。', '499.00', ['eco']),
  p('sp-spalding-ball', 'sports', '斯伯丁 Spalding 7号篮球 室内外通用', '斯伯丁标准7号篮球，PU 材质，室内室外通用。', '199.00'),
  p('sp-dumbbell', 'sports', '可调节哑铃 20kg 家用健身', '可快速调节重量的哑铃，家用健身器材，一对装。', '599.00'),
  p('sp-giant-bike', 'sports', '捷安特 Giant 公路自行车 TCR', '捷安特公路自行车，铝合金车架，22速，竞赛级。', '6998.00'),
  p('sp-yonex-racket', 'sports', '尤尼克斯 YONEX 羽毛球拍 天斧', '尤尼克斯进攻型羽毛球拍，全碳素，轻量。', '1380.00'),
  p('sp-huawei-watch-gt4', 'sports', '华为 Watch GT 4 运动智能手表', '华为智能手表，100+运动模式，心率血氧监测，两周续航。', '1488.00', ['new']),
  p('sp-running-socks', 'sports', '跑步袜 专业运动袜 3双装', '专业跑步袜，毛圈底缓震，速干透气，防磨脚。', '59.00', ['包邮']),
  p('sp-wilson-racket', 'sports', 'Wilson Pro Staff Tennis Racket', 'Wilson Pro Staff 97 tennis racket, unstrung, 315 g.', '1899.00'),
  p('sp-shoe-bag', 'sports', '鞋袋 运动鞋收纳袋 防尘', '便携鞋袋，运动鞋收纳袋，防尘防水，健身旅行用。', '19.90', ['包邮']),

  // books
  p('bk-three-body', 'books', '三体 全集 刘慈欣 科幻小说', '刘慈欣科幻小说三体三部曲全集，雨果奖获奖作品。', '99.00', ['bestseller']),
  p('bk-three-body-tw', 'books', '三體 劉慈欣 繁體中文版', '劉慈欣長篇科幻小說三體，繁體中文版。', '450.00'),
  p('bk-huozhe', 'books', '活着 余华 长篇小说', '余华代表作长篇小说活着，讲述福贵的一生。', '35.00', [
    '推荐',
  ]),
  p('bk-python-crash', 'books', 'Python编程 从入门到实践 第3版', 'Python 编程入门书，零基础学编程，项目实战。', '89.00', ['bestseller']),
  p('bk-clean-code', 'books', 'Clean Code: A Handbook of Agile Software Craftsmanship', 'Robert C. Martin on writing readable, maintainable code; a programming classic.', '299.00'),
  p('bk-norwegian-wood-jp', 'books', '村上春樹 ノルウェイの森 文庫', '村上春樹の長編小説。講談社文庫、上下巻セット。', '99.00'),
  p('bk-sapiens', 'books', '人类简史 从动物到上帝 尤瓦尔·赫拉利', '赫拉利历史书，讲述人类从动物到上帝的历史。', '68.00'),
  p('bk-shiji-tw', 'books', '史記 司馬遷 白話版', '司馬遷史記白話譯本，中國歷史經典。', '520.00'),
  p('bk-little-prince', 'books', '小王子 儿童绘本 彩图注音版', '经典童话小王子，彩图注音版，适合儿童阅读。', '25.00', ['gift']),
  p('bk-harry-potter', 'books', "Harry Potter and the Philosopher's Stone Paperback", 'The first Harry Potter novel by J.K. Rowling, paperback edition.', '79.00'),
  p('bk-tokyo-guide', 'books', '东京旅行指南 2024 自由行攻略', '东京自由行旅游攻略书，景点、美食、交通一本通。', '59.00'),
  p('bk-tokyo-guide-tw', 'books', '東京自由行 旅遊書 最新版', '東京自由行旅遊書，景點美食交通全攻略。', '380.00'),
  p('bk-tokyo-guide-jp', 'books', '東京 ガイドブック るるぶ 2024', '東京の観光ガイドブック。人気スポットとグルメ情報。', '120.00'),

  // clothing
  p('cl-uniqlo-down', 'clothing', '优衣库 轻型羽绒服 男款', '优衣库高级轻型羽绒服，便携收纳，保暖轻薄。', '499.00', ['热卖']),
  p('cl-tnf-down-tw', 'clothing', '北臉 The North Face 羽絨外套 保暖', '北臉 700 蓬鬆度羽絨外套，防風保暖，冬季必備。', '6980.00', ['premium']),
  p('cl-cotton-tshirt', 'clothing', '纯棉短袖T恤 男 白色', '100%纯棉短袖T恤，圆领白色打底衫，透气舒适。', '49.00', ['包邮']),
  p('cl-levis-501', 'clothing', "李维斯 Levi's 501 牛仔裤 直筒", '李维斯经典501直筒牛仔裤，原色丹宁。', '699.00'),
  p('cl-uniqlo-down-jp', 'clothing', 'ユニクロ ウルトラライトダウンジャケット', 'ユニクロの軽量ダウンジャケット。持ち運びに便利、暖かい。', '599.00'),
  p('cl-champion-hoodie', 'clothing', 'Champion Reverse Weave Hoodie', 'Heavyweight cotton fleece hooded sweatshirt, classic logo.', '499.00'),
  p('cl-nike-drifit-tee', 'clothing', '耐克 速干运动T恤 跑步上衣', '耐克 Dri-FIT 速干运动短袖，跑步健身上衣，透气排汗。', '199.00', ['sale']),
  p('cl-qipao', 'clothing', '改良旗袍 连衣裙 复古', '改良版旗袍连衣裙，复古盘扣，日常可穿。', '299.00'),
  p('cl-floral-dress', 'clothing', '碎花连衣裙 夏季 法式', '法式碎花连衣裙，夏季雪纺长裙，显瘦。', '159.00', [
    'new',
  ]),
  p('cl-chiffon-dress-tw', 'clothing', '雪紡洋裝 夏季 長裙', '雪紡洋裝，夏季氣質長裙，透氣飄逸。', '890.00'),
  p('cl-lining-pants', 'clothing', '李宁 运动裤 男 休闲卫裤', '李宁运动长裤，休闲束脚卫裤，宽松舒适。', '189.00'),
  p('cl-rain-jacket-en', 'clothing', 'Waterproof Rain Jacket Packable', 'Lightweight waterproof rain jacket with hood, packs into its own pocket.', '399.00'),
  p('cl-boat-socks', 'clothing', '船袜 5双装 纯棉 隐形', '纯棉隐形船袜，5双装，防滑硅胶后跟。', '29.90', [
    '包邮',
  ]),

  // toys
  p('ty-lego-fire-station', 'toys', '乐高 LEGO 城市系列 消防局 积木', '乐高城市系列消防局积木玩具，拼搭益智，6岁以上。', '699.00', ['gift']),
  p('ty-lego-technic-tw', 'toys', '樂高 LEGO 機械組 跑車 積木', '樂高機械組跑車積木模型，成人收藏。', '4999.00', ['premium']),
  p('ty-rc-car', 'toys', '遥控车 越野 四驱 高速攀爬', '儿童遥控越野车，四驱高速，充电款，男孩玩具。', '199.00', ['热卖']),
  p('ty-puzzle-1000', 'toys', '1000片拼图 世界名画 星空', '成人1000片拼图，梵高星空，益智减压。', '69.00'),
  p('ty-gunpla-jp', 'toys', 'バンダイ ガンプラ RG ガンダム プラモデル', 'バンダイのガンダムプラモデル。リアルグレード 1/144 スケール。', '299.00'),
  p('ty-labubu', 'toys', '泡泡玛特 Labubu 毛绒公仔', '泡泡玛特 Labubu 搪胶毛绒公仔，潮玩盲盒。', '99.00', [
    'new',
  ]),
  p('ty-nerf-en', 'toys', 'Nerf Elite 2.0 Blaster Toy', 'Foam dart blaster toy with 24 darts, for kids 8 and up.', '199.00'),
  p('ty-rubiks-cube', 'toys', '魔方 三阶 比赛专用 顺滑', '三阶魔方，比赛专用，磁力定位，顺滑不卡。', '39.00'),
  p('ty-kids-drone', 'toys', '儿童遥控飞机 无人机 航拍', '儿童遥控无人机，一键起飞，定高悬停，航拍玩具。', '259.00', ['gift']),

  // beauty
  p('bt-estee-cream', 'beauty', '雅诗兰黛 多效智妍面霜 50ml', '雅诗兰黛面霜，紧致淡纹，保湿滋润。', '890.00', ['premium']),
  p('bt-lancome-cream-tw', 'beauty', '蘭蔻 菁純面霜 50ml', '蘭蔻菁純面霜，修護滋潤，緊緻肌膚。', '9200.00', [
    'premium',
  ]),
  p('bt-ysl-lipstick', 'beauty', 'YSL 圣罗兰 小金条 口红', '圣罗兰哑光口红，小金条，显白持久。', '380.00', [
    'gift',
    '热卖',
  ]),
  p('bt-mac-lipstick', 'beauty', 'MAC 子弹头口红 Chili', 'MAC 魅可子弹头口红，哑光质地，经典色号。', '190.00'),
  p('bt-anessa', 'beauty', '安热沙 ANESSA 金瓶防晒霜 SPF50+', '安热沙金瓶防晒乳，防水防汗，户外高倍防晒。', '258.00', ['bestseller']),
  p('bt-biore-jp', 'beauty', 'ビオレ UV アクアリッチ 日焼け止め', 'ビオレの日焼け止めエッセンス。SPF50+ PA++++、みずみずしい使用感。', '89.00'),
  p('bt-larocheposay-tw', 'beauty', '理膚寶水 全護清爽防曬液 SPF50', '理膚寶水清爽防曬液，敏感肌適用，高效防曬。', '980.00'),
  p('bt-cerave-en', 'beauty', 'CeraVe Moisturizing Cream for Dry Skin', 'Face and body moisturizing cream with ceramides and hyaluronic acid.', '139.00'),
  p('bt-proya-mask', 'beauty', '珀莱雅 补水面膜 10片', '珀莱雅玻尿酸补水保湿面膜，10片装。', '99.00', [
    'sale',
  ]),
  p('bt-schwarzkopf', 'beauty', '施华蔻 洗发水 去屑控油 600ml', '施华蔻去屑控油洗发水，清爽蓬松。', '79.00'),
  p('bt-chanel-perfume', 'beauty', '香奈儿 Chanel 可可小姐 香水 50ml', '香奈儿可可小姐淡香水，东方花香调。', '1150.00', ['gift', 'premium']),
  p('bt-matte-lipstick-tw', 'beauty', '霧面唇膏 絲絨 顯白', '霧面絲絨唇膏，持久不沾杯，顯白色號。', '350.00'),

  // food
  p('fd-longjing', 'food', '西湖龙井 绿茶 明前特级 250g', '杭州西湖龙井绿茶，明前采摘，特级茶叶，礼盒装。', '398.00', ['gift']),
  p('fd-oolong-tw', 'food', '阿里山 高山烏龍茶 150g', '台灣阿里山高山烏龍茶，清香回甘。', '800.00'),
  p('fd-uji-matcha-jp', 'food', '宇治抹茶 粉末 100g', '京都宇治の抹茶パウダー。お菓子作りやラテに。', '129.00'),
  p('fd-yunnan-coffee', 'food', '云南小粒咖啡豆 中度烘焙 500g', '云南保山小粒咖啡豆，中度烘焙，新鲜烘焙可代磨粉。', '89.00', ['eco']),
  p('fd-lavazza-en', 'food', 'Lavazza Espresso Whole Bean Coffee 1kg', 'Italian espresso roast whole coffee beans, medium roast.', '169.00'),
  p('fd-mixed-nuts', 'food', '三只松鼠 每日坚果 混合坚果 30包', '三只松鼠每日坚果，混合坚果果干，独立小包装。', '129.00', ['热卖']),
  p('fd-pineapple-cake-tw', 'food', '台灣鳳梨酥 伴手禮 12入', '台灣鳳梨酥禮盒，土鳳梨內餡，送禮伴手禮。', '480.00', ['gift']),
  p('fd-tokyo-banana-jp', 'food', '東京ばな奈 お土産 8個入', '東京土産の定番、バナナカスタードのスポンジケーキ。', '99.00', ['gift']),
  p('fd-beef-noodles', 'food', '康师傅 红烧牛肉面 方便面 5连包', '康师傅经典红烧牛肉方便面，五连包。', '15.90'),
  p('fd-wuchang-rice', 'food', '五常大米 稻花香 5kg', '东北五常稻花香大米，当季新米，真空包装。', '79.00', [
    '包邮',
  ]),
  p('fd-dove-chocolate', 'food', '德芙 Dove 丝滑牛奶巧克力', '德芙牛奶巧克力，丝滑浓郁，分享装。', '39.90'),
  p('fd-sencha-en', 'food', 'Organic Japanese Sencha Green Tea Bags', 'Organic green tea from Japan, 50 tea bags.', '89.00', ['eco']),
  p('fd-tokyo-banana-cake', 'food', '东京香蕉蛋糕 日本伴手礼', '东京香蕉蛋糕，日本人气伴手礼，香蕉奶油夹心。', '109.00', ['gift']),
];

/**
 * Inserts the curated products that are not in `products` yet (by name), then links their tags through
 * product_tags (tags and categories must be seeded). Idempotent; returns how many rows it inserted.
 */
export async function seedCuratedProducts(pool: Pool): Promise<number> {
  const [cats] = (await pool.query('SELECT id, slug FROM categories')) as unknown as [
    Array<{ id: number; slug: string }>,
  ];
  const catId = new Map(cats.map((c) => [c.slug, Number(c.id)]));
  const names = CURATED_PRODUCTS.map((c) => c.name);
  const [have] = (await pool.query('SELECT name FROM products WHERE name IN (?)', [names])) as unknown as [
    Array<{ name: string }>,
  ];
  const present = new Set(have.map((r) => r.name));
  const rows = CURATED_PRODUCTS.filter((c) => !present.has(c.name)).map((c) => {
    const id = catId.get(c.category);
    if (id === undefined) throw new Error(`curated product ${c.key}: no category ${c.category}`);
    return [c.name, c.description, c.price, id, JSON.stringify(c.tags), 100, 'active'];
  });
  if (rows.length === 0) return 0;
  await pool.query(
    'INSERT INTO products (name, description, price, category_id, tags, stock, status) VALUES ?',
    [rows],
  );
  await pool.query(
    `INSERT IGNORE INTO product_tags (product_id, tag_id)
     SELECT p.id, t.id FROM products p JOIN tags t ON JSON_CONTAINS(p.tags, JSON_QUOTE(t.name))
     WHERE p.name IN (?)`,
    [names],
  );
  return rows.length;
}
