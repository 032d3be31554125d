import { canalRoutine, decodeCanal } from './canal.js';
import { debeziumRoutine, decodeDebezium } from './debezium.js';
import { type Decoder, type IngestFormat, type IngestMessage, invalid } from './decode-util.js';
import { decodeMaxwell, maxwellRoutine } from './maxwell.js';

export { decodeCanal } from './canal.js';
export { type DebeziumRoutine, debeziumRoutine, decodeDebezium, isTombstoneEvent } from './debezium.js';
export {
  type Decoder,
  INGEST_FORMATS,
  type IngestFormat,
  type IngestMessage,
} from './decode-util.js';
export { ignoredRecords } from './ignored-records.js';
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

/**
 * What a message that decodes to no change event is (schema-change, transaction, heartbeat…), for the
 * ignored count and the item's reason; undefined when the format does not say.
 */
export function routineKind(format: IngestFormat, message: IngestMessage): string | undefined {
  if (format === 'debezium') return debeziumRoutine(message);
  if (format === 'canal') return canalRoutine(message.value);
  return maxwellRoutine(message.value);
}
