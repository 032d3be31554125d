import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rng } from '../../../src/demo/seed-data.js';
import { clean, Harness } from '../../helpers/pipeline-harness.js';
import { admin, deleteCheckpoints, dropTopics, waitFor } from './support.js';

/**
 * Scale-out: two real `syncline run --no-api` processes in one consumer group share the partitions of
 * the topic a capture pipeline (in this process) fills from the binlog. One of them is killed with
 * SIGKILL in the middle of a 50k-change run: its uncommitted messages are re-delivered to the survivor
 * after the group rebalances, and the index ends equal to the table.
 */
const INITIAL = 3_000;
const CHANGES = 50_000;
const PARTITIONS = 6;
const h = new Harness({
  tables: ['orders'],
  chunkSize: 1000,
  setup:
    'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), status VARCHAR(16), note TEXT)',
});
const topic = `syncline.${h.db}.orders`;
const group = `g-${h.db}`;
const capture = `${h.name}-capture`;
const indexer = `${h.name}-index`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-kafka-scale-'));
const cli = path.resolve('dist/cli/main.js');
const workers: Record<'a' | 'b', ChildProcess | undefined> = { a: undefined, b: undefined };

function startWorker(name: 'a' | 'b'): ChildProcess {
  const out = openSync(path.join(dir, `worker-${name}.log`), 'a');
  return spawn(process.execPath, [cli, '-c', path.join(dir, 'worker.yaml'), 'run', '--no-api'], {
    stdio: ['ignore', out, out],
  });
}

async function groupMembers(): Promise<Array<{ clientHost: string; partitions: number[] }>> {
  const a = admin();
  try {
    const g = (await a.describeGroups({ groups: [group] })).get(group);
    return [...(g?.members.values() ?? [])].map((m) => ({
      clientHost: m.clientHost,
      partitions: [...(m.assignments?.values() ?? [])].flatMap((x) => x.partitions).sort((x, y) => x - y),
    }));
  } finally {
    await a.close();
  }
}

beforeAll(async () => {
  if (!existsSync(cli) || !existsSync(path.resolve('dist/kafka/source/kafka-source.js')))
    throw new Error('dist/ is missing the Kafka source: run `npm run -s build` before this test');
  const base = h.config;
  const kafkaSource = {
    type: 'kafka',
    topics: [topic],
    groupId: group,
    format: 'syncline',
    batchSize: 1000,
    maxWaitMs: 100,
    commitIntervalMs: 500,
    sessionTimeoutMs: 8_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 16_000,
    topicRefreshMs: 2_000,
    dlq: { suffix: '.dlq', replicationFactor: 1 },
  };
  Object.assign(h, {
    config: {
      ...base,
      pipelines: [
        {
          name: capture,
          source: { ...base.pipelines[0]!.source },
          sink: {
            type: 'kafka',
            topicTemplate: 'syncline.{database}.{table}',
            partitions: PARTITIONS,
            replicationFactor: 1,
            format: 'syncline',
            maxBatchMessages: 5000,
            maxMessageBytes: 1_000_000,
          },
        },
      ],
    },
  });
  await h.createDatabase();
  const rows = Array.from({ length: INITIAL }, (_, k) => [
    k + 1,
    `客户 ${k}`,
    (k % 500) + 0.99,
    'new',
    'x'.repeat(50),
  ]);
  await h.exec('INSERT INTO orders VALUES ?', [rows]);
  const { configFile: _c, ...config } = base as typeof base & { configFile?: string };
  writeFileSync(
    path.join(dir, 'worker.yaml'),
    stringify({ ...config, logLevel: 'info', pipelines: [{ name: indexer, source: kafkaSource }] }),
  );
});

afterAll(async () => {
  for (const w of Object.values(workers)) w?.kill('SIGKILL');
  await h.cleanup();
  await deleteCheckpoints([capture, indexer]);
  await dropTopics(`syncline.${h.db}.`, [group]);
  rmSync(dir, { recursive: true, force: true });
});

describe('Kafka scale-out', () => {
  it('two consumer processes share the partitions; kill -9 of one during 50k changes loses nothing', async () => {
    await h.start(); // the capture pipeline: snapshot, then streaming, into the topic
    workers.a = startWorker('a');
    workers.b = startWorker('b');
    const both = await waitFor(
      'two members sharing the partitions',
      async () => {
        const m = await groupMembers();
        return m.length === 2 && m.every((x) => x.partitions.length > 0) ? m : undefined;
      },
      90_000,
      500,
    );
    expect(both.flatMap((m) => m.partitions).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);

    const r = rng(5);
    let done = 0;
    let next = INITIAL + 1;
    let killedAt = -1;
    const workload = (async () => {
      while (done < CHANGES) {
        const conn = await h.clients.db.getConnection();
        await conn.beginTransaction();
        for (let i = 0; i < 50; i++, done++) {
          const p = r();
          const id = 1 + Math.floor(r() * (next - 1));
          if (p < 0.6)
            await conn.query('UPDATE orders SET total = total + 1, status = ? WHERE id = ?', [`s${i}`, id]);
          else if (p < 0.9)
            await conn.query('INSERT INTO orders VALUES (?, ?, 1.00, ?, ?)', [next++, 'c', 'new', 'n']);
          else await conn.query('DELETE FROM orders WHERE id = ?', [id]);
        }
        await conn.commit();
        conn.release();
        if (killedAt < 0 && done >= CHANGES * 0.3) {
          // Mid-run, while both are consuming: no graceful leave, no final commit.
          killedAt = done;
          workers.a!.kill('SIGKILL');
        }
      }
    })();
    await workload;
    expect(killedAt).toBeGreaterThan(0);
    await new Promise((res) =>
      workers.a!.exitCode !== null || workers.a!.signalCode ? res(null) : workers.a!.once('exit', res),
    );
    expect(workers.a!.signalCode).toBe('SIGKILL');

    const diff = await h.converge('orders', 240_000);
    console.log(`[kafka scale-out] killed at ${killedAt} of ${done} changes; ${diff.rows} rows`);
    expect(clean(diff)).toEqual({ missing: 0, extra: 0, stale: 0 });
    expect(diff.rows).toBeGreaterThan(INITIAL);

    // The survivor owns every partition now, and it says so in its log.
    const after = await waitFor('the survivor to own all partitions', async () => {
      const m = await groupMembers();
      return m.length === 1 && m[0]!.partitions.length === PARTITIONS ? m : undefined;
    });
    expect(after[0]!.partitions).toEqual([0, 1, 2, 3, 4, 5]);
    expect(workers.b!.exitCode).toBeNull();
    const logB = readFileSync(path.join(dir, 'worker-b.log'), 'utf8');
    expect(logB).toMatch(/joined group/);
  }, 600_000);
});
