import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, envOverrides } from './schema.js';

interface Row {
  key: string;
  type: string;
  def: string;
  description: string;
}

function typeOf(s: TSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return (s.anyOf as TSchema[]).map(typeOf).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items as TSchema)}[]`;
  if (s.type === 'object' && s.patternProperties) return 'map';
  const bounds = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '',
    s.maximum !== undefined ? `≤ ${s.maximum}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${String(s.type ?? 'any')}${bounds ? ` (${bounds})` : ''}`;
}

function walk(s: TSchema, prefix: string, out: Row[]): void {
  const props = s.properties as Record<string, TSchema> | undefined;
  if (s.type === 'object' && props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === '$schema') continue;
      const key = prefix ? `${prefix}.${k}` : k;
      if (v.type === 'object' && v.properties) walk(v, key, out);
      else if (v.type === 'array' && (v.items as TSchema).type === 'object') {
        out.push(row(key, v));
        walk(v.items as TSchema, `${key}[]`, out);
      } else if (v.anyOf && (v.anyOf as TSchema[]).every((x) => x.type === 'object')) {
        out.push(row(key, { ...v, type: 'object' }));
        for (const variant of v.anyOf as TSchema[]) walk(variant, key, out);
      } else if (v.type === 'object' && v.patternProperties) {
        out.push(row(key, v));
        const inner = Object.values(v.patternProperties as Record<string, TSchema>)[0];
        if (inner?.properties) walk(inner, `${key}.<name>`, out);
      } else out.push(row(key, v));
    }
  }
}

function row(key: string, s: TSchema): Row {
  const def = s.default === undefined ? '' : JSON.stringify(s.default);
  return {
    key,
    type: typeOf(s),
    def: def.length > 60 ? '(see below)' : def,
    description: String(s.description ?? ''),
  };
}

/** docs/configuration.md, generated from the schema so it cannot drift from what is validated. */
export function configurationMarkdown(): string {
  const rows: Row[] = [];
  walk(ConfigSchema, '', rows);
  const seen = new Set<string>();
  const unique = rows.filter((r) => !seen.has(r.key) && seen.add(r.key));
  const esc = (t: string) => t.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `node dist/config/emit-docs.js`; a test fails when it is stale. -->',
    '',
    'Syncline reads `syncline.yaml` from the working directory (or the file given with `-c`), applies the',
    'environment overrides below, fills defaults and validates. An unknown key or a bad value stops start-up',
    'with `SYNC_S0001` naming the key path and what is expected. Editors complete keys from the JSON Schema',
    'shipped as `dist/config-schema.json` (`# yaml-language-server: $schema=…`). Library users call',
    '`defineConfig({...})` and `resolveConfig()` for the same validation.',
    '',
    '## Environment overrides',
    '',
    '| variable | key |',
    '|---|---|',
    ...envOverrides.map((o) => `| \`${o.env}\` | \`${o.path.join('.')}\` |`),
    '',
    '## Keys',
    '',
    '| key | type | default | description |',
    '|---|---|---|---|',
    ...unique.map(
      (r) =>
        `| \`${r.key}\` | ${esc(r.type)} | ${r.def ? `\`${esc(r.def)}\`` : ''} | ${esc(r.description)} |`,
    ),
    '',
    '## Time zones',
    '',
    'DATETIME has no zone: it is read as written and interpreted in `mappings[].datetimeZone` (default UTC),',
    'then written to the index as UTC ISO-8601 with microseconds. TIMESTAMP is stored in UTC by the server;',
    'Syncline reads it with a UTC session (`mysql.timezone: Z`) so the instant is exact whatever the',
    "server's or the writer's session time zone.",
    '',
    '## Defaults',
    '',
    'Some defaults follow other keys, so that a config for your own servers never touches this host:',
    '',
    '- **Servers.** `mysql.url`, `search.url` and `kafka.brokers` default to the local stack on its ports',
    '  (`stack.mariadb.port`, `stack.opensearch.port`, `stack.kafka.port`): moving a port moves the URL.',
    '  `stack.manage` defaults to true only when neither `mysql.url` nor `search.url` is set (the embedded',
    '  stack), and to false when both are. A config that sets one of them and not the other, without',
    '  `stack.manage`, stops with `SYNC_S0001` naming the missing key: set it, or set `stack.manage`',
    '  (true: the local stack serves the missing one; false: nothing is started and the missing one is the',
    "  local stack's address).",
    '- **The demo profile.** Without a file, `syncline run` syncs the demo catalog (`demo` resolves to true',
    '  when no `mysql.url`, `search.url`, `mappings` or `pipelines` is set): `mappings` defaults to',
    '  `syncline_demo.products → products`, `syncline_demo.users → users`, `syncline_demo.categories →',
    '  categories`, `pipelines` to one binlog pipeline `catalog` over those tables, and `syncline run` creates',
    '  and seeds those tables. A config with its own servers, mappings or pipelines gets none of it (`mappings`',
    '  and `pipelines` default to none); `demo: true` asks for it explicitly.',
    '- **Tokens.** `server.adminToken` defaults to a published string, good for the loopback demo only:',
    '  `syncline run` refuses to serve the API on a `server.host` beyond loopback (anything but 127.0.0.0/8,',
    '  `::1`, `localhost`) while `server.adminToken` — or `ingest.token`, which falls back to it — is that',
    '  string, with `SYNC_S0001` naming the key and exit code 2. Set your own (`openssl rand -hex 32`).',
    '- **SDK.** The dual-write SDK reads `sdk.*`; the former `api.dualWrite.maxAttempts` /',
    '  `api.dualWrite.maxQueued` still work (`sdk.*` wins) and print a deprecation warning.',
    '',
  ].join('\n');
}
