import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../src/core/errors.js';
import { apiErrorCodes } from '../../../src/server/errors.js';

/** The codes in the table of docs/api.md's "## Errors" section. */
function documentedCodes(): Set<string> {
  const md = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
  const section = md.slice(md.indexOf('\n## Errors'), md.indexOf('\n## ', md.indexOf('\n## Errors') + 1));
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  return new Set(rows.flatMap((l) => [...l.matchAll(/`(SYNC_S\d{4})`/g)].map((m) => m[1]!)));
}

describe("docs/api.md's error table", () => {
  it('lists every code the API can answer', () => {
    const documented = documentedCodes();
    const missing = apiErrorCodes().filter((c) => !documented.has(c));
    expect(missing).toEqual([]);
  });

  it('lists only codes of the error catalog', () => {
    const known = new Set<string>(Object.values(ErrorCodes).map((e) => e.code));
    expect([...documentedCodes()].filter((c) => !known.has(c))).toEqual([]);
  });

  it('codes a route sends itself (not thrown through the error handler) are among the answers', () => {
    // e.g. the ingest routes answer SYNC_S1005 with ErrorCodes.EVENT_INVALID.code
    const root = new URL('../../../src/server/', import.meta.url);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const sent = files.flatMap((f) =>
      [...readFileSync(new URL(f, root), 'utf8').matchAll(/ErrorCodes\.(\w+)\.code/g)].map(
        (m) => ErrorCodes[m[1] as keyof typeof ErrorCodes].code,
      ),
    );
    expect(sent).toContain(ErrorCodes.EVENT_INVALID.code);
    expect(sent.filter((c) => !apiErrorCodes().includes(c))).toEqual([]);
  });
});
