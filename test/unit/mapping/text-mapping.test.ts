import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { buildIndexBody } from '../../../src/mapping/index-definitions.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { col, table } from './helpers.js';

const columns = table([
  col('int', { name: 'id', nullable: false }),
  col('varchar', { name: 'name' }),
  col('text', { name: 'description' }),
]);

/**
 * A fresh process (the built dist/, as `syncline run` loads it) maps a row with a mapping that marks no
 * Chinese text: the test process itself has loaded the libraries for other files (isolate: false).
 */
function mapInFreshProcess(): { doc: unknown; properties: string[]; loaded: unknown } {
  const dist = (f: string) => JSON.stringify(pathToFileURL(path.resolve('dist', f)).href);
  const script = `
    const { TableMapping } = await import(${dist('mapping/table-mapping.js')});
    const { columnProperties } = await import(${dist('mapping/field-types.js')});
    const { loadedModules } = await import(${dist('mapping/text-enrichment/modules.js')});
    const m = new TableMapping({ table: 'shop.products', index: 'p' }, ${JSON.stringify(columns)});
    const doc = m.toDocument({ id: 1, name: '華為手機', description: 'x' });
    console.log(JSON.stringify({ doc, properties: Object.keys(columnProperties(m)), loaded: loadedModules() }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`mapping in a fresh process failed (npm run build first?): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('mappings[].text', () => {
  it('a mapping without Chinese text adds nothing and loads none of the text libraries', () => {
    const m = new TableMapping({ table: 'shop.products', index: 'p' }, columns);
    expect(m.toDocument({ id: 1, name: '華為手機', description: 'x' })).toEqual({
      id: 1,
      name: '華為手機',
      description: 'x',
    });
    expect(columnProperties(m)).not.toHaveProperty('name_zh');
    const fresh = mapInFreshProcess();
    expect(fresh.doc).toEqual({ id: 1, name: '華為手機', description: 'x' });
    expect(fresh.properties).not.toContain('name_zh');
    expect(fresh.loaded).toEqual({ segmenter: false, simplifier: false, pinyin: false });
  });

  it('a Chinese text column gets <field>_zh beside it (renamed with it), null for NULL', () => {
    const m = new TableMapping(
      { table: 'shop.products', index: 'p', rename: { name: 'title' }, text: { name: { language: 'zh' } } },
      columns,
    );
    expect(m.toDocument({ id: 1, name: '華為手機', description: '手机' })).toEqual({
      id: 1,
      title: '華為手機',
      title_zh: {
        words: '华为 手机',
        phrase: '华为 手机',
        pinyin: 'huawei shouji huaweishouji',
        initials: 'hw sj hwsj',
      },
      description: '手机',
    });
    expect(m.toDocument({ id: 2, name: null, description: null })).toEqual({
      id: 2,
      title: null,
      title_zh: null,
      description: null,
    });
  });

  it('changes the index definition (a mapping change: reindex to apply it)', () => {
    const plain = new TableMapping({ table: 'shop.products', index: 'p' }, columns);
    const zh = new TableMapping(
      { table: 'shop.products', index: 'p', text: { description: { language: 'zh' } } },
      columns,
    );
    expect(columnProperties(zh).description_zh).toEqual({
      properties: {
        words: { type: 'text', analyzer: 'whitespace' },
        phrase: { type: 'text', analyzer: 'whitespace', index_options: 'positions' },
        pinyin: { type: 'text', analyzer: 'whitespace' },
        initials: { type: 'text', analyzer: 'whitespace' },
      },
    });
    const body = (m: TableMapping) => JSON.stringify(buildIndexBody({}, { properties: columnProperties(m) }));
    expect(body(zh)).not.toBe(body(plain));
  });

  it('refuses an unknown or excluded column and a field clash, naming the key', () => {
    const fails = (config: Record<string, unknown>, message: string, cols = columns) => {
      try {
        new TableMapping({ table: 'shop.products', index: 'p', ...config }, cols);
        expect.unreachable();
      } catch (e) {
        expect(isSynclineError(e) && e.code).toBe('SYNC_S0001');
        expect((e as Error).message).toContain(message);
      }
    };
    fails({ text: { title: { language: 'zh' } } }, 'mappings[shop.products].text.title: no column title');
    fails({ exclude: ['name'], text: { name: { language: 'zh' } } }, 'not part of the document');
    fails(
      { text: { name: { language: 'zh' } } },
      'enrichment field "name_zh" is also a column\'s field',
      table([...columns.columns, col('varchar', { name: 'name_zh' })]),
    );
  });
});
