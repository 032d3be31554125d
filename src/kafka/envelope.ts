import type { ChangeEvent } from '../core/change-event.js';
import { toJson } from '../core/event-json.js';
import { toDebezium } from './debezium-form.js';
import { encodeEventJson } from './event-codec.js';
import { messageKey } from './message-key.js';

/** What the Kafka sink writes as the message value. Documented in docs/kafka.md#the-envelope. */
export type KafkaSinkFormat = 'syncline' | 'debezium';

/** Header names every message carries (values are UTF-8 strings). */
export const HEADER = {
  /** c, u, d, r, t */
  op: 'syncline-op',
  /** The external document version, decimal. */
  version: 'syncline-version',
  /** The source position, for people ("gtid 0-1-1234"). */
  position: 'syncline-position',
  /** database.table */
  table: 'syncline-table',
  /** syncline | debezium */
  format: 'syncline-format',
  /** The key columns as JSON (event-json form); lets the Debezium form decode back exactly. */
  key: 'syncline-key',
  /** Debezium form only: columns whose values were bytes, written as base64 strings. */
  binary: 'syncline-binary',
} as const;

export interface EncodedMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** One change event as one Kafka message: key (see message-key.ts), value in `format`, headers. */
export function encodeEvent(ev: ChangeEvent, format: KafkaSinkFormat, pipeline: string): EncodedMessage {
  const headers: Record<string, string> = {
    [HEADER.op]: ev.op,
    [HEADER.version]: ev.source.position.version.toString(),
    [HEADER.position]: ev.source.position.label,
    [HEADER.table]: `${ev.source.database}.${ev.source.table}`,
    [HEADER.format]: format,
  };
  let value: string;
  if (format === 'debezium') {
    const { envelope, binaryColumns } = toDebezium(ev, pipeline);
    value = JSON.stringify(envelope);
    headers[HEADER.key] = toJson(ev.key);
    if (binaryColumns.length > 0) headers[HEADER.binary] = binaryColumns.join(',');
  } else {
    value = encodeEventJson(ev);
  }
  return { key: messageKey(ev), value: Buffer.from(value, 'utf8'), headers };
}
