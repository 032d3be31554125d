/**
 * MariaDB GTIDs: `domain-server-sequence`. A *position* (the @@gtid_binlog_pos / @slave_connect_state
 * form, e.g. "0-1-1234,1-2-55") holds the last transaction per replication domain; inside one domain the
 * binlog order is total, so one triple per domain describes everything before it.
 */
export interface Gtid {
  readonly domainId: number;
  readonly serverId: number;
  /** u64 in MariaDB: kept exact as bigint. */
  readonly seqNo: bigint;
}

/** domainId → last transaction of that domain. */
export type GtidPosition = ReadonlyMap<number, Gtid>;

const GTID_RE = /^(\d+)-(\d+)-(\d+)$/;

export function parseGtid(text: string): Gtid {
  const m = GTID_RE.exec(text.trim());
  if (!m) throw new Error(`not a MariaDB GTID (domain-server-sequence): '${text}'`);
  return { domainId: Number(m[1]), serverId: Number(m[2]), seqNo: BigInt(m[3]!) };
}

export function formatGtid(g: Gtid): string {
  return `${g.domainId}-${g.serverId}-${g.seqNo}`;
}

/** '' (nothing yet, e.g. a fresh server) is the empty position. */
export function parseGtidPosition(text: string): GtidPosition {
  const pos = new Map<number, Gtid>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const g = parseGtid(part);
    if (pos.has(g.domainId)) throw new Error(`GTID position '${text}' lists domain ${g.domainId} twice`);
    pos.set(g.domainId, g);
  }
  return pos;
}

export function formatGtidPosition(pos: GtidPosition): string {
  return [...pos.values()]
    .sort((a, b) => a.domainId - b.domainId)
    .map(formatGtid)
    .join(',');
}

/** The position after `g` committed: an overwrite of its domain (as the server itself records it). */
export function advance(pos: GtidPosition, g: Gtid): GtidPosition {
  const next = new Map(pos);
  next.set(g.domainId, g);
  return next;
}

/**
 * True when `ours` has reached `target` in every domain of `target` (same or later sequence number).
 * A domain we have not seen at all has not been reached; a different server id with a sequence number at
 * least as high counts as reached (after a failover numbering continues in the domain).
 */
export function hasReached(ours: GtidPosition, target: GtidPosition): boolean {
  for (const [domain, t] of target) {
    const o = ours.get(domain);
    if (!o || o.seqNo < t.seqNo) return false;
  }
  return true;
}

export function isValidGtidPosition(text: string): boolean {
  try {
    parseGtidPosition(text);
    return true;
  } catch {
    return false;
  }
}
