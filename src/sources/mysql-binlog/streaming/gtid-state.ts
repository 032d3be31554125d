import {
  advance,
  formatGtid,
  formatGtidPosition,
  type Gtid,
  type GtidPosition,
  hasReached,
  parseGtid,
  parseGtidPosition,
} from './gtid.js';
import { formatMysqlGtid, type MysqlGtid, MysqlGtidSet, parseMysqlGtid } from './mysql-gtid-set.js';

/** Which GTID dialect a server speaks: detected once from its variables (see serverGtidState). */
export type Flavour = 'mariadb' | 'mysql';

/** One transaction's GTID in either dialect. */
export type AnyGtid = Gtid | MysqlGtid;

export function isMysqlGtid(g: AnyGtid): g is MysqlGtid {
  return 'source' in g;
}

export function gtidText(g: AnyGtid): string {
  return isMysqlGtid(g) ? formatMysqlGtid(g) : formatGtid(g);
}

/** `domain-server-seq` (MariaDB) or `uuid[:tag]:gno` (MySQL). */
export function parseAnyGtid(text: string): AnyGtid {
  return text.includes(':') ? parseMysqlGtid(text) : parseGtid(text);
}

/**
 * Everything a server has executed, in either dialect: a MariaDB GTID position (last transaction per
 * domain) or a MySQL GTID set. Checkpoints store its text; the dialect is told by the text itself (a MySQL
 * set has ':'), and the empty state ('') takes the dialect of the first transaction added to it.
 *
 * `count` is the sequence part of every binlog version (docs/guarantees.md, "Versions"): the number of
 * transactions executed up to and including this point. On MySQL it is the size of the set; on MariaDB the
 * sum of the domains' sequence numbers (each domain numbers its own transactions). It grows by at least one
 * with every transaction, whichever server uuid, tag or domain wrote it, and a replica that took over
 * from the primary has the same executed transactions, so the same count.
 */
export class GtidState {
  /** The text, once asked for (the state is immutable; the reader prints each state more than once). */
  private text: string | undefined;

  private constructor(
    private readonly maria: GtidPosition | undefined,
    private readonly my: MysqlGtidSet | undefined,
  ) {}

  static readonly EMPTY = new GtidState(undefined, undefined);

  static parse(text: string): GtidState {
    const t = text.trim();
    if (t === '') return GtidState.EMPTY;
    if (t.includes(':')) return new GtidState(undefined, MysqlGtidSet.parse(t));
    return new GtidState(parseGtidPosition(t), undefined);
  }

  static isValid(text: string): boolean {
    try {
      GtidState.parse(text);
      return true;
    } catch {
      return false;
    }
  }

  /** undefined while empty. */
  get flavour(): Flavour | undefined {
    if (this.my && !this.my.isEmpty) return 'mysql';
    if (this.maria && this.maria.size > 0) return 'mariadb';
    return undefined;
  }

  get isEmpty(): boolean {
    return this.flavour === undefined;
  }

  get count(): bigint {
    if (this.my) return this.my.count;
    let n = 0n;
    for (const g of this.maria?.values() ?? []) n += g.seqNo;
    return n;
  }

  /**
   * The version sequence of transaction `g`, from a state read after it committed (`this` must contain
   * it): the count of the state as it was right after g. Exact when nothing of another domain / source
   * committed between g and the read; a later transaction of g's own domain / source does not matter.
   */
  sequenceThrough(g: AnyGtid): bigint {
    if (isMysqlGtid(g)) return (this.my ?? MysqlGtidSet.EMPTY).add(g).countThrough(g);
    let n = g.seqNo;
    for (const d of this.maria?.values() ?? []) if (d.domainId !== g.domainId) n += d.seqNo;
    return n;
  }

  /** The state after `g` committed. */
  add(g: AnyGtid): GtidState {
    if (isMysqlGtid(g)) {
      if (this.maria?.size) throw new Error(`MySQL GTID ${gtidText(g)} on a MariaDB position ${this}`);
      return new GtidState(undefined, (this.my ?? MysqlGtidSet.EMPTY).add(g));
    }
    if (this.my && !this.my.isEmpty)
      throw new Error(`MariaDB GTID ${gtidText(g)} on a MySQL GTID set ${this}`);
    return new GtidState(advance(this.maria ?? new Map(), g), undefined);
  }

  /** True when the transaction `g` is part of this state. */
  contains(g: AnyGtid): boolean {
    if (isMysqlGtid(g)) return this.my?.contains(g) ?? false;
    const mine = this.maria?.get(g.domainId);
    return mine !== undefined && mine.seqNo >= g.seqNo;
  }

  /** True when this state has reached everything in `target` (a MariaDB domain: same or later sequence). */
  includes(target: GtidState): boolean {
    if (target.isEmpty) return true;
    if (target.my) return (this.my ?? MysqlGtidSet.EMPTY).includes(target.my);
    return hasReached(this.maria ?? new Map(), target.maria ?? new Map());
  }

  /** MySQL: the transactions of this set missing from `other` ('' when none). MariaDB: not defined. */
  missingFrom(other: GtidState): string {
    if (!this.my) return '';
    return this.my.minus(other.my ?? MysqlGtidSet.EMPTY).toString();
  }

  /** MariaDB: the last transaction per domain. */
  get domains(): readonly Gtid[] {
    return [...(this.maria?.values() ?? [])];
  }

  toString(): string {
    this.text ??= this.my ? this.my.toString() : formatGtidPosition(this.maria ?? new Map());
    return this.text;
  }
}
