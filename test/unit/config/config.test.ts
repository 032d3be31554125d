import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationMarkdown } from '../../../src/config/config-docs.js';
import { loadConfig, resolveConfig } from '../../../src/config/load.js';
import { isSynclineError } from '../../../src/core/errors.js';

describe('configuration', () => {
  it('defaults describe the demo catalog on the local stack', () => {
    const c = resolveConfig({});
    expect(c.mysql.url).toBe('mysql://syncline:syncline@127.0.0.1:3307/syncline_demo');
    expect(c.search.url).toBe('http://127.0.0.1:9200');
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.pipelines[0]).toMatchObject({
      name: 'catalog',
      source: { type: 'mysql-binlog', chunkSize: 5000 },
    });
    expect(c.mappings.map((m) => m.index)).toEqual(['products', 'users', 'categories']);
  });

  it('rejects unknown keys and bad values, naming each key path and what is expected', () => {
    let err: unknown;
    try {
      resolveConfig({ mysql: { urll: 'x' }, server: { port: 70000 }, sink: { batch: { maxDocs: 'many' } } });
    } catch (e) {
      err = e;
    }
    expect(isSynclineError(err, 'CONFIG_INVALID')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain('mysql.urll: unknown key');
    expect(msg).toMatch(/server\.port: expected integer to be less or equal to 65535 \(got 70000\)/);
    expect(msg).toMatch(/sink\.batch\.maxDocs: expected integer \(got "many"\)/);
  });

  it('rejects a bad value inside an array item with its index', () => {
    expect(() => resolveConfig({ mappings: [{ table: 'no-dot', index: 'x' }] })).toThrow(
      /mappings\.0\.table/,
    );
  });

  it('environment overrides win over the file', () => {
    const c = resolveConfig(
      { mysql: { url: 'mysql://a@b/c' }, search: { url: 'http://s:1' } },
      {
        SYNCLINE_MYSQL_URL: 'mysql://u:p@h:1/d',
        SYNCLINE_API_PORT: '9999',
        SYNCLINE_KAFKA_BROKERS: 'a:1, b:2',
      },
    );
    expect(c.mysql.url).toBe('mysql://u:p@h:1/d');
    expect(c.server.port).toBe(9999);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
  });

  it('a missing -c file and invalid YAML are clear errors', () => {
    expect(() => loadConfig({ file: '/nonexistent/syncline.yaml' })).toThrow(/config file not found/);
  });

  it('docs/configuration.md is generated from the schema and up to date', () => {
    expect(readFileSync('docs/configuration.md', 'utf8')).toBe(configurationMarkdown());
  });
});
