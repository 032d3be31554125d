import { murmur2 } from '@platformatic/kafka';
import type { ChangeEvent } from '../core/change-event.js';
import { escapeIdPart, idPart } from '../mapping/document-id.js';

/**
 * The Kafka message key of an event: `database.table|<key>` where <key> is the key values in their
 * canonical string form (the document-id rules of docs/mapping.md: a BIGINT read as the number 7 by the
 * binlog reader and as the string "7" by the snapshot reader both give "7"), escaped and joined by '|'.
 * The same row therefore always has the same key, lands on the same partition, and its changes keep
 * their order. A truncate has no key columns: its key is `database.table`.
 */
export function messageKey(ev: ChangeEvent): string {
  const table = `${ev.source.database}.${ev.source.table}`;
  const values = Object.entries(ev.key);
  if (values.length === 0) return table;
  return `${table}|${values.map(([column, v]) => escapeIdPart(keyPart(v, column))).join('|')}`;
}

function keyPart(value: unknown, column: string): string {
  // A NULL in a unique key is legal in MariaDB; it still needs a stable partition.
  if (value === null || value === undefined) return '\u0000null';
  return idPart(value, column);
}

/**
 * Partition of a key: murmur2 of its UTF-8 bytes, positive, modulo the partition count — the Java
 * client's default partitioner, so other producers of the same keys agree with Syncline.
 */
export function partitionOf(key: string | Buffer, partitions: number): number {
  // murmur2 hashes a string's UTF-8 bytes too, but caches every string it sees: pass bytes.
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}
