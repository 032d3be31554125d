import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSynclineError } from '../../../src/core/errors.js';
import { SearchEngineServer } from '../../../src/stack/search-engine-server.js';

/**
 * After stack.search.engine changed, the node of the previous engine (its pid file in its own data dir beside
 * this one) still holds the port: status and up name it and say how to stop it. A listener and a pid file of
 * this process stand in for that node; nothing is started.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'syncline-engine-switch-'));
const port = 19239;
const sockets = new Set<net.Socket>();
const blocker = net.createServer((s) => sockets.add(s)); // accepts, never answers (the probe times out)
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => blocker.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the stack search node after an engine switch', () => {
  it('names the running node of the previous engine in status and refuses to start on its port', async () => {
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    mkdirSync(path.join(dataDir, 'opensearch'), { recursive: true });
    writeFileSync(path.join(dataDir, 'opensearch', 'syncline.pid'), `${process.pid}\n`);
    const es9 = new SearchEngineServer(
      port,
      path.join(dataDir, 'elasticsearch-9'),
      5000,
      '512m',
      'elasticsearch-9',
    );
    const st = await es9.status();
    expect(st).toMatchObject({ state: 'foreign', engine: 'elasticsearch-9' });
    expect(st.note).toBe(
      `port ${port} is held by the stack's opensearch-2 node (started while stack.search.engine was opensearch-2); stop it first: SYNCLINE_SEARCH_ENGINE=opensearch-2 syncline stack down --only opensearch`,
    );
    const err = await es9.up().catch((e: unknown) => e);
    expect(isSynclineError(err, 'PORT_IN_USE')).toBe(true);
    expect((err as Error).message).toMatch(
      /^elasticsearch-9: port 19239 is held by the stack's opensearch-2 node/,
    );
  });
});
