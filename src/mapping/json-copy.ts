/**
 * JSON columns are stored, not indexed: the engine maps their field as an object with `enabled: false`,
 * which accepts any JSON value (mixed arrays, deep objects, a scalar in one row and an object in the
 * next) and keeps it in `_source` untouched. What is searchable is a copy beside it: every scalar leaf
 * of the value as a string (`null`s left out, sorted), under `<field>_values`, mapped as
 * text with a `.keyword` subfield. docs/mapping.md#json-columns.
 */

/** The search copy's field name for a JSON column's document field. */
export function jsonCopyField(field: string): string {
  return `${field}${JSON_COPY_SUFFIX}`;
}

export const JSON_COPY_SUFFIX = '_values';

/** A converted JSON value → its leaves as strings, sorted (NULL column → null; `[]`/`{}` → []). */
export function jsonLeaves(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (typeof v === 'object') {
      for (const x of Object.values(v as Record<string, unknown>)) walk(x);
      return;
    }
    out.push(String(v));
  };
  walk(value);
  // sorted: the copy is for matching, and one order whatever key order a reader delivered objects in
  return out.sort();
}
