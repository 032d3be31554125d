import type { SynclineConfig } from './schema.js';

type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Typed config for library users: `export default defineConfig({ mysql: { url } })`. Validated by resolveConfig. */
export function defineConfig(config: DeepPartial<SynclineConfig>): DeepPartial<SynclineConfig> {
  return config;
}

export type SynclineConfigInput = DeepPartial<SynclineConfig>;
