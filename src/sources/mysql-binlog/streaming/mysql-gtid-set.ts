/**
 * MySQL GTIDs: `uuid:gno` or, since 8.3, `uuid:tag:gno`. A *set* (the @@gtid_executed / @@gtid_purged
 * form, e.g. "3e11fa47-…:1-5:11-18:tag_a:1-3,2c256447-…:1-27") lists every transaction executed, per
 * source: a (uuid, tag) pair numbers its transactions on its own, from 1.
 */
export interface MysqlGtid {
  /** `uuid` or `uuid:tag`, lowercase. */
  readonly source: string;
  readonly gno: bigint;
}

type Interval = readonly [bigint, bigint];

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const TAG_RE = /^[a-z_][a-z0-9_]{0,31}$/i;

function normaliseUuid(text: string): string {
  const t = text.trim().toLowerCase();
  if (!UUID_RE.test(t)) throw new Error(`not a server uuid: '${text}'`);
  const h = t.replace(/-/g, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function positive(text: string, whole: string): bigint {
  if (!/^\d+$/.test(text.trim())) throw new Error(`invalid GTID number '${text}' in '${whole}'`);
  const n = BigInt(text.trim());
  if (n < 1n) throw new Error(`GTID numbers start at 1: '${whole}'`);
  return n;
}

export function parseMysqlGtid(text: string): MysqlGtid {
  const parts = text.trim().split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new Error(`not a MySQL GTID (uuid[:tag]:number): '${text}'`);
  const uuid = normaliseUuid(parts[0]!);
  if (parts.length === 3 && !TAG_RE.test(parts[1]!.trim())) throw new Error(`invalid GTID tag in '${text}'`);
  const source = parts.length === 3 ? `${uuid}:${parts[1]!.trim().toLowerCase()}` : uuid;
  return { source, gno: positive(parts[parts.length - 1]!, text) };
}

export function formatMysqlGtid(g: MysqlGtid): string {
  return `${g.source}:${g.gno}`;
}

/**
 * An immutable MySQL GTID set. Its text and count are computed once: the reader derives a set per
 * transaction (add) and prints it twice, and a server that saw failovers has dozens of uuids in it.
 */
export class MysqlGtidSet {
  private text: string | undefined;

  private constructor(
    private readonly sources: ReadonlyMap<string, readonly Interval[]>,
    private size?: bigint,
    /** The sources in the text's order, when known (a set derived by add() over a known source keeps it). */
    private sorted?: readonly string[],
  ) {}

  static readonly EMPTY = new MysqlGtidSet(new Map());

  /** '' is the empty set; whitespace and newlines (as the server prints long sets) are ignored. */
  static parse(text: string): MysqlGtidSet {
    const out = new Map<string, Interval[]>();
    for (const entry of text.replace(/\s+/g, '').split(',')) {
      if (entry === '') continue;
      const items = entry.split(':');
      const uuid = normaliseUuid(items[0]!);
      let source = uuid;
      let count = 0;
      for (const item of items.slice(1)) {
        if (TAG_RE.test(item)) {
          source = `${uuid}:${item.toLowerCase()}`;
          continue;
        }
        const [a, b, more] = item.split('-');
        if (more !== undefined) throw new Error(`invalid GTID interval '${item}' in '${entry}'`);
        const start = positive(a ?? '', entry);
        const end = b === undefined ? start : positive(b, entry);
        if (end < start) throw new Error(`invalid GTID interval '${item}' in '${entry}'`);
        out.set(source, [...(out.get(source) ?? []), [start, end]]);
        count += 1;
      }
      if (count === 0) throw new Error(`GTID set entry without intervals: '${entry}'`);
    }
    return new MysqlGtidSet(new Map([...out].map(([s, iv]) => [s, merge(iv)])));
  }

  get isEmpty(): boolean {
    return this.sources.size === 0;
  }

  /** The number of transactions in the set. */
  get count(): bigint {
    if (this.size === undefined) {
      let n = 0n;
      for (const iv of this.sources.values()) for (const [a, b] of iv) n += b - a + 1n;
      this.size = n;
    }
    return this.size;
  }

  contains(g: MysqlGtid): boolean {
    return (this.sources.get(g.source) ?? []).some(([a, b]) => g.gno >= a && g.gno <= b);
  }

  /** True when every transaction of `other` is in this set. */
  includes(other: MysqlGtidSet): boolean {
    for (const [source, ivs] of other.sources) {
      const mine = this.sources.get(source) ?? [];
      for (const [a, b] of ivs) if (!mine.some(([x, y]) => x <= a && b <= y)) return false;
    }
    return true;
  }

  /**
   * The number of transactions of this set up to `g` in binlog order, taking a source's numbers as
   * assigned in commit order: every transaction of the other sources, plus those of g's source up to g.
   */
  countThrough(g: MysqlGtid): bigint {
    let later = 0n;
    for (const [a, b] of this.sources.get(g.source) ?? []) {
      if (b > g.gno) later += b - (a > g.gno ? a : g.gno + 1n) + 1n;
    }
    return this.count - later;
  }

  add(g: MysqlGtid): MysqlGtidSet {
    const ivs = this.sources.get(g.source) ?? [];
    const last = ivs[ivs.length - 1];
    const next = new Map(this.sources);
    if (last && last[1] + 1n === g.gno) {
      // The common case: the source's next number extends its last interval.
      next.set(g.source, [...ivs.slice(0, -1), [last[0], g.gno]]);
    } else {
      if (this.contains(g)) return this;
      next.set(g.source, merge([...ivs, [g.gno, g.gno]]));
    }
    return new MysqlGtidSet(
      next,
      this.size === undefined ? undefined : this.size + 1n,
      last ? this.sorted : undefined,
    );
  }

  /** Transactions of this set that `other` lacks. */
  minus(other: MysqlGtidSet): MysqlGtidSet {
    const out = new Map<string, Interval[]>();
    for (const [source, ivs] of this.sources) {
      let rest: Interval[] = [...ivs];
      for (const [x, y] of other.sources.get(source) ?? []) {
        rest = rest.flatMap(([a, b]): Interval[] => {
          if (y < a || x > b) return [[a, b]];
          const parts: Interval[] = [];
          if (a < x) parts.push([a, x - 1n]);
          if (y < b) parts.push([y + 1n, b]);
          return parts;
        });
      }
      if (rest.length > 0) out.set(source, rest);
    }
    return new MysqlGtidSet(out);
  }

  /** The server's notation: sources sorted, the untagged intervals of a uuid before its tags. */
  toString(): string {
    this.text ??= this.format();
    return this.text;
  }

  private format(): string {
    // Sorted, a uuid's untagged intervals ('uuid') come before its tags ('uuid:tag'), as the server prints.
    this.sorted ??= [...this.sources.keys()].sort();
    let out = '';
    let previous = '';
    for (const source of this.sorted) {
      const ivs = this.sources.get(source)!;
      let ranges = RANGES.get(ivs);
      if (ranges === undefined) {
        ranges = ivs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(':');
        RANGES.set(ivs, ranges);
      }
      const uuid = source.slice(0, 36);
      const part = source.length > 36 ? `${source.slice(37)}:${ranges}` : ranges;
      out += uuid === previous ? `:${part}` : `${out === '' ? '' : ','}${uuid}:${part}`;
      previous = uuid;
    }
    return out;
  }
}

/** The text of a source's intervals: interval lists are immutable and shared by the sets derived by add(). */
const RANGES = new WeakMap<readonly Interval[], string>();

function merge(ivs: readonly Interval[]): Interval[] {
  const sorted = [...ivs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1n) {
      if (b > last[1]) last[1] = b;
    } else out.push([a, b]);
  }
  return out;
}
