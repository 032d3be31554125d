import type { IndexDefinition } from '../config/schema.js';
import { SynclineError } from '../core/errors.js';
import type { EngineInfo, SearchClient } from '../sinks/search/client.js';
import { analysisSettings, type TextAnalyzerKind, textFieldMapping } from './analyzers.js';
import { chooseTextAnalyzer } from './text-analyzer-choice.js';

export interface IndexBody {
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
}

/**
 * The default index: one shard and no replica (a single-node dev default — raise both in `settings`
 * for production), 1 s refresh, and `gc_deletes: 1h` so the version of a deleted document is
 * remembered long enough that a replayed older index op is rejected instead of resurrecting it.
 */
export function defaultIndexBody(textAnalyzer: TextAnalyzerKind = 'cjk'): IndexBody {
  return {
    settings: {
      index: {
        number_of_shards: 1,
        number_of_replicas: 0,
        refresh_interval: '1s',
        gc_deletes: '1h',
        analysis: analysisSettings(textAnalyzer),
      },
    },
    mappings: {
      // Unmapped fields are JSON-column content. Whole numbers map to double: the first value seen must
      // not fix the type to long, or a later 2.5 at the same path would be rejected ([1, 2.5] is valid JSON).
      dynamic_templates: [
        { strings: { match_mapping_type: 'string', mapping: textFieldMapping() } },
        { json_whole_numbers: { match_mapping_type: 'long', mapping: { type: 'double' } } },
        { json_fractions: { match_mapping_type: 'double', mapping: { type: 'double' } } },
      ],
    },
  };
}

/**
 * Default body with the definition from the config merged over it: settings key by key (nested or
 * dotted, "index." optional), mappings deeply, the user's dynamic templates ahead of ours (first match
 * wins). `properties` (e.g. from columnProperties) sit between the two; with them, date detection
 * is off, since every date column is then mapped explicitly and a date-like VARCHAR stays text.
 */
export function buildIndexBody(
  definition: Partial<IndexDefinition> = {},
  opts: { properties?: Record<string, unknown> } = {},
): IndexBody {
  const base = defaultIndexBody(definition.textAnalyzer ?? 'cjk');
  const settings = { ...flattenSettings(base.settings), ...flattenSettings(definition.settings ?? {}) };
  let mappings = base.mappings;
  if (opts.properties && Object.keys(opts.properties).length > 0) {
    mappings = deepMerge(mappings, { date_detection: false, properties: opts.properties });
  }
  const user = definition.mappings ?? {};
  const templates = mergeTemplates(user.dynamic_templates, mappings.dynamic_templates);
  mappings = { ...deepMerge(mappings, user), dynamic_templates: templates };
  return { settings, mappings };
}

/** {index: {a: {b: 1}}} and {"index.a.b": 1} and {a: {b: 1}} all become {"index.a.b": 1}. Arrays are values. */
export function flattenSettings(settings: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) {
    const key = prefix ? `${prefix}.${k}` : k.startsWith('index.') || k === 'index' ? k : `index.${k}`;
    if (isPlainObject(v)) Object.assign(out, flattenSettings(v, key));
    else out[key] = v;
  }
  return out;
}

function mergeTemplates(user: unknown, base: unknown): unknown[] {
  const mine = Array.isArray(user) ? user : [];
  const names = new Set(mine.flatMap((t) => (isPlainObject(t) ? Object.keys(t) : [])));
  const rest = (Array.isArray(base) ? base : []).filter(
    (t) => !Object.keys(t as object).some((n) => names.has(n)),
  );
  return [...mine, ...rest];
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface EnsureIndexResult {
  /** The name writes and searches use (the alias, or a concrete index found under that name). */
  readonly alias: string;
  /** The concrete index behind it. */
  readonly index: string;
  readonly created: boolean;
}

export interface EnsureIndexOptions {
  /** Explicit field mappings (see columnProperties), or a function of the engine to build them. */
  properties?: Record<string, unknown> | ((engine: EngineInfo) => Record<string, unknown>);
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  signal?: AbortSignal;
}

/**
 * Makes sure `name` can be written to: when neither an index nor an alias of that name exists,
 * creates `<name>_v1` with the alias `<name>` in one request (atomic). An existing index or alias is
 * left exactly as it is (mapping changes go through a reindex). Two processes racing is fine: the
 * loser sees resource_already_exists and finds the winner's alias.
 */
export async function ensureIndex(
  client: SearchClient,
  name: string,
  definition: Partial<IndexDefinition> = {},
  opts: EnsureIndexOptions = {},
): Promise<EnsureIndexResult> {
  const log = opts.logger;
  const existing = await lookup(client, name, opts.signal);
  if (existing) {
    log?.info(
      { index: name, concrete: existing },
      `index ${name} exists (${describe(name, existing)}); left as is`,
    );
    return { alias: name, index: existing, created: false };
  }
  const concrete = `${name}_v1`;
  const properties =
    typeof opts.properties === 'function' ? opts.properties(await engine(client)) : opts.properties;
  // an engine without the CJK filters gets the documented fallback analyzer (warned once), never a failed index
  const textAnalyzer = await chooseTextAnalyzer(client, definition.textAnalyzer ?? 'cjk', log);
  const body = {
    ...buildIndexBody({ ...definition, textAnalyzer }, properties ? { properties } : {}),
    aliases: { [name]: {} },
  };
  const res = await call(client, 'PUT', `/${encodeURIComponent(concrete)}`, body, opts.signal);
  if (res.status >= 200 && res.status < 300) {
    log?.info({ index: name, concrete }, `index ${concrete} created with alias ${name}`);
    return { alias: name, index: concrete, created: true };
  }
  const type = errorType(res.body);
  if (type === 'resource_already_exists_exception' || type === 'invalid_alias_name_exception') {
    // Another process created it between our lookup and our PUT (or `name` was auto-created as an index).
    const now = await lookup(client, name, opts.signal);
    if (now) {
      log?.info(
        { index: name, concrete: now },
        `index ${name} was created concurrently (${describe(name, now)}); left as is`,
      );
      return { alias: name, index: now, created: false };
    }
    if (type === 'resource_already_exists_exception') {
      // <name>_v1 exists but nothing answers to <name>: restore the alias.
      const put = await call(
        client,
        'PUT',
        `/${encodeURIComponent(concrete)}/_alias/${encodeURIComponent(name)}`,
        undefined,
        opts.signal,
      );
      if (put.status >= 200 && put.status < 300) {
        log?.warn({ index: name, concrete }, `index ${concrete} existed without alias ${name}; alias added`);
        return { alias: name, index: concrete, created: false };
      }
    }
  }
  throw new SynclineError(
    'INDEX_SETUP_FAILED',
    `creating index ${concrete} (alias ${name}) failed: HTTP ${res.status} ${errorReason(res.body)}`,
    { details: { index: name, status: res.status, error: res.body } },
  );
}

/** The concrete index behind `name` (itself when it is an index), or undefined when nothing has that name. */
async function lookup(client: SearchClient, name: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await call(client, 'GET', `/${encodeURIComponent(name)}/_alias`, undefined, signal);
  if (res.status === 404) return undefined;
  if (res.status !== 200 || typeof res.body !== 'object' || res.body === null) {
    throw new SynclineError(
      'INDEX_SETUP_FAILED',
      `looking up index ${name} failed: HTTP ${res.status} ${errorReason(res.body)}`,
    );
  }
  const names = Object.keys(res.body).sort();
  return names.join(',') || undefined;
}

function describe(name: string, concrete: string): string {
  return concrete === name ? 'a concrete index, not an alias' : `alias of ${concrete}`;
}

async function engine(client: SearchClient): Promise<EngineInfo> {
  return client.info();
}

async function call(
  client: SearchClient,
  method: 'GET' | 'PUT',
  path: string,
  body: unknown,
  signal?: AbortSignal,
) {
  try {
    return await client.request<unknown>(method, path, body, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new SynclineError(
      'SINK_UNREACHABLE',
      `search engine at ${client.base.origin} unreachable: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

function errorType(body: unknown): string | undefined {
  const err = (body as { error?: unknown })?.error;
  return typeof err === 'object' && err !== null ? String((err as { type?: unknown }).type) : undefined;
}

/** "type: reason (caused by type: reason)" from an engine error body. */
export function errorReason(body: unknown): string {
  const err = (body as { error?: unknown })?.error;
  if (typeof err === 'string') return err;
  if (typeof err !== 'object' || err === null) return typeof body === 'string' ? body.slice(0, 300) : '';
  const e = err as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
  const cause = e.caused_by ? ` (caused by ${e.caused_by.type}: ${e.caused_by.reason})` : '';
  return `${e.type}: ${e.reason}${cause}`;
}
