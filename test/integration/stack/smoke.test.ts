import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  Admin,
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStack } from '../../../src/stack/stack.js';
import { rootConnection, searchClient, testConfig, uniqueName } from '../../helpers/stack.js';

const run = promisify(execFile);

describe('smoke: each real server of the stack does its job', () => {
  it('every component reports up with its version', async () => {
    const status = await new LocalStack(testConfig()).status();
    const by = Object.fromEntries(status.map((s) => [s.name, s]));
    expect(by.mariadb?.version).toMatch(/^10\.11/);
    expect(by.opensearch?.version).toBe('2.19.6');
    expect(by.kafka?.version).toMatch(/^4\./);
  });

  it('MariaDB: a written row appears as a ROW event in the binlog', async () => {
    const db = uniqueName('t_smoke');
    const c = await rootConnection();
    try {
      await c.query(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20))`);
      const [[before]] = (await c.query('SHOW MASTER STATUS')) as unknown as [
        [{ File: string; Position: number }],
      ];
      await c.query(`INSERT INTO ${db}.t VALUES (1, 'binlog-smoke-值')`);
      // read only from where the insert starts: the shared binlog can be large
      const { stdout } = await run(
        'mariadb-binlog',
        [
          '--read-from-remote-server',
          '-h127.0.0.1',
          '-P3307',
          '-uroot',
          '--base64-output=decode-rows',
          '-v',
          `--start-position=${before.Position}`,
          before.File,
        ],
        { maxBuffer: 256 << 20 },
      );
      expect(stdout).toContain(`### INSERT INTO \`${db}\`.\`t\``);
      expect(stdout).toMatch(/Write_rows/);
    } finally {
      await c.query(`DROP DATABASE ${db}`);
      await c.end();
    }
  });

  it('OpenSearch: create an index, bulk-index, read the documents back', async () => {
    const client = searchClient();
    const index = uniqueName('t_smoke');
    try {
      expect((await client.request('PUT', `/${index}`, { settings: { number_of_replicas: 0 } })).status).toBe(
        200,
      );
      const body = `${[1, 2, 3]
        .map(
          (i) =>
            `${JSON.stringify({ index: { _index: index, _id: String(i), version: 10 + i, version_type: 'external' } })}\n${JSON.stringify({ n: i })}`,
        )
        .join('\n')}\n`;
      const bulk = await client.request<{ errors: boolean }>('POST', '/_bulk?refresh=true', body, {
        contentType: 'application/x-ndjson',
      });
      expect(bulk.status).toBe(200);
      expect(bulk.body.errors).toBe(false);
      const doc = await client.request<{ _source: unknown; _version: number }>('GET', `/${index}/_doc/2`);
      expect(doc.body._source).toEqual({ n: 2 });
      expect(doc.body._version).toBe(12);
      const count = await client.request<{ count: number }>('GET', `/${index}/_count`);
      expect(count.body.count).toBe(3);
    } finally {
      await client.request('DELETE', `/${index}`);
      await client.close();
    }
  });

  it('Kafka: produce and consume a message with @platformatic/kafka', async () => {
    const bootstrapBrokers = ['127.0.0.1:9092'];
    const topic = uniqueName('t_smoke');
    const admin = new Admin({ clientId: 'smoke', bootstrapBrokers });
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    const producer = new Producer({
      clientId: 'smoke',
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    await producer.send({ messages: [{ topic, key: 'k', value: 'hello 你好' }] });
    await producer.close();
    const consumer = new Consumer({
      clientId: 'smoke',
      groupId: `g-${topic}`,
      bootstrapBrokers,
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    let got: { key: string; value: string } | undefined;
    for await (const m of stream) {
      got = { key: m.key, value: m.value };
      await m.commit();
      break;
    }
    await stream.close();
    await consumer.close();
    await admin.deleteTopics({ topics: [topic] });
    await admin.close();
    expect(got).toEqual({ key: 'k', value: 'hello 你好' });
  });
});

afterAll(() => {});
