import { writeFileSync } from 'node:fs';
import { editorSchema } from './editor-schema.js';

/** Writes the JSON Schema of the config (for editor completion: `# yaml-language-server: $schema=...`). */
const out = process.argv[2] ?? 'config-schema.json';
writeFileSync(out, `${JSON.stringify(editorSchema(), null, 2)}\n`);
