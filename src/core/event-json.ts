import type { ChangeEvent, Position } from './change-event.js';

/**
 * JSON form of events and positions for the checkpoint and dead-letter tables: bigints as
 * {"$bigint":"…"}, Buffers as {"$base64":"…"}, so a stored event replays exactly as it was captured.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key, v) {
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (Buffer.isBuffer(raw)) return { $base64: raw.toString('base64') };
    return v;
  });
}

export function fromJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$bigint' && typeof v.$bigint === 'string')
        return BigInt(v.$bigint);
      if (keys.length === 1 && keys[0] === '$base64' && typeof v.$base64 === 'string') {
        return Buffer.from(v.$base64, 'base64');
      }
    }
    return v;
  }) as T;
}

export const eventToJson = (ev: ChangeEvent): string => toJson(ev);
export const eventFromJson = (text: string): ChangeEvent => fromJson<ChangeEvent>(text);
export const positionToJson = (p: Position): string => toJson(p);
export const positionFromJson = (text: string): Position => fromJson<Position>(text);
