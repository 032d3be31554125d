import type { Pool } from 'mysql2/promise';
import type { Row } from '../../core/change-event.js';
import type { DocumentBuilder } from '../../mapping/relations/document-builder.js';
import type { TableMapping } from '../../mapping/table-mapping.js';
import { docFingerprint } from './fingerprint.js';
import { type KeyReverser, rowsByKeys } from './key-lookup.js';

/** A document id under suspicion, with the table and key it came from when known (extras have neither). */
export interface Suspect {
  readonly id: string;
  readonly mapping?: TableMapping;
  readonly key?: unknown[];
}

/** What the index should hold for an id: nothing, a document (its fingerprint), or a row that cannot map. */
export type Expected =
  | { readonly state: 'absent' }
  | {
      readonly state: 'doc';
      readonly fp: string;
      readonly mapping: TableMapping;
      readonly row: Row;
      /** A document built from several tables (mappings[].relations): what a repair writes. */
      readonly doc?: Record<string, unknown>;
    }
  | { readonly state: 'unmappable'; readonly mapping: TableMapping; readonly error: string };

export interface IndexTables {
  readonly index: string;
  readonly mappings: readonly TableMapping[];
  /** Per mapping, how to read a key back from an id (undefined: not possible, see keyReverser). */
  readonly reversers: ReadonlyMap<TableMapping, KeyReverser | undefined>;
  /** Mappings whose documents are built from several tables: their expected documents are built. */
  readonly builders?: ReadonlyMap<TableMapping, DocumentBuilder>;
}

/** The built documents of `rows` of a mapping with relations, by document id (one batched build). */
export async function builtDocuments(
  builder: DocumentBuilder,
  m: TableMapping,
  rows: readonly Row[],
): Promise<Map<string, Record<string, unknown>>> {
  const built = await builder.build(rows.map((r) => m.keyColumns.map((k) => r[k])));
  return new Map(built.map((b) => [m.idOf(b.row), b.doc]));
}

export function sameState(a: Expected, b: Expected): boolean {
  if (a.state !== b.state) return false;
  return a.state !== 'doc' || a.fp === (b as { fp: string }).fp;
}

/** Reads, for each suspect, the row it stands for now and the document the mapping makes of it. */
export async function readExpected(
  pool: Pool,
  t: IndexTables,
  suspects: readonly Suspect[],
): Promise<Map<string, Expected>> {
  const found = new Map<string, { row: Row; mapping: TableMapping }>();
  for (const m of t.mappings) {
    const keys: unknown[][] = [];
    const rev = t.reversers.get(m);
    for (const s of suspects) {
      if (s.mapping === m && s.key) keys.push(s.key);
      else if (!s.mapping && rev) {
        const k = rev(s.id);
        if (k) keys.push(k);
      }
    }
    if (keys.length === 0) continue;
    const rows = await rowsByKeys(pool, m, keys);
    for (const [id, row] of rows) if (!found.has(id)) found.set(id, { row, mapping: m });
  }
  const built = new Map<string, Record<string, unknown>>();
  for (const [m, builder] of t.builders ?? []) {
    const rows = [...found.values()].filter((f) => f.mapping === m).map((f) => f.row);
    if (rows.length > 0) for (const [id, doc] of await builtDocuments(builder, m, rows)) built.set(id, doc);
  }
  const out = new Map<string, Expected>();
  for (const s of suspects) {
    const f = found.get(s.id);
    if (!f) {
      out.set(s.id, { state: 'absent' });
      continue;
    }
    const doc = t.builders?.has(f.mapping) ? built.get(s.id) : undefined;
    if (doc) {
      out.set(s.id, { state: 'doc', fp: docFingerprint(doc), mapping: f.mapping, row: f.row, doc });
      continue;
    }
    try {
      out.set(s.id, {
        state: 'doc',
        fp: docFingerprint(f.mapping.toDocument(f.row)),
        mapping: f.mapping,
        row: f.row,
      });
    } catch (e) {
      out.set(s.id, { state: 'unmappable', mapping: f.mapping, error: (e as Error).message });
    }
  }
  return out;
}
