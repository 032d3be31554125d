export { defineConfig, type SynclineConfigInput } from './define.js';
export { DEFAULT_CONFIG_FILE, loadConfig, resolveConfig } from './load.js';
export { ConfigSchema, type SynclineConfig } from './schema.js';
