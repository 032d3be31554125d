import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.js';

/**
 * Keys without a schema default that resolveConfig fills from other keys (derived-defaults.ts): the
 * validated config always has them, a user's file never needs them.
 */
const DERIVED = new Set([
  'mysql.url',
  'search.url',
  'kafka.brokers',
  'stack.manage',
  'demo',
  'mappings',
  'pipelines',
]);

/**
 * The JSON Schema editors complete and check syncline.yaml with. The validation schema lists every key
 * as required because validation runs after defaults are filled; a file only has to hold the keys that
 * have neither a default nor a derived value.
 */
export function editorSchema(): Record<string, unknown> {
  const copy = structuredClone(ConfigSchema) as TSchema;
  relax(copy, '');
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...copy };
}

function relax(s: TSchema, path: string): void {
  const props = s.properties as Record<string, TSchema> | undefined;
  if (props) {
    if (Array.isArray(s.required)) {
      const required = (s.required as string[]).filter(
        (k) => props[k]?.default === undefined && !DERIVED.has(path ? `${path}.${k}` : k),
      );
      if (required.length > 0) s.required = required;
      else delete s.required;
    }
    for (const [k, v] of Object.entries(props)) relax(v, path ? `${path}.${k}` : k);
  }
  if (s.items) relax(s.items as TSchema, `${path}[]`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const v of (s[key] as TSchema[] | undefined) ?? []) relax(v, path);
  }
  for (const v of Object.values((s.patternProperties as Record<string, TSchema> | undefined) ?? {})) {
    relax(v, `${path}.<name>`);
  }
}
