import { TEST_SOURCE } from '../../helpers/stack.js';

/**
 * MariaDB's own types (UUID, INET4, INET6) are left out on MySQL (the "mysql" vitest project), which has
 * none of them; every other column is the same on both servers.
 */
const MARIADB_TYPES = TEST_SOURCE === 'mariadb';

/** A table with every column type the mapping converts, and rows exercising their edge values. */
export const EVERY_TYPE_DDL = (table: string) => `
CREATE TABLE ${table} (
  id BIGINT UNSIGNED NOT NULL,
  lang CHAR(2) NOT NULL DEFAULT 'en',
  ti TINYINT, uti TINYINT UNSIGNED, flag TINYINT(1), bool_col BOOLEAN,
  si SMALLINT, mi MEDIUMINT, i INT, ui INT UNSIGNED, bi BIGINT, ubi BIGINT UNSIGNED,
  price DECIMAL(12,2), wide DECIMAL(65,30), f FLOAT, f74 FLOAT(7,4), d DOUBLE, d103 DOUBLE(10,3),
  b1 BIT(1), b10 BIT(10), b64 BIT(64),
  dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL DEFAULT NULL, dte DATE, tm TIME(6), tm2 TIME(2), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tt TINYTEXT, txt TEXT, mt MEDIUMTEXT, lt LONGTEXT, latin VARCHAR(20) CHARACTER SET latin1,
  bin BINARY(4), vbin VARBINARY(10), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  e ENUM('small','medium','it''s','a,b'), s SET('red','green','blue'),
  j JSON,${MARIADB_TYPES ? ' u UUID, ip4 INET4, ip6 INET6,' : ''}
  PRIMARY KEY (id, lang)
) DEFAULT CHARSET=utf8mb4`;

/** Inserted with sql_mode '' (zero dates allowed) and time_zone '+00:00'. */
export const EVERY_TYPE_ROWS = (table: string) => `
INSERT INTO ${table} VALUES
 (18446744073709551615, 'zh', -128, 255, 1, 0, -32768, -8388608, -2147483648, 4294967295,
  -9223372036854775808, 18446744073709551615,
  10.50, '12345678901234567890123456789012345.123456789012345678901234567890', 123456789, 123.4567,
  0.30000000000000004, 1.23456,
  b'1', b'1000000001', b'1111111111111111111111111111111111111111111111111111111111111111',
  '2024-01-02 03:04:05.123456', '1000-01-01 00:00:00', '2024-01-02 03:04:05.123456', '2024-02-29',
  '-838:59:59.000000', '-00:00:01.5', 2155,
  'char', '华为手机 Mate 60 😀', 'tiny', 'Apple phone case', REPEAT('长文本', 1000), 'long', 'café €',
  'ab', 'xy\\0', 'tiny', 'blob', 'medium', 'long',
  'it''s', 'red,blue',
  '{"a":12345678901234567890,"b":[1,2.50],"c":{"d":"中文"}}'${MARIADB_TYPES ? ", '6ccd780c-baba-1026-9564-5b8c656024db', '192.168.0.1', '2001:db8::1'" : ''}),
 (1, 'en', 0, 0, 0, 1, 0, 0, 0, 0, 9007199254740993, 9007199254740991,
  -0.01, 0, 0.1234567, -1.5, -0.5, 0, b'0', b'0', b'0',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00',
  '00:00:00', '-00:00:00.01', 0,
  '', '', '', '', '', '', '',
  '', '', '', '', '', '',
  'a,b', '', '[]'${MARIADB_TYPES ? ", '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::ffff:1.2.3.4'" : ''}),
 (2, 'en', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL${MARIADB_TYPES ? ', NULL, NULL, NULL' : ''})`;
