import { Admin, Consumer, type Message } from '@platformatic/kafka';
import { closeQuietly } from '../../../src/kafka/close-quietly.js';
import { rootConnection } from '../../helpers/stack.js';

export const SHARED_BROKERS = ['127.0.0.1:9092'];

export function admin(brokers = SHARED_BROKERS): Admin {
  return new Admin({ clientId: 'syncline-test', bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
}

/** Deletes every topic whose name starts with `prefix` (and the test's consumer groups). */
export async function dropTopics(
  prefix: string,
  groups: string[] = [],
  brokers = SHARED_BROKERS,
): Promise<void> {
  const a = admin(brokers);
  try {
    const topics = (await a.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await a.deleteTopics({ topics });
    if (groups.length > 0) await a.deleteGroups({ groups }).catch(() => {});
  } finally {
    await a.close();
  }
}

/** Every message of a topic from the beginning (reads until `count` messages or the timeout). */
export async function readTopic(
  topic: string,
  count: number,
  brokers = SHARED_BROKERS,
  timeoutMs = 30_000,
): Promise<Message<Buffer, Buffer, Buffer, Buffer>[]> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'syncline-test-reader',
    groupId: `reader-${topic}-${Date.now()}`,
    bootstrapBrokers: brokers,
    maxWaitTime: 200,
  });
  const out: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  const deadline = setTimeout(() => void stream.close(), timeoutMs);
  try {
    for await (const m of stream) {
      out.push(m);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(deadline);
    await stream.close().catch(() => {});
    await closeQuietly(consumer);
  }
  return out;
}

export const header = (m: Message<Buffer, Buffer, Buffer, Buffer>, name: string): string | undefined => {
  for (const [k, v] of m.headers) if (k.toString() === name) return v.toString();
  return undefined;
};

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The committed checkpoint of a pipeline in the shared MariaDB (label and version), if any. */
export async function checkpointOf(
  pipeline: string,
): Promise<{ label: string; position: string } | undefined> {
  const c = await rootConnection();
  try {
    const [rows] = (await c.query('SELECT * FROM syncline.checkpoints WHERE pipeline = ?', [
      pipeline,
    ])) as unknown as [Array<Record<string, unknown>>];
    const r = rows[0];
    return r
      ? { label: String(r.label ?? ''), position: String(r.position ?? JSON.stringify(r)) }
      : undefined;
  } finally {
    await c.end();
  }
}

export async function deleteCheckpoints(names: string[]): Promise<void> {
  const c = await rootConnection();
  try {
    for (const n of names)
      await c.query('DELETE FROM syncline.checkpoints WHERE pipeline = ?', [n]).catch(() => {});
  } finally {
    await c.end();
  }
}
