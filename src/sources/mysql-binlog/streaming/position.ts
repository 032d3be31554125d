import type { RowDataPacket } from 'mysql2/promise';
import { composeVersion, MAX_SUB, type Position } from '../../../core/change-event.js';
import type { ReaderStart } from './binlog-reader.js';
import { type BinlogConnectionConfig, controlConnection } from './connection.js';
import { formatGtid, type Gtid, parseGtidPosition } from './gtid.js';

/**
 * Binlog checkpoints: `{ gtid: "0-1-1234[,1-2-55…]", file, pos }`. The GTID position is authoritative
 * (valid across failover); file+pos are kept for people and as a fallback when a checkpoint has no gtid.
 */
export interface BinlogCheckpoint {
  readonly gtid: string;
  readonly file?: string;
  readonly pos?: number;
}

export function readCheckpoint(p: Position): BinlogCheckpoint | undefined {
  const c = p.checkpoint;
  if (typeof c.gtid === 'string') {
    return {
      gtid: c.gtid,
      ...(typeof c.file === 'string' && { file: c.file }),
      ...(typeof c.pos === 'number' && { pos: c.pos }),
    };
  }
  return undefined;
}

/** Where the reader starts for a checkpoint (`undefined`: `whenNone`). */
export function startPointOf(from: Position | undefined, whenNone: 'end' | 'beginning' = 'end'): ReaderStart {
  if (!from) return whenNone === 'end' ? 'end' : { gtid: '' };
  const c = from.checkpoint;
  if (typeof c.gtid === 'string') return { gtid: c.gtid };
  if (typeof c.file === 'string' && typeof c.pos === 'number') return { file: c.file, pos: c.pos };
  throw new Error(`checkpoint ${from.label} has neither a gtid nor file+pos`);
}

/**
 * The Position of a GTID position string. `last` is the transaction it ends with (the version's
 * sequence); without it the highest sequence number of any domain is used.
 */
export function positionOf(gtid: string, file?: string, pos?: number, last?: Gtid): Position {
  const parsed = parseGtidPosition(gtid);
  const tail =
    last ??
    [...parsed.values()].reduce<Gtid | undefined>((m, g) => (!m || g.seqNo > m.seqNo ? g : m), undefined);
  return {
    version: composeVersion(tail?.seqNo ?? 0n, Number(MAX_SUB)),
    checkpoint: { gtid, ...(file !== undefined && { file }), ...(pos !== undefined && { pos }) },
    label: tail ? `gtid ${formatGtid(tail)}` : 'gtid (empty)',
  };
}

/**
 * The current end of the binlog as a Position (what a snapshot records before it starts reading, so
 * streaming resumes exactly after it). file/pos come from a second statement and are informational.
 */
export async function currentBinlogPosition(cfg: BinlogConnectionConfig): Promise<Position> {
  const conn = await controlConnection(cfg);
  try {
    const [g] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
    const [m] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const row = m[0];
    return positionOf(
      String(g[0]?.pos ?? ''),
      row ? String(row.File) : undefined,
      row ? Number(row.Position) : undefined,
    );
  } finally {
    await conn.end().catch(() => {});
  }
}
