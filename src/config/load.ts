import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SynclineError } from '../core/errors.js';
import { fillDerivedDefaults, moveDeprecatedKeys, namedKeys } from './derived-defaults.js';
import { ConfigSchema, envOverrides, type SynclineConfig } from './schema.js';
import { writePathProblems } from './write-path-checks.js';

export const DEFAULT_CONFIG_FILE = 'syncline.yaml';

export interface LoadOptions {
  /** Explicit file (-c). Missing → error. Without it, ./syncline.yaml is used when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Reads YAML, applies environment overrides, fills defaults and validates. Throws SYNC_S0001 naming each bad key. */
export function loadConfig(opts: LoadOptions = {}): SynclineConfig & { configFile: string | undefined } {
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  let raw: unknown = {};
  if (opts.file !== undefined) {
    file = path.resolve(cwd, opts.file);
    if (!existsSync(file)) throw new SynclineError('CONFIG_NOT_FOUND', `config file not found: ${file}`);
  } else if (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))) {
    file = path.join(cwd, DEFAULT_CONFIG_FILE);
  }
  if (file !== undefined) {
    try {
      raw = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (e) {
      throw new SynclineError('CONFIG_INVALID', `${file}: not valid YAML: ${(e as Error).message}`);
    }
  }
  const config = resolveConfig(raw, opts.env ?? process.env, file ?? '(defaults)');
  return Object.assign(config, { configFile: file });
}

/** Validates an in-memory config (from YAML or defineConfig), with env overrides applied on top. */
export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, origin = 'config'): SynclineConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SynclineError('CONFIG_INVALID', `${origin}: the top level must be a mapping of keys`);
  }
  const value = structuredClone(raw) as Record<string, unknown>;
  for (const o of envOverrides) {
    const v = env[o.env];
    if (v === undefined || v === '') continue;
    setPath(value, o.path, o.parse ? o.parse(v) : v);
  }
  const named = namedKeys(value);
  const filled = Value.Default(ConfigSchema, value) as Record<string, unknown>;
  const derivedProblems = fillDerivedDefaults(filled, named);
  moveDeprecatedKeys(filled, named);
  // Second pass: the derived mappings and pipelines get their own nested defaults.
  const withDefaults = Value.Default(ConfigSchema, filled);
  const problems = [...derivedProblems, ...[...Value.Errors(ConfigSchema, withDefaults)].map(describeError)];
  if (problems.length === 0) problems.push(...writePathProblems(withDefaults as SynclineConfig));
  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new SynclineError(
      'CONFIG_INVALID',
      `${origin}: invalid configuration:\n  - ${unique.join('\n  - ')}`,
      {
        details: { problems: unique },
      },
    );
  }
  return withDefaults as SynclineConfig;
}

function describeError(e: {
  path: string;
  message: string;
  value: unknown;
  schema: { [k: string]: unknown };
}): string {
  const key = e.path === '' ? '(root)' : e.path.slice(1).replaceAll('/', '.');
  if (e.message.includes('Unexpected property')) return `${key}: unknown key`;
  const expected = typeof e.schema.description === 'string' ? ` — ${e.schema.description}` : '';
  return `${key}: ${e.message.toLowerCase()} (got ${JSON.stringify(e.value)})${expected}`;
}

function setPath(obj: Record<string, unknown>, keys: readonly string[], v: unknown): void {
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = v;
}
