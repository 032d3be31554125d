import { writeFileSync } from 'node:fs';
import { configurationMarkdown } from './config-docs.js';

writeFileSync(process.argv[2] ?? 'docs/configuration.md', configurationMarkdown());
