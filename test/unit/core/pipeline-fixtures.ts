import type { ChangeEvent, Position } from '../../../src/core/change-event.js';

/** Shared building blocks of the pipeline unit tests: positions and events of a table `db.t`. */
export function position(n: number): Position {
  return { version: BigInt(n), checkpoint: { n }, label: `p${n}` };
}

/** Event n: an insert of row {id: n}, or a TRUNCATE of the table. */
export function event(n: number, op: 'c' | 't' = 'c'): ChangeEvent {
  return {
    op,
    before: null,
    after: op === 't' ? null : { id: n },
    key: op === 't' ? {} : { id: n },
    source: {
      connector: 'polling',
      database: 'db',
      table: 't',
      position: position(n),
      snapshot: false,
      tsMs: 0,
    },
  } as ChangeEvent;
}
