import { writeFileSync } from 'node:fs';
import { ConfigSchema } from './schema.js';

/** Writes the JSON Schema of the config (for editor completion: `# yaml-language-server: $schema=...`). */
const out = process.argv[2] ?? 'config-schema.json';
writeFileSync(
  out,
  `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ConfigSchema }, null, 2)}\n`,
);
