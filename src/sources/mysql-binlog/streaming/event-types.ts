/**
 * The binlog's common event header and the event type codes the decoders here read from the packet bytes
 * (MySQL libbinlogevents binlog_event.h, MariaDB sql/log_event.h). The header: timestamp 4, type 1,
 * server id 4, event length 4, next position 4, flags 2.
 */
export const EVENT_HEADER = 19;

export const QUERY_EVENT = 2;
export const XID_EVENT = 16;
export const TABLE_MAP_EVENT = 19;
/** WRITE / UPDATE / DELETE_ROWS, v1 (23–25) and v2 (30–32). */
export const WRITE_ROWS_V1 = 23;
export const DELETE_ROWS_V1 = 25;
export const WRITE_ROWS_V2 = 30;
export const DELETE_ROWS_V2 = 32;
export const GTID_LOG_EVENT = 33;
/** MySQL 8.0.20+: a compressed transaction. */
export const TRANSACTION_PAYLOAD_EVENT = 40;
export const MARIADB_GTID_EVENT = 162;
/** MariaDB's compressed rows events (log_bin_compress): v1 WRITE 0xa6 … DELETE 0xa8, then 0xa9 … 0xab. */
export const WRITE_ROWS_COMPRESSED_V1 = 0xa6;
export const WRITE_ROWS_COMPRESSED = 0xa9;
export const DELETE_ROWS_COMPRESSED = 0xab;
