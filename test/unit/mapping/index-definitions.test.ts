import { describe, expect, it } from 'vitest';
import { TEXT_ANALYZER } from '../../../src/mapping/analyzers.js';
import { columnProperties } from '../../../src/mapping/field-types.js';
import { buildIndexBody, errorReason, flattenSettings } from '../../../src/mapping/index-definitions.js';
import { TableMapping } from '../../../src/mapping/table-mapping.js';
import { col, table } from './helpers.js';

describe('index bodies', () => {
  it('defaults: 1 shard, 0 replicas, 1s refresh, gc_deletes 1h, the CJK analyzer and the string template', () => {
    const { settings, mappings } = buildIndexBody();
    expect(settings).toMatchObject({
      'index.number_of_shards': 1,
      'index.number_of_replicas': 0,
      'index.refresh_interval': '1s',
      'index.gc_deletes': '1h',
      [`index.analysis.analyzer.${TEXT_ANALYZER}.filter`]: [
        'cjk_width',
        'lowercase',
        'syncline_cjk_bigram_unigrams',
      ],
      'index.analysis.filter.syncline_cjk_bigram_unigrams.output_unigrams': true,
    });
    expect(mappings.dynamic_templates).toEqual([
      {
        strings: {
          match_mapping_type: 'string',
          mapping: {
            type: 'text',
            analyzer: 'syncline_text',
            search_analyzer: 'syncline_text_search',
            fields: { keyword: { type: 'keyword', ignore_above: 256 } },
          },
        },
      },
      { json_whole_numbers: { match_mapping_type: 'long', mapping: { type: 'double' } } },
      { json_fractions: { match_mapping_type: 'double', mapping: { type: 'double' } } },
    ]);
  });

  it('standard analyzer on request', () => {
    const { settings } = buildIndexBody({ textAnalyzer: 'standard' });
    expect(settings[`index.analysis.analyzer.${TEXT_ANALYZER}.filter`]).toEqual(['lowercase']);
  });

  it('user settings win key by key whatever their shape; user mappings merge deeply, templates first', () => {
    const { settings, mappings } = buildIndexBody({
      settings: {
        number_of_replicas: 2,
        'index.refresh_interval': '30s',
        index: { max_result_window: 50000 },
      },
      mappings: {
        properties: { price: { type: 'scaled_float', scaling_factor: 100 } },
        dynamic_templates: [{ ids: { match: '*_id', mapping: { type: 'keyword' } } }],
      },
    });
    expect(settings).toMatchObject({
      'index.number_of_shards': 1,
      'index.number_of_replicas': 2,
      'index.refresh_interval': '30s',
      'index.max_result_window': 50000,
    });
    expect(Object.keys(settings).filter((k) => k.endsWith('number_of_replicas'))).toEqual([
      'index.number_of_replicas',
    ]);
    expect(mappings.properties).toEqual({ price: { type: 'scaled_float', scaling_factor: 100 } });
    expect((mappings.dynamic_templates as object[]).map((t) => Object.keys(t)[0])).toEqual([
      'ids',
      'strings',
      'json_whole_numbers',
      'json_fractions',
    ]);
  });

  it('flattenSettings normalises nested and dotted keys', () => {
    expect(flattenSettings({ index: { a: { b: 1 } }, 'index.c': [1, 2], d: 'x' })).toEqual({
      'index.a.b': 1,
      'index.c': [1, 2],
      'index.d': 'x',
    });
  });

  it('column properties: typed fields, renamed, excluded columns left out; date detection off with them', () => {
    const m = new TableMapping(
      {
        table: 'shop.products',
        index: 'p',
        rename: { price: 'cost' },
        exclude: ['blob'],
        tinyint1: 'boolean',
      },
      table([
        col('bigint', { name: 'id', unsigned: true }),
        col('decimal', { name: 'price', precision: 12, scale: 2 }),
        col('tinyint', { name: 'active', isTinyint1: true }),
        col('datetime', { name: 'at' }),
        col('varchar', { name: 'name' }),
        col('blob', { name: 'blob' }),
        col('inet6', { name: 'ip' }),
      ]),
    );
    const props = columnProperties(m, { engine: 'opensearch', version: '2.19.6', major: 2 });
    expect(props).toEqual({
      id: { type: 'unsigned_long' },
      cost: { type: 'scaled_float', scaling_factor: 100 },
      active: { type: 'boolean' },
      at: { type: 'date' },
      ip: { type: 'ip' },
    });
    expect(columnProperties(m, { engine: 'opensearch', version: '1.3.0', major: 1 }).id).toEqual({
      type: 'keyword',
    });
    const body = buildIndexBody({}, { properties: props });
    expect(body.mappings.date_detection).toBe(false);
    expect(body.mappings.properties).toEqual(props);
  });

  it('errorReason renders engine errors', () => {
    expect(
      errorReason({
        error: { type: 'illegal_argument_exception', reason: 'bad', caused_by: { type: 'x', reason: 'y' } },
      }),
    ).toBe('illegal_argument_exception: bad (caused by x: y)');
    expect(errorReason('plain')).toBe('plain');
  });
});
