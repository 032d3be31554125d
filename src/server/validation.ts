import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators: bodies are checked exactly as sent (no type coercion: "12" is not a number), while
 * querystrings and path params are text by nature and get coerced ("7" → 7, a single `tags=x` → ["x"]).
 * Neither removes unknown properties: every schema says additionalProperties: false, so an unknown field
 * is a 400 naming it rather than silently dropped.
 */
const common: Options = {
  allErrors: false,
  removeAdditional: false,
  useDefaults: true,
  strict: false,
  allowUnionTypes: true,
  messages: true,
};

/**
 * `2025-01-02T03:04:05.123456Z` naming a real instant in DATETIME's range (years 1000–9999). A pattern
 * alone lets month 13 or February 30 through to the database, which answers with its own text.
 */
export function isUtcMicros(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= days && h <= 23 && mi <= 59 && se <= 59;
}

function make(coerce: boolean): Ajv {
  const ajv = new Ajv({ ...common, coerceTypes: coerce ? 'array' : false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('utc-micros', { type: 'string', validate: isUtcMicros });
  return ajv;
}

const bodyAjv = make(false);
const textAjv = make(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

/** "body.price: must match the format 12.50" — the offending field first, in the client's own terms. */
export function describeValidation(
  errors: readonly ErrorObject[],
  part: string,
): { message: string; field: string } {
  const e = errors[0];
  if (!e) return { message: `${part} is invalid`, field: part };
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  const at = (extra?: string) => [part, ...path, ...(extra === undefined ? [] : [extra])].join('.');
  const p = e.params as Record<string, unknown>;
  const hint = typeof e.parentSchema?.description === 'string' ? ` (${e.parentSchema.description})` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(p.additionalProperty).slice(0, 64);
      const what = part === 'querystring' ? 'parameter' : 'field';
      return { message: `${at(name)}: unknown ${what}`, field: at(name) };
    }
    case 'required':
      return {
        message: `${at(String(p.missingProperty))} is required`,
        field: at(String(p.missingProperty)),
      };
    case 'pattern':
    case 'format':
      return { message: `${at()} has the wrong format${hint || ` (${e.message})`}`, field: at() };
    case 'enum':
      return {
        message: `${at()} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`,
        field: at(),
      };
    case 'type':
      return { message: `${at()} must be ${String(p.type).replace(',', ' or ')}`, field: at() };
    default:
      return { message: `${at()} ${e.message ?? 'is invalid'}${hint}`, field: at() };
  }
}
