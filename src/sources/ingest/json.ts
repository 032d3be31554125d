import { parseJsonText } from '../../mapping/json-text.js';

/**
 * An ingest body (HTTP) or message (Kafka) → value, every number literal with more than 15 significant
 * digits kept as its exact text (a BIGINT past 2^53, a long DECIMAL that Maxwell writes as a number).
 */
export function parseIngestJson(input: string | Buffer): unknown {
  return parseJsonText(typeof input === 'string' ? input : input.toString('utf8'), 'long-numbers');
}

/**
 * An HTTP body or a Kafka value that holds one message, a JSON array of messages, or NDJSON (one message
 * per line). Returns the messages and whether the body was a single one.
 */
export function splitMessages(text: string): { messages: unknown[]; single: boolean } {
  const trimmed = text.trim();
  if (trimmed === '') return { messages: [], single: false };
  if (trimmed.startsWith('[')) {
    const v = parseIngestJson(trimmed);
    return { messages: Array.isArray(v) ? v : [v], single: false };
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 1) return { messages: [parseIngestJson(lines[0]!)], single: true };
  return { messages: lines.map((l) => parseLine(l)), single: false };
}

/** An NDJSON line that is not JSON becomes a marker the decoder rejects with the reason. */
export class UnparsableLine {
  constructor(readonly reason: string) {}
}

function parseLine(line: string): unknown {
  try {
    return parseIngestJson(line);
  } catch (e) {
    return new UnparsableLine(`not valid JSON (${(e as Error).message})`);
  }
}
