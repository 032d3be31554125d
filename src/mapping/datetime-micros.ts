/**
 * Instants in microseconds, the precision of DATETIME(6)/TIMESTAMP(6): `Date` keeps milliseconds only,
 * and versions, polling bounds and the server's clock need all six digits.
 */

/**
 * The groups of a date/time match — year, month, day, hour, minute, second, then a fraction of up to six
 * digits (optional) — as microseconds since the epoch, read as UTC. Each caller's pattern says which
 * texts it accepts.
 */
export function microsFromMatch(m: RegExpExecArray): bigint {
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

/** Microseconds since the epoch as UTC `YYYY-MM-DD hh:mm:ss.ffffff`, the text such a column compares with. */
export function microsText(micros: bigint): string {
  const d = new Date(Number(micros / 1000n)).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)}.${String(micros % 1_000_000n).padStart(6, '0')}`;
}
