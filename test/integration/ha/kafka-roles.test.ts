import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynclineService } from '../../../src/service/service.js';
import { MARIADB_PORT, rootConnection, SEARCH_URL, testConfig, uniqueName } from '../../helpers/stack.js';
import { freePort } from '../admin/service-harness.js';
import { admin, dropTopics, SHARED_BROKERS } from '../kafka/support.js';

/**
 * Two services with ha.enabled and only a Kafka-sourced pipeline (docs/ha.md#kafka-sourced-pipelines): the
 * consumer group is the leadership. The member that owns the topic's one partition answers active, the
 * other standby naming it — in /readyz and /api/admin/ha, with the group's members; when the active one
 * stops (it leaves the group) the other owns the partition and says so.
 */
const name = uniqueName('t_kha');
const topic = `syncline.${name}.items`;
const group = `g-${name}`;
const TOKEN = 'kafka-ha-token-4711';
const services: Record<string, { service: SynclineService; url: string }> = {};

async function worker(id: string): Promise<void> {
  const port = await freePort();
  const config = testConfig({
    stack: { manage: false },
    mysql: { url: `mysql://root@127.0.0.1:${MARIADB_PORT}/${name}` },
    search: { url: SEARCH_URL },
    kafka: { brokers: SHARED_BROKERS },
    server: { host: '127.0.0.1', port, adminToken: TOKEN, shutdownGraceMs: 2000 },
    mappings: [],
    pipelines: [
      {
        name: 'items-index',
        source: {
          type: 'kafka',
          topics: [topic],
          groupId: group,
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 1000,
          rebalanceTimeoutMs: 10_000,
        },
      },
    ],
    ha: { enabled: true, workerId: id },
    logLevel: 'warn',
  });
  const service = new SynclineService(config, pino({ level: 'warn' }));
  await service.start();
  services[id] = { service, url: `http://127.0.0.1:${port}` };
}

interface View {
  role: string;
  worker: string;
  leader?: { holder: string };
  kafka?: Array<{ pipeline: string; group: string; role: string; partitions: string[]; members: unknown[] }>;
}

async function get(id: string, path: string): Promise<View> {
  const res = await fetch(`${services[id]!.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as View & { ha?: View };
  return path === '/readyz' ? body.ha! : body;
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

beforeAll(async () => {
  const c = await rootConnection();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const a = admin();
  await a.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  await a.close();
});

afterAll(async () => {
  for (const { service } of Object.values(services)) await service.stop().catch(() => {});
  await dropTopics(`syncline.${name}.`, [group]);
  const c = await rootConnection();
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.end();
});

describe('HA of a Kafka-sourced pipeline: the consumer group decides', () => {
  it('the partition owner is active, the other standby naming it; a stop hands the partition over', async () => {
    await worker('k-a');
    await eventually('k-a active', 60_000, async () =>
      (await get('k-a', '/readyz')).role === 'active' ? true : undefined,
    );
    await worker('k-b');
    // the group (its leader's assignor) decides which member owns the one partition after k-b joins:
    // whichever it is, it is active and the other is standby naming it
    const roles = await eventually('one active, the other standby naming it', 120_000, async () => {
      const [va, vb] = [await get('k-a', '/readyz'), await get('k-b', '/readyz')];
      if (va.role === 'active' && vb.role === 'standby' && vb.leader?.holder === 'k-a') {
        return { active: 'k-a', standby: 'k-b', view: vb };
      }
      if (vb.role === 'active' && va.role === 'standby' && va.leader?.holder === 'k-b') {
        return { active: 'k-b', standby: 'k-a', view: va };
      }
      return undefined;
    });
    expect(roles.view.kafka).toEqual([
      expect.objectContaining({ pipeline: 'items-index', group, role: 'standby', partitions: [] }),
    ]);
    expect(roles.view.kafka![0]!.members).toHaveLength(2);
    const a = await get(roles.active, '/api/admin/ha');
    expect(a).toMatchObject({ role: 'active', worker: roles.active, leader: { holder: roles.active } });
    expect(a.kafka![0]).toMatchObject({ role: 'active', partitions: [`${topic}:0`] });

    await services[roles.active]!.service.stop(); // leaves the group: the partition moves at once
    const t0 = Date.now();
    await eventually(`${roles.standby} active`, 30_000, async () =>
      (await get(roles.standby, '/readyz')).role === 'active' ? true : undefined,
    );
    console.log(
      `[ha kafka] graceful hand-over: ${roles.standby} owns the partition ${Date.now() - t0} ms after ${roles.active} stopped`,
    );
    expect((await get(roles.standby, '/api/admin/ha')).leader?.holder).toBe(roles.standby);
  }, 180_000);
});
