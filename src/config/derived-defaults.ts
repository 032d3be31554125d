import { DEMO_DATABASE, demoMappings, demoPipelines } from '../demo/profile.js';
import { DEMO_ACCESSORY_TERMS, DEMO_SYNONYMS } from '../demo/synonyms.js';

type Doc = Record<string, unknown>;

/** Which keys the user's config (file and environment) names, before any default is filled in. */
export interface NamedKeys {
  mysqlUrl: boolean;
  searchUrl: boolean;
  kafkaBrokers: boolean;
  manage: boolean;
  demo: boolean;
  mappings: boolean;
  pipelines: boolean;
  sdkMaxAttempts: boolean;
  sdkMaxQueued: boolean;
  synonyms: boolean;
  accessoryTerms: boolean;
}

export function namedKeys(value: Doc): NamedKeys {
  const has = (...keys: string[]) => valueAt(value, keys) !== undefined;
  return {
    mysqlUrl: has('mysql', 'url'),
    searchUrl: has('search', 'url'),
    kafkaBrokers: has('kafka', 'brokers'),
    manage: has('stack', 'manage'),
    demo: has('demo'),
    mappings: has('mappings'),
    pipelines: has('pipelines'),
    sdkMaxAttempts: has('sdk', 'maxAttempts'),
    sdkMaxQueued: has('sdk', 'maxQueued'),
    synonyms: has('api', 'synonyms'),
    accessoryTerms: has('api', 'accessoryTerms'),
  };
}

/**
 * Fills the defaults that depend on other keys, on a value whose plain defaults are already filled.
 * Returns problems (key path first) for a combination that cannot be resolved safely.
 *
 * A config that names its own servers must never start local ones, so `stack.manage` follows the URLs:
 * managed when neither is named, not when both are. Naming one only is ambiguous (the other would
 * silently mean a local server on this host), so it is refused with the key that is missing.
 * Unnamed URLs follow the local stack's ports, so moving a port moves the URL with it.
 */
export function fillDerivedDefaults(value: Doc, named: NamedKeys): string[] {
  const problems: string[] = [];
  const stack = objectAt(value, 'stack');
  if (!named.manage) {
    if (named.mysqlUrl !== named.searchUrl) {
      const [set, missing, env] = named.mysqlUrl
        ? ['mysql.url', 'search.url', 'SYNCLINE_SEARCH_URL']
        : ['search.url', 'mysql.url', 'SYNCLINE_MYSQL_URL'];
      problems.push(
        `${missing}: not set while ${set} is — set ${missing} (or ${env}) to your server, or set stack.manage explicitly (true: start the local stack and use it for ${missing}; false: ${missing} is the local stack's address and nothing is started)`,
      );
    }
    stack.manage = !named.mysqlUrl && !named.searchUrl;
  }
  const port = (engine: string, fallback: number) => {
    const p = objectAt(stack, engine).port;
    return Number.isInteger(p) ? (p as number) : fallback;
  };
  if (!named.mysqlUrl) {
    objectAt(value, 'mysql').url =
      `mysql://syncline:syncline@127.0.0.1:${port('mariadb', 3307)}/${DEMO_DATABASE}`;
  }
  if (!named.searchUrl) objectAt(value, 'search').url = `http://127.0.0.1:${port('opensearch', 9200)}`;
  if (!named.kafkaBrokers) objectAt(value, 'kafka').brokers = [`127.0.0.1:${port('kafka', 9092)}`];
  if (!named.demo) {
    value.demo = !named.mysqlUrl && !named.searchUrl && !named.mappings && !named.pipelines;
  }
  const demo = value.demo === true;
  if (!named.mappings) value.mappings = demo ? demoMappings() : [];
  if (!named.pipelines) value.pipelines = demo ? demoPipelines() : [];
  if (demo && !named.synonyms) objectAt(value, 'api').synonyms = DEMO_SYNONYMS.map((g) => [...g]);
  if (demo && !named.accessoryTerms) objectAt(value, 'api').accessoryTerms = [...DEMO_ACCESSORY_TERMS];
  return problems;
}

const warned = new Set<string>();

/**
 * The SDK's settings used to live under the demo catalog's api.dualWrite; the old keys still work
 * (sdk.* wins when both are set) and warn once per process.
 */
export function moveDeprecatedKeys(value: Doc, named: NamedKeys): void {
  const old = objectAt(objectAt(value, 'api'), 'dualWrite');
  for (const [key, isNamed] of [
    ['maxAttempts', named.sdkMaxAttempts],
    ['maxQueued', named.sdkMaxQueued],
  ] as const) {
    if (old[key] === undefined) continue;
    if (!isNamed) objectAt(value, 'sdk')[key] = old[key];
    delete old[key];
    if (!warned.has(key)) {
      warned.add(key);
      process.emitWarning(`api.dualWrite.${key} is deprecated: use sdk.${key}`, {
        type: 'DeprecationWarning',
        code: 'SYNCLINE_DEPRECATED_KEY',
      });
    }
  }
}

function valueAt(value: Doc, keys: readonly string[]): unknown {
  let cur: unknown = value;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Doc)[k];
  }
  return cur;
}

/** The object under key, created when absent; a non-object is left for validation to report. */
function objectAt(parent: Doc, key: string): Doc {
  const cur = parent[key];
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) return cur as Doc;
  const fresh: Doc = {};
  if (cur === undefined) parent[key] = fresh;
  return fresh;
}
