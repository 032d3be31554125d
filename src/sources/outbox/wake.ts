/**
 * In-process wake-ups: a write path that committed an outbox row tells the relay of that outbox table
 * in the same process, so it reads at once instead of at its next poll. Relays in other processes rely
 * on polling (source.pollIntervalMs).
 */
const listeners = new Map<string, Set<() => void>>();

const keyOf = (outboxTable: string) => outboxTable.toLowerCase();

export function notifyOutbox(outboxTable: string): void {
  const set = listeners.get(keyOf(outboxTable));
  if (set) for (const fn of set) fn();
}

/** Registers `fn` for commits to `outboxTable`; returns the unsubscribe function. */
export function onOutboxWrite(outboxTable: string, fn: () => void): () => void {
  const key = keyOf(outboxTable);
  const set = listeners.get(key) ?? new Set<() => void>();
  listeners.set(key, set);
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0) listeners.delete(key);
  };
}
