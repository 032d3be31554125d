import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};
const ENTRIES = ['.', './sdk', './typeorm'] as const;
const specifier = (entry: string) => (entry === '.' ? 'syncline' : `syncline/${entry.slice(2)}`);

/** What each entry must export by name: the surface the docs promise (docs/configuration.md, dual-write, orm-hooks). */
const PROMISED: Record<(typeof ENTRIES)[number], string[]> = {
  '.': [
    'defineConfig',
    'resolveConfig',
    'loadConfig',
    'ConfigSchema',
    'Pipeline',
    'BulkSink',
    'SearchClient',
    'MappingSet',
    'SynclineError',
    'ErrorCodes',
    'isSynclineError',
    'composeVersion',
    'eventToJson',
  ],
  './sdk': ['createSync', 'Sync', 'readCommitStamp'],
  './typeorm': ['attachSyncline', 'SynclineSubscriber'],
};

// A user's program, type-checked against the installed declarations: if a type the entry promises is
// missing or wrong, tsc fails here.
const USER_TS = `
import {
  BulkSink, type ChangeEvent, type CheckpointStore, type DeadLetterStore, defineConfig, type IndexOp,
  type Mapping, Pipeline, type Position, resolveConfig, SearchClient, type Sink, type Source,
  type SynclineConfig, SynclineError, isSynclineError,
} from 'syncline';
import { createSync, type Sync } from 'syncline/sdk';
import { attachSyncline } from 'syncline/typeorm';

const input = defineConfig({ mysql: { url: 'mysql://u@db:3306/shop' }, search: { url: 'http://es:9200' } });
const config: SynclineConfig = resolveConfig(input);
const manage: boolean = config.stack.manage;
// @ts-expect-error: not a config key
defineConfig({ mysqll: {} });

class OneShot implements Source {
  readonly name = 'one-shot';
  async *start(_from: Position | undefined, _signal: AbortSignal) {
    const ev: ChangeEvent = {
      op: 'c', before: null, after: { id: 1 }, key: { id: 1 },
      source: { connector: 'debezium', database: 'shop', table: 't', snapshot: false, tsMs: 0,
        position: { version: 1n, checkpoint: {}, label: 'one' } },
    };
    yield { events: [ev], position: ev.source.position, ack: async () => {} };
  }
}
const mapping: Mapping = {
  handles: () => true,
  toOps: (ev): IndexOp[] => [{ action: 'index', index: 'i', id: '1', version: ev.source.position.version, doc: {}, event: ev }],
};
declare const sink: Sink;
declare const checkpoints: CheckpointStore;
declare const deadLetters: DeadLetterStore;
declare const logger: import('pino').Logger;
const pipeline = new Pipeline({ name: 'p', source: new OneShot(), mapping, sink, checkpoints, deadLetters, logger });
const search = new SearchClient({ url: config.search.url });
const bulk: Sink = new BulkSink({ client: search, config: config.sink, deadLetters, pipeline: 'p', logger });
const sync: Promise<Sync> = createSync({ config });
const e: unknown = new SynclineError('CONFIG_INVALID', 'x');
export const used = [manage, pipeline, bulk, sync, attachSyncline, isSynclineError(e)];
`;

describe('the packed package installs and imports like a user gets it (npm pack → npm install)', () => {
  let scratch: string;
  let tarball: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'syncline-pack-'));
    await run('npm', ['run', '--silent', 'build'], { cwd: repo, maxBuffer: 16 << 20 });
    const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: repo,
      maxBuffer: 16 << 20,
    });
    tarball = path.join(scratch, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'syncline-user', version: '1.0.0', private: true, type: 'module' }),
    );
    await run(
      'npm',
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        cwd: scratch,
        maxBuffer: 16 << 20,
      },
    );
  }, 240_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('package.json exports exactly the entries this test imports', () => {
    expect(Object.keys(pkg.exports).filter((k) => !k.endsWith('.json'))).toEqual([...ENTRIES]);
  });

  it('every export of ".", "./sdk" and "./typeorm" imports from a plain Node ESM script', async () => {
    // The names the checkout's own build exports: the installed copy must export each, and none undefined.
    const expected: Record<string, string[]> = {};
    for (const entry of ENTRIES) {
      const target = (pkg.exports[entry] as { default: string }).default;
      expected[entry] = Object.keys(await import(path.join(repo, target))).sort();
      expect(expected[entry], entry).toEqual(expect.arrayContaining(PROMISED[entry]));
    }
    const script = `
      const out = {};
      for (const [entry, spec] of ${JSON.stringify(ENTRIES.map((e) => [e, specifier(e)]))}) {
        const m = await import(spec);
        out[entry] = { names: Object.keys(m).sort(), undefinedNames: Object.keys(m).filter((k) => m[k] === undefined) };
      }
      console.log(JSON.stringify(out));
    `;
    writeFileSync(path.join(scratch, 'imports.mjs'), script);
    const { stdout } = await run(process.execPath, ['imports.mjs'], { cwd: scratch });
    const got = JSON.parse(stdout) as Record<string, { names: string[]; undefinedNames: string[] }>;
    for (const entry of ENTRIES) {
      expect(got[entry]?.names, entry).toEqual(expected[entry]);
      expect(got[entry]?.undefinedNames, entry).toEqual([]);
    }
  });

  it('"syncline" and "syncline/sdk" never load typeorm or reflect-metadata (only the catalog API does)', async () => {
    writeFileSync(
      path.join(scratch, 'deny-orm.mjs'),
      `export async function resolve(spec, ctx, next) {
        if (/^(typeorm|reflect-metadata)(\\/|$)/.test(spec)) throw new Error(\`\${spec} loaded from \${ctx.parentURL}\`);
        return next(spec, ctx);
      }`,
    );
    writeFileSync(
      path.join(scratch, 'lib-only.mjs'),
      `import { register } from 'node:module';
      register('./deny-orm.mjs', import.meta.url);
      await import('syncline');
      await import('syncline/sdk');
      console.log('ok');`,
    );
    const { stdout } = await run(process.execPath, ['lib-only.mjs'], { cwd: scratch });
    expect(stdout.trim()).toBe('ok');
  });

  it("a TypeScript user's program type-checks against the installed declarations", async () => {
    writeFileSync(path.join(scratch, 'user.ts'), USER_TS);
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // Third parties' own declarations are not ours to check; ours are checked through their use.
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(repo, 'node_modules/@types')],
        },
        files: ['user.ts'],
      }),
    );
    const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch }).then(
      () => '',
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(result).toBe('');
  });
});
