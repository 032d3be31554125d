import type { Row } from '../core/change-event.js';
import type { Converter } from './convert.js';

/**
 * A table's document builder, compiled once per column layout: one function that converts each selected
 * column and returns the document as one object literal with the fields as literal keys. The generic loop
 * (TableMapping.toDocument) looks up each column's plan in a Map and stores under a varying key, which
 * makes V8's stores megamorphic; rows of one table from one reader always have the same columns in the
 * same order, so that work is done once here (docs/performance.md "The worker outside decoding").
 *
 * The output equals the generic loop's, field for field and in the same order (JSON text and fingerprints
 * depend on it): a column's field, then its Chinese enrichment field, then its JSON search copy.
 */
export interface BuilderColumn {
  /** The row's key. */
  readonly column: string;
  /** The document field, or null when the column is not in the document (not converted either). */
  readonly field: string | null;
  readonly convert: Converter;
  /** The Chinese enrichment field, when the column has one. */
  readonly zhField?: string;
  /** The JSON search-copy field, when the column has one. */
  readonly jsonCopyField?: string;
}

export interface DocumentHelpers {
  readonly enrichZh: (text: string) => unknown;
  readonly jsonLeaves: (value: unknown) => unknown;
}

export interface CompiledDocument {
  /** The row keys, in order, this builder is for. */
  readonly columns: readonly string[];
  /** The document of a row with exactly these keys. Throws what a converter throws. */
  readonly build: (row: Row) => Record<string, unknown>;
}

/**
 * The compiled builder, or undefined when a field name would not survive an object literal (`__proto__`
 * sets the prototype there): the generic loop serves such a table.
 */
export function compileDocumentBuilder(
  columns: readonly BuilderColumn[],
  helpers: DocumentHelpers,
): CompiledDocument | undefined {
  const keys: string[] = [];
  const lines: string[] = [];
  const converters: Converter[] = [];
  for (const [i, c] of columns.entries()) {
    if (c.field === null) continue;
    converters.push(c.convert);
    lines.push(`const v${i} = conv[${converters.length - 1}](row[${JSON.stringify(c.column)}]);`);
    keys.push(`${JSON.stringify(c.field)}: v${i}`);
    if (c.zhField !== undefined)
      keys.push(`${JSON.stringify(c.zhField)}: typeof v${i} === 'string' ? enrichZh(v${i}) : null`);
    if (c.jsonCopyField !== undefined) keys.push(`${JSON.stringify(c.jsonCopyField)}: jsonLeaves(v${i})`);
  }
  const fields = columns.flatMap((c) => [c.field, c.zhField, c.jsonCopyField]);
  if (fields.includes('__proto__')) return undefined;
  const body = `${lines.join('\n')}\nreturn { ${keys.join(', ')} };`;
  const make = new Function('conv', 'enrichZh', 'jsonLeaves', `return function build(row) {\n${body}\n};`);
  return {
    columns: columns.map((c) => c.column),
    build: make(converters, helpers.enrichZh, helpers.jsonLeaves) as (row: Row) => Record<string, unknown>,
  };
}

/** Whether `keys` (a row's, in order) are exactly the builder's columns. */
export function sameColumns(keys: readonly string[], columns: readonly string[]): boolean {
  if (keys.length !== columns.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== columns[i]) return false;
  return true;
}
