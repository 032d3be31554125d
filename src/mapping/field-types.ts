import type { EngineInfo } from '../sinks/search/client.js';
import { textFieldMapping } from './analyzers.js';
import type { ColumnType } from './column-types.js';
import { jsonCopyField } from './json-copy.js';
import type { TableMapping } from './table-mapping.js';
import { zhField, zhProperties } from './text-enrichment/enrich.js';

/**
 * Explicit field mappings from the column descriptors, for ensureIndex({ properties }). Text columns
 * are left to the dynamic template (text + .keyword); geometry and vectors to dynamic mapping. A JSON
 * column is a disabled object (stored, any shape) plus its text + .keyword copy `<field>_values`; a
 * Chinese text column (mappings[].text) its `<field>_zh` object of whitespace-analysed sub-fields.
 * Numbers keep their _source form (DECIMAL stays an exact string there) while the index gets a
 * numeric type for ranges, sorts and aggregations.
 */
export function columnProperties(mapping: TableMapping, engine?: EngineInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rename = new Map(Object.entries(mapping.config.rename ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const include = mapping.config.include?.map((c) => c.toLowerCase());
  const exclude = new Set(mapping.config.exclude?.map((c) => c.toLowerCase()));
  const copies: string[] = [];
  const zh = new Set(Object.keys(mapping.config.text ?? {}).map((c) => c.toLowerCase()));
  for (const col of mapping.columns.columns) {
    const lower = col.name.toLowerCase();
    if ((include && !include.includes(lower)) || exclude.has(lower)) continue;
    const field = fieldType(col, mapping.config, engine);
    const name = rename.get(lower) ?? col.name;
    if (field) out[name] = field;
    if (col.type === 'json') copies.push(jsonCopyField(name));
    // Chinese text: pre-tokenized sub-fields, whitespace-analysed (the same on every engine)
    if (zh.has(lower)) out[zhField(name)] = zhProperties();
  }
  // a column of that name keeps its own field (the mapping then writes no copy)
  for (const copy of copies)
    if (!(copy in out) && !columnNamed(mapping, copy)) out[copy] = textFieldMapping();
  return out;
}

function columnNamed(mapping: TableMapping, field: string): boolean {
  const rename = Object.values(mapping.config.rename ?? {});
  return rename.includes(field) || mapping.columns.columns.some((c) => c.name === field);
}

/** OpenSearch added unsigned_long in 2.8; Elasticsearch has it in every supported version. */
function hasUnsignedLong(engine?: EngineInfo): boolean {
  if (!engine || engine.engine === 'elasticsearch') return true;
  const [major = 0, minor = 0] = engine.version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 8);
}

export function fieldType(
  col: ColumnType,
  opts: { tinyint1: 'number' | 'boolean' },
  engine?: EngineInfo,
): Record<string, unknown> | undefined {
  switch (col.type) {
    case 'tinyint':
      if (col.isTinyint1 && opts.tinyint1 === 'boolean') return { type: 'boolean' };
      return { type: 'long' };
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
      return { type: 'long' };
    case 'bigint':
      // values above 2^63−1 only exist unsigned; without unsigned_long they are kept as exact keywords
      if (col.unsigned) return hasUnsignedLong(engine) ? { type: 'unsigned_long' } : { type: 'keyword' };
      return { type: 'long' };
    case 'decimal':
    case 'numeric': {
      // scaled_float is exact while value × 10^scale fits a long's 53-bit-safe range
      const scale = col.scale ?? 0;
      if ((col.precision ?? 65) <= 15) return { type: 'scaled_float', scaling_factor: 10 ** scale };
      return { type: 'double' };
    }
    case 'float':
      return { type: 'float' };
    case 'double':
    case 'real':
      return { type: 'double' };
    case 'date':
    case 'datetime':
    case 'timestamp':
      // date keeps milliseconds in the index; the microseconds stay in _source
      return { type: 'date' };
    case 'year':
      return { type: 'integer' };
    case 'time':
    case 'enum':
    case 'set':
    case 'uuid':
      return { type: 'keyword' };
    case 'inet4':
    case 'inet6':
      return { type: 'ip' };
    case 'json':
      // any JSON value, never a mapping conflict: kept in _source, searched through the copy (json-copy.ts)
      return { type: 'object', enabled: false };
    case 'bit':
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { type: 'binary' };
    default:
      return undefined;
  }
}
