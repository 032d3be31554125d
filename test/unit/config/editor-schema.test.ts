import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { editorSchema } from '../../../src/config/editor-schema.js';

// The README's own-servers example: an editor checking it with the shipped schema must find nothing wrong.
const README_EXAMPLE = `
mysql: { url: mysql://syncline:secret@db.internal:3306/shop }
search: { url: https://search.internal:9200, username: syncline, password: secret }
server: { host: 0.0.0.0, adminToken: "a secret of our own" }
mappings:
  - { table: shop.products, index: products }
pipelines:
  - name: shop
    source: { type: mysql-binlog, tables: [shop.products] }
`;

describe('the JSON Schema shipped for editors (dist/config-schema.json)', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(editorSchema());

  it('accepts a file holding only what a user must write', () => {
    expect(validate({}), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(README_EXAMPLE)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('still requires what has no default, and still refuses unknown keys', () => {
    expect(validate({ mappings: [{ table: 'shop.products' }] })).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("must have required property 'index'");
    expect(validate({ pipelines: [{ name: 'x' }] })).toBe(false);
    expect(validate({ mysql: { urll: 'x' } })).toBe(false);
  });
});
