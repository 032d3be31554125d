import { type ChangeEvent, MAX_VERSION } from '../../core/change-event.js';
import { SynclineError } from '../../core/errors.js';

const OPS = new Set(['c', 'u', 'd', 'r', 't']);

const bad = (field: string, reason: string) =>
  new SynclineError('EVENT_INVALID', `syncline: ${field}: ${reason}`, {
    details: { format: 'syncline', field },
  });

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);

/**
 * Checks that a decoded value is a change event in Syncline's envelope (docs/events.md) before the
 * pipeline sees it; anything else is a poison message, rejected with the field that is wrong.
 */
export function validateEvent(v: unknown): ChangeEvent {
  if (!isObject(v)) throw bad('value', 'expected a JSON object');
  if (typeof v.op !== 'string' || !OPS.has(v.op))
    throw bad('op', `expected c, u, d, r or t, got ${JSON.stringify(v.op)}`);
  for (const f of ['before', 'after'] as const) {
    if (v[f] !== null && !isObject(v[f])) throw bad(f, 'expected an object or null');
  }
  if (!isObject(v.key)) throw bad('key', 'expected an object');
  const s = v.source;
  if (!isObject(s)) throw bad('source', 'expected an object');
  for (const f of ['connector', 'database', 'table'] as const) {
    if (typeof s[f] !== 'string' || s[f] === '') throw bad(`source.${f}`, 'expected a non-empty string');
  }
  const p = s.position;
  if (!isObject(p)) throw bad('source.position', 'expected an object');
  if (typeof p.version !== 'bigint' || p.version < 0n || p.version > MAX_VERSION)
    throw bad('source.position.version', 'expected {"$bigint":"<0..2^63-1>"}');
  if (!isObject(p.checkpoint)) throw bad('source.position.checkpoint', 'expected an object');
  if (typeof p.label !== 'string') throw bad('source.position.label', 'expected a string');
  if (typeof s.snapshot !== 'boolean') throw bad('source.snapshot', 'expected true or false');
  if (typeof s.tsMs !== 'number') throw bad('source.tsMs', 'expected a number');
  if (v.transaction !== undefined) {
    const t = v.transaction;
    if (!isObject(t) || typeof t.id !== 'string' || typeof t.order !== 'number')
      throw bad('transaction', 'expected {id: string, order: number}');
  }
  if ((v.op === 'c' || v.op === 'r' || v.op === 'u') && !v.after)
    throw bad('after', `op ${v.op} needs "after"`);
  if (v.op === 'd' && !v.before && Object.keys(v.key).length === 0)
    throw bad('before', 'a delete needs "before" or a non-empty "key"');
  return v as unknown as ChangeEvent;
}
