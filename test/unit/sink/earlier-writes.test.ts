import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SearchClient } from '../../../src/sinks/search/client.js';
import { awaitEarlierBulkWrites, bulkTouches } from '../../../src/sinks/search/earlier-writes.js';

describe('bulkTouches: which running bulk requests a successor waits for', () => {
  it('matches an alias and its generations, by the engines’ task description', () => {
    expect(bulkTouches('requests[1000], indices[shop_products]', ['shop_products'])).toBe(true);
    expect(bulkTouches('requests[3], indices[logs, shop_products_v12]', ['shop_products'])).toBe(true);
  });

  it('does not match other indexes, prefixes included', () => {
    expect(bulkTouches('requests[1], indices[shop_products_archive]', ['shop_products'])).toBe(false);
    expect(bulkTouches('requests[1], indices[shop_products_v2x]', ['shop_products'])).toBe(false);
    expect(bulkTouches('requests[1], indices[shop]', ['shop_products'])).toBe(false);
  });

  it('counts a description it cannot read as ours (waiting is bounded, missing a write is not)', () => {
    expect(bulkTouches(undefined, ['shop_products'])).toBe(true);
    expect(bulkTouches('bulk of something', ['shop_products'])).toBe(true);
  });
});

describe('awaitEarlierBulkWrites on an engine that refuses the tasks API', () => {
  it('goes on at once with a warning naming the privilege to grant', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":{"type":"security_exception"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const client = new SearchClient({ url: `http://127.0.0.1:${port}` });
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    try {
      const result = await awaitEarlierBulkWrites(client, ['shop_products'], { timeoutMs: 5_000, logger });
      expect(result).toMatchObject({ tasks: 0, timedOut: false, unavailable: 'GET /_tasks answered 403' });
      expect(warnings.join('')).toContain('cluster:monitor/tasks/lists');
    } finally {
      await client.close();
      server.close();
    }
  });
});
