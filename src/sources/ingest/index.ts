import { decodeCanal } from './canal.js';
import { decodeDebezium } from './debezium.js';
import { type Decoder, type IngestFormat, invalid } from './decode-util.js';
import { decodeMaxwell } from './maxwell.js';

export { decodeCanal } from './canal.js';
export { decodeDebezium, isTombstoneEvent } from './debezium.js';
export {
  type Decoder,
  INGEST_FORMATS,
  type IngestFormat,
  type IngestMessage,
} from './decode-util.js';
export { parseIngestJson, splitMessages, UnparsableLine } from './json.js';
export { decodeMaxwell } from './maxwell.js';

const bodyOnly =
  (format: IngestFormat, decode: (body: unknown) => ReturnType<Decoder>): Decoder =>
  (message) => {
    if (message.value === null || message.value === undefined)
      throw invalid(format, 'value', 'empty message (tombstones exist only in Debezium)');
    return decode(message.value);
  };

/**
 * One decoder per format: message → change events. Each throws SynclineError('EVENT_INVALID',
 * '<format>: <field>: <reason>') on a malformed message and returns [] for messages that are not row
 * changes (DDL, bootstrap markers).
 */
export const decoders: Readonly<Record<IngestFormat, Decoder>> = {
  canal: bodyOnly('canal', decodeCanal),
  maxwell: (message) => {
    if (message.value === null || message.value === undefined)
      throw invalid('maxwell', 'value', 'empty message (tombstones exist only in Debezium)');
    return decodeMaxwell(message.value, message.key);
  },
  debezium: decodeDebezium,
};
