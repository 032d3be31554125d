/**
 * Calendar arithmetic without `Date` (which has millisecond precision, maps years 0–99 to 1900–1999
 * and knows only the process zone), plus the zones DATETIME values may be declared in.
 */

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil: [year, month 1–12, day 1–31]. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** "YYYY-MM-DDTHH:MM:SS.ffffffZ" from UTC epoch seconds and six fraction digits. */
export function formatUtc(epochSeconds: number, micros: string): string {
  const days = Math.floor(epochSeconds / 86400);
  let rest = epochSeconds - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const hh = Math.floor(rest / 3600);
  rest -= hh * 3600;
  const mm = Math.floor(rest / 60);
  const ss = rest - mm * 60;
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${micros}Z`;
}

/** ISO 8601: four digits for 0000–9999, the expanded ±YYYYYY form outside (a zone shift can leave the range). */
export function formatYear(y: number): string {
  if (y >= 0 && y <= 9999) return pad(y, 4);
  return (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
}

/**
 * A zone as a function from a local wall-clock time (seconds since 1970-01-01T00:00 of that wall clock)
 * to the UTC offset in seconds that applies there.
 */
export type ZoneOffset = (wallSeconds: number) => number;

const FIXED = /^(?:UTC|GMT|Z)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const cache = new Map<string, ZoneOffset>();

/**
 * Parses "UTC" / "Z" / "+08:00" / "-0530" / an IANA name ("Asia/Shanghai"). For IANA zones a wall time
 * that occurs twice (clocks set back) resolves to the earlier instant, and one that does not occur
 * (clocks set forward) is shifted forward by the gap — the "compatible" rule of Temporal and java.time.
 * Throws RangeError on an unknown zone.
 */
export function parseZone(zone: string): ZoneOffset {
  const cached = cache.get(zone);
  if (cached) return cached;
  const z = zone.trim();
  let fn: ZoneOffset;
  if (/^(?:UTC|GMT|Z|Etc\/UTC|[+-]00:?00)$/i.test(z)) fn = () => 0;
  else {
    const m = FIXED.exec(z);
    if (m) {
      const hours = Number(m[2]);
      const minutes = Number(m[3] ?? 0);
      if (hours > 18 || minutes > 59) throw new RangeError(`invalid UTC offset "${zone}"`);
      const offset = (m[1] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
      fn = () => offset;
    } else fn = ianaZone(z);
  }
  cache.set(zone, fn);
  return fn;
}

function ianaZone(zone: string): ZoneOffset {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`unknown time zone "${zone}" (use UTC, an offset like +08:00, or an IANA name)`);
  }
  /** Offset in effect at a UTC instant: the zone's wall clock minus UTC. */
  const offsetAt = (utcSeconds: number): number => {
    const parts: Record<string, string> = {};
    for (const p of fmt.formatToParts(new Date(utcSeconds * 1000))) parts[p.type] = p.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
    const wall =
      daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 +
      Number(parts.hour) * 3600 +
      Number(parts.minute) * 60 +
      Number(parts.second);
    return wall - utcSeconds;
  };
  // Offsets of whole wall-clock hours with no transition within a day around them; rows cluster in
  // time, so most conversions are one Map lookup instead of three Intl calls.
  const steady = new Map<number, number>();
  return (wall: number) => {
    const hour = Math.floor(wall / 3600);
    const known = steady.get(hour);
    if (known !== undefined) return known;
    const edgeBefore = offsetAt(hour * 3600 - 86400);
    if (edgeBefore === offsetAt(hour * 3600 + 3600 + 86400)) {
      if (steady.size >= 10_000) steady.clear();
      steady.set(hour, edgeBefore);
      return edgeBefore;
    }
    const before = offsetAt(wall - 86400);
    const after = offsetAt(wall + 86400);
    let best: number | undefined;
    for (const o of before === after ? [before] : [before, after]) {
      const t = wall - o;
      if (offsetAt(t) === o && (best === undefined || t < wall - best)) best = o;
    }
    // In a gap no offset fits: the pre-transition offset moves the time forward by the gap.
    return best ?? before;
  };
}
