import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry } from '../../../src/ops/jobs.js';
import { installErrorHandling } from '../../../src/server/errors.js';
import { installAdminAuth } from '../../../src/server/routes/admin.js';
import { opsRoutes } from '../../../src/server/routes/ops.js';
import { validatorCompiler } from '../../../src/server/validation.js';
import { clean, type Harness } from '../../helpers/pipeline-harness.js';
import { opsFor, startItems } from './helpers.js';

const TOKEN = 'ops-test-token-123';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('operations admin routes (real stack)', () => {
  let h: Harness;
  let app: FastifyInstance;
  let index: string;
  const jobs = new JobRegistry();

  beforeAll(async () => {
    h = await startItems(300);
    index = h.index('items');
    expect(clean(await h.converge('items'))).toEqual({ missing: 0, extra: 0, stale: 0 });
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    installErrorHandling(app);
    installAdminAuth(app, TOKEN);
    await app.register(opsRoutes, { ops: opsFor(h), jobs });
    await app.ready();
  }, 120_000);

  afterAll(async () => {
    await jobs.stop();
    await app?.close();
    await h?.cleanup();
  });

  it('needs the bearer token', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/admin/drift' });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('SYNC_S3004');
  });

  it('runs a reconcile as a job and exposes its result and the drift', async () => {
    await h.search.request('DELETE', `/${index}/_doc/3`);
    const start = await app.inject({
      method: 'POST',
      url: '/api/admin/reconcile',
      headers: auth,
      payload: { target: index },
    });
    expect(start.statusCode).toBe(202);
    const id = start.json().id as string;
    let job = start.json();
    const deadline = Date.now() + 60_000;
    while (job.state === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await app.inject({ method: 'GET', url: `/api/admin/jobs/${id}`, headers: auth })).json();
    }
    expect(job.state).toBe('done');
    expect(job.result.drift).toBe(1);
    expect(job.result.indexes[0].samples.missing).toEqual(['3']);
    const drift = (await app.inject({ method: 'GET', url: '/api/admin/drift', headers: auth })).json();
    expect(drift.indexes.find((d: { index: string }) => d.index === index)).toMatchObject({
      missing: 1,
      drift: 1,
    });
    const list = (await app.inject({ method: 'GET', url: '/api/admin/jobs', headers: auth })).json();
    expect(list.jobs[0].id).toBe(id);
  }, 90_000);

  it('refuses an unknown target and bad input with 400, unknown ids with 404', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/admin/reconcile',
      headers: auth,
      payload: { target: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('not a pipeline, a mapped table or a mapped index');
    const extra = await app.inject({
      method: 'POST',
      url: '/api/admin/reconcile',
      headers: auth,
      payload: { what: 1 },
    });
    expect(extra.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/admin/jobs/none', headers: auth })).statusCode).toBe(
      404,
    );
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/dead-letters/987654321', headers: auth }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'POST', url: '/api/admin/reindex/unknown', headers: auth })).statusCode,
    ).toBe(404);
    const purge = await app.inject({
      method: 'POST',
      url: '/api/admin/dead-letters/purge',
      headers: auth,
      payload: {},
    });
    expect(purge.statusCode).toBe(400);
    const kind = await app.inject({ method: 'GET', url: '/api/admin/dead-letters?kind=nope', headers: auth });
    expect(kind.statusCode).toBe(400);
  });

  it('lists and counts dead letters, replays a selection, and shows the reindex status', async () => {
    const list = await app.inject({
      method: 'GET',
      url: `/api/admin/dead-letters?pipeline=${h.name}`,
      headers: auth,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().deadLetters).toEqual([]);
    const counts = await app.inject({ method: 'GET', url: '/api/admin/dead-letters/counts', headers: auth });
    expect(counts.statusCode).toBe(200);
    expect(typeof counts.json().total).toBe('number');
    const replay = await app.inject({
      method: 'POST',
      url: '/api/admin/dead-letters/replay',
      headers: auth,
      payload: { pipeline: h.name },
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ selected: 0, failed: 0 });
    const status = await app.inject({ method: 'GET', url: `/api/admin/reindex/${index}`, headers: auth });
    expect(status.statusCode).toBe(200);
    expect(status.json().current).toEqual([`${index}_v1`]);
  });
});
