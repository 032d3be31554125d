/** A consumed Kafka record as the Kafka source handles it (bytes untouched, for the DLQ copy). */
export interface RawMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | undefined;
  readonly value: Buffer | undefined;
  readonly headers: ReadonlyMap<string, Buffer>;
  readonly timestamp: bigint;
}

export function headerText(m: RawMessage, name: string): string | undefined {
  return m.headers.get(name)?.toString('utf8');
}

/** `topic[partition]@offset`, for logs and reasons. */
export function where(m: RawMessage): string {
  return `${m.topic}[${m.partition}]@${m.offset}`;
}
