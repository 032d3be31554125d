import type { ChangeEvent } from '../../core/change-event.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import {
  ignoredRecords,
  decoders as ingestDecoders,
  isTombstoneEvent,
  parseIngestJson,
  routineKind,
} from '../../sources/ingest/index.js';
import { fromSynclineDebezium, isSynclineDebezium } from '../debezium-form.js';
import { HEADER } from '../envelope.js';
import { decodeEventJson } from '../event-codec.js';
import { validateEvent } from './event-validation.js';
import { headerText, type RawMessage } from './raw-message.js';

/** What the messages of a Kafka source's topics are. */
export type KafkaSourceFormat = 'syncline' | 'debezium' | 'canal' | 'maxwell';

/** Message → change events; throws SynclineError EVENT_INVALID (the reason) for a poison message. */
export type MessageDecoder = (m: RawMessage) => ChangeEvent[];

const invalid = (format: string, reason: string) =>
  new SynclineError('EVENT_INVALID', `${format}: ${reason}`, { details: { format } });

/**
 * syncline: the native envelope (event-json). debezium: Syncline's own Debezium form decodes exactly
 * (its syncline_version); any other Debezium envelope — with or without schema — and Canal / Maxwell go
 * through the ingest decoders (src/sources/ingest, docs/ingest.md). Debezium tombstones are skipped: the
 * delete before them already removed the document.
 */
export function createMessageDecoder(format: KafkaSourceFormat): MessageDecoder {
  if (format === 'syncline') {
    return (m) => {
      // A null value is a compaction tombstone: nothing to index.
      if (m.value === undefined || m.value.length === 0) return [];
      let parsed: unknown;
      try {
        parsed = decodeEventJson(m.value.toString('utf8'));
      } catch (e) {
        throw invalid('syncline', `value is not JSON (${errorMessage(e)})`);
      }
      return [validateEvent(parsed)];
    };
  }
  const foreign = ingestDecoders[format];
  return (m) => {
    let value: unknown = null;
    if (m.value !== undefined && m.value.length > 0) {
      try {
        value = parseIngestJson(m.value);
      } catch (e) {
        throw invalid(format, `value is not JSON (${errorMessage(e)})`);
      }
    }
    if (format === 'debezium' && isSynclineDebezium(value)) {
      const binary = headerText(m, HEADER.binary);
      try {
        return [
          validateEvent(
            fromSynclineDebezium(value, headerText(m, HEADER.key), binary ? binary.split(',') : []),
          ),
        ];
      } catch (e) {
        if (e instanceof SynclineError) throw e;
        throw invalid('debezium', errorMessage(e));
      }
    }
    const message = { key: parseKey(m.key), value, topic: m.topic };
    const events = foreign(message);
    if (events.length === 0) ignoredRecords.add(format, routineKind(format, message) ?? 'not a row change');
    if (format !== 'debezium' || !events.some(isTombstoneEvent)) return events;
    ignoredRecords.add(format, 'tombstone');
    return events.filter((ev) => !isTombstoneEvent(ev));
  };
}

/** A JSON key (Debezium's key struct, Maxwell's key object) parsed; any other key as its text. */
function parseKey(key: Buffer | undefined): unknown {
  if (key === undefined || key.length === 0) return undefined;
  const text = key.toString('utf8');
  try {
    return parseIngestJson(text);
  } catch {
    return text;
  }
}
