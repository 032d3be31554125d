import { readFileSync } from 'node:fs';
import { Admin, ProduceAcks, Producer } from '@platformatic/kafka';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { pino } from 'pino';
import type { SynclineConfig } from '../../src/config/schema.js';
import { MysqlDeadLetterStore } from '../../src/dead-letter/mysql-dead-letter-store.js';
import { type Clients, createClients } from '../../src/runtime/clients.js';
import { PipelineRunner } from '../../src/runtime/pipeline-runner.js';
import { prepareMappings } from '../../src/runtime/pipelines.js';
import { ingestRoutes } from '../../src/server/routes/ingest.js';
import { SearchClient } from '../../src/sinks/search/client.js';
import type { IngestFormat } from '../../src/sources/ingest/index.js';
import { IngestService } from '../../src/sources/ingest/ingest-service.js';
import { readIndex } from './compare.js';
import { expectedDocuments, type OracleMapping } from './oracle.js';
import { rootConnection, testConfig, uniqueName } from './stack.js';

/**
 * The ingest conformance harness (issue 13): a corpus recorded from a real tool (Canal, Maxwell,
 * Debezium) is fed to Syncline over HTTP (the real POST /api/ingest/{format} route on a socket) or over
 * Kafka (a `source: kafka` pipeline with `format: <tool>`), into a fresh database whose tables the
 * corpus's own SQL built; the index is then compared row by row with the table through the test oracle
 * (test/helpers/oracle.ts — its own SQL and the documented rules, nothing of src/mapping). Feeding the
 * corpus a second time (replay) must change nothing.
 *
 * Corpus file: NDJSON, one Kafka record per line, `{"topic"?: …, "key"?: <json>, "value": <json> | null}`
 * exactly as the tool wrote it (lines are sent as raw text: numbers past 2^53 stay exact). The database
 * name the corpus was recorded in (`recordedDatabase`) is replaced, as text, by the test's own.
 */

export interface IngestCorpus {
  readonly format: IngestFormat;
  /** NDJSON lines (see above), in the order the tool emitted them. */
  readonly lines: readonly string[];
  /** Database name inside the corpus (topics, source blocks, key schema names); replaced as text. */
  readonly recordedDatabase: string;
  /** SQL that builds the end state of the corpus's tables, run in the test database (multi-statement). */
  readonly sql: string;
  /** Tables to compare; each mapped to an index of its own. */
  readonly tables: readonly string[];
  /** Mapping options applied to every table (decimal, tinyint1, …). */
  readonly mapping?: Readonly<Record<string, unknown>>;
}

export type Transport = 'http' | 'kafka';

export interface DocDiff {
  readonly id: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** One comparison of a table with its index. */
export interface TableReport {
  readonly table: string;
  readonly rows: number;
  readonly docs: number;
  readonly missing: string[];
  readonly extra: string[];
  readonly different: DocDiff[];
}

/** One feed of the corpus and the comparison after it. */
export interface RoundReport {
  /** HTTP item statuses (ok, stale, ignored, dead, rejected) counted; empty for Kafka. */
  readonly statuses: Record<string, number>;
  /** HTTP items answered dead or rejected: index in the corpus, status, reason. */
  readonly failures: Array<{ line: number; status: string; reason?: string }>;
  readonly tables: TableReport[];
  readonly ms: number;
}

export interface ConformanceOptions {
  /** Messages per HTTP request (default 100). */
  readonly httpBatch?: number;
  /** Bound on waiting for the index to equal the tables (default 20 s). */
  readonly convergeMs?: number;
  /** Kafka topic partitions (default 1: the corpus order is kept per topic). */
  readonly partitions?: number;
}

/** Reads a corpus file: its non-empty lines. */
export function corpusLines(file: string | URL): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

/** Top-level fields of a JSON object as their raw text (no parsing of the values: exact numbers kept). */
export function rawFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const skipString = () => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length) throw new Error('corpus line: unterminated string');
      if (text[i] === '\\') i++;
    }
    i++;
  };
  ws();
  if (text[i] !== '{') throw new Error('corpus line: expected a JSON object');
  i++;
  for (;;) {
    ws();
    if (text[i] === '}') return out;
    const ks = i;
    skipString();
    const key = JSON.parse(text.slice(ks, i)) as string;
    ws();
    if (text[i++] !== ':') throw new Error('corpus line: expected ":"');
    ws();
    const vs = i;
    let depth = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        skipString();
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) break;
      i++;
    }
    out.set(key, text.slice(vs, i).trim());
    ws();
    if (text[i] === ',') i++;
  }
}

/** A whole-word replacement of the recorded database name (so `shop` does not touch `shopping`). */
function renameDatabase(line: string, from: string, to: string): string {
  return line.replace(
    new RegExp(`(?<![A-Za-z0-9_$])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_$])`, 'g'),
    to,
  );
}

/**
 * One corpus on one transport, in its own database and indexes: `open`, then `round()` as often as
 * wanted (the first feeds the corpus, the next ones replay it), then `close`.
 */
export class IngestConformance {
  readonly db: string;
  readonly lines: string[];
  private readonly config: SynclineConfig;
  private clients!: Clients;
  private search!: SearchClient;
  private app: FastifyInstance | undefined;
  private service: IngestService | undefined;
  private runner: PipelineRunner | undefined;
  private url = '';
  private readonly token = 'conformance-token-0123456789';
  private readonly runId: string;
  private readonly topics = new Map<string, number>();
  private readonly group: string;

  constructor(
    readonly corpus: IngestCorpus,
    readonly transport: Transport,
    readonly options: ConformanceOptions = {},
  ) {
    this.db = uniqueName(`cf_${corpus.format.slice(0, 3)}`);
    this.runId = this.db;
    this.group = `g-${this.db}`;
    this.lines = corpus.lines.map((l) => renameDatabase(l, corpus.recordedDatabase, this.db));
    this.config = testConfig({
      mysql: { url: `mysql://root@127.0.0.1:3307/${this.db}`, poolSize: 4 },
      ingest: { token: this.token, maxMessages: Math.max(100, options.httpBatch ?? 100) },
      sink: { batch: { lingerMs: 5 } },
      mappings: corpus.tables.map((t) => ({
        table: `${this.db}.${t}`,
        index: this.index(t),
        ...corpus.mapping,
      })),
      pipelines:
        transport === 'kafka'
          ? [
              {
                name: `${this.db.replaceAll('_', '-')}-index`,
                source: {
                  type: 'kafka',
                  topicPattern: `${this.runId.replaceAll('.', '\\.')}\\..*`,
                  groupId: this.group,
                  format: corpus.format,
                  batchSize: 500,
                  maxWaitMs: 100,
                  commitIntervalMs: 100,
                  sessionTimeoutMs: 10_000,
                  heartbeatIntervalMs: 1_000,
                  rebalanceTimeoutMs: 20_000,
                  topicRefreshMs: 1_000,
                  dlq: { suffix: '.dlq', replicationFactor: 1 },
                },
              },
            ]
          : [],
      logLevel: 'warn',
    });
  }

  index(table: string): string {
    return `${this.db}_${table}`.toLowerCase();
  }

  /** Creates the database and its tables from the corpus's SQL, the indexes, and the transport. */
  async open(): Promise<void> {
    const c = await rootConnection();
    try {
      await c.query(`CREATE DATABASE \`${this.db}\``);
      await c.query(`USE \`${this.db}\``);
      await c.query(this.corpus.sql);
    } finally {
      await c.end();
    }
    this.clients = createClients(this.config);
    this.search = new SearchClient({ url: this.config.search.url });
    const logger = pino({ level: 'warn' });
    if (this.transport === 'http') {
      const mappings = await prepareMappings(this.config, this.clients, this.search, logger);
      this.service = new IngestService({
        mappings,
        search: this.search,
        sink: this.config.sink,
        deadLetters: new MysqlDeadLetterStore(this.clients.db, this.config.internalDatabase),
        logger,
      });
      this.app = Fastify({ logger: false });
      await this.app.register(ingestRoutes, {
        ingest: this.service,
        config: this.config.ingest,
        token: this.token,
      });
      this.url = await this.app.listen({ host: '127.0.0.1', port: 0 });
    } else {
      await this.createTopics();
      this.runner = new PipelineRunner(this.config, this.clients, this.search, logger);
      await this.runner.start();
    }
  }

  /** Feeds the corpus once (the first round) or again (a replay), then compares every table. */
  async round(): Promise<RoundReport> {
    const t0 = Date.now();
    const fed = this.transport === 'http' ? await this.feedHttp() : await this.feedKafka();
    const tables = await this.converge();
    return { ...fed, tables, ms: Date.now() - t0 };
  }

  private async feedHttp(): Promise<Pick<RoundReport, 'statuses' | 'failures'>> {
    const statuses: Record<string, number> = {};
    const failures: RoundReport['failures'] = [];
    const size = this.options.httpBatch ?? 100;
    for (let start = 0; start < this.lines.length; start += size) {
      const chunk = this.lines.slice(start, start + size);
      const res = await fetch(`${this.url}/api/ingest/${this.corpus.format}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/x-ndjson' },
        // a one-line body would be a single message; a trailing newline keeps NDJSON framing explicit
        body: chunk.length === 1 ? `[${chunk[0]}]` : chunk.join('\n'),
      });
      const body = (await res.json()) as {
        items?: Array<{ index: number; status: string; reason?: string }>;
        error?: {
          message: string;
          details?: { items?: Array<{ index: number; status: string; reason?: string }> };
        };
      };
      const items = body.items ?? body.error?.details?.items;
      if (!items) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
      for (const it of items) {
        statuses[it.status] = (statuses[it.status] ?? 0) + 1;
        if (it.status === 'dead' || it.status === 'rejected')
          failures.push({
            line: start + it.index,
            status: it.status,
            ...(it.reason && { reason: it.reason }),
          });
      }
    }
    return { statuses, failures };
  }

  /** Kafka topic of a record: its own (or one per corpus), under this run's prefix. */
  private topicOf(fields: Map<string, string>): string {
    const t = fields.get('topic');
    const name = t && t !== 'null' ? (JSON.parse(t) as string) : `${this.corpus.format}.${this.db}`;
    return `${this.runId}.${name}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  private async createTopics(): Promise<void> {
    const names = new Set(this.lines.map((l) => this.topicOf(rawFields(l))));
    const admin = kafkaAdmin(this.config);
    try {
      await admin.createTopics({ topics: [...names], partitions: this.options.partitions ?? 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    for (const n of names) this.topics.set(n, 0);
  }

  private async feedKafka(): Promise<Pick<RoundReport, 'statuses' | 'failures'>> {
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'syncline-conformance',
      bootstrapBrokers: this.config.kafka.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    try {
      const messages = this.lines.map((l) => {
        const f = rawFields(l);
        const hasEnvelope =
          f.has('value') && [...f.keys()].every((k) => ['topic', 'key', 'value'].includes(k));
        const value = hasEnvelope ? f.get('value')! : l;
        const key = hasEnvelope ? f.get('key') : undefined;
        const topic = this.topicOf(f);
        this.topics.set(topic, (this.topics.get(topic) ?? 0) + 1);
        return {
          topic,
          ...(this.options.partitions === undefined && { partition: 0 }),
          ...(key !== undefined && key !== 'null' && { key: Buffer.from(key) }),
          ...(value !== 'null' && { value: Buffer.from(value) }),
        };
      });
      for (let i = 0; i < messages.length; i += 200)
        await producer.send({ messages: messages.slice(i, i + 200) });
    } finally {
      await producer.close();
    }
    await this.waitCommitted();
    return { statuses: {}, failures: [] };
  }

  /** Until the index pipeline's group has committed every produced message of every topic. */
  private async waitCommitted(): Promise<void> {
    const admin = kafkaAdmin(this.config);
    const deadline = Date.now() + (this.options.convergeMs ?? 20_000) * 2;
    try {
      for (;;) {
        const groups = await admin.listConsumerGroupOffsets({ groups: [this.group] }).catch(() => []);
        const committed = new Map<string, bigint>();
        for (const g of groups)
          for (const t of g.topics)
            for (const p of t.partitions)
              committed.set(
                t.name,
                (committed.get(t.name) ?? 0n) + (p.committedOffset > 0n ? p.committedOffset : 0n),
              );
        const behind = [...this.topics].filter(([t, n]) => (committed.get(t) ?? 0n) < BigInt(n));
        if (behind.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(
            `kafka: group ${this.group} did not commit every message in time: ${behind
              .map(([t, n]) => `${t} ${committed.get(t) ?? 0n}/${n}`)
              .join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await admin.close();
    }
  }

  /** Compares every table until they all match or the bound passes; returns the last comparison. */
  private async converge(): Promise<TableReport[]> {
    const deadline = Date.now() + (this.options.convergeMs ?? 20_000);
    for (;;) {
      const reports = await Promise.all(this.corpus.tables.map((t) => this.compare(t)));
      const clean = reports.every((r) => !r.missing.length && !r.extra.length && !r.different.length);
      if (clean || Date.now() > deadline) return reports;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** One table against its index, through the oracle. */
  async compare(table: string): Promise<TableReport> {
    const mapping: OracleMapping = {
      database: this.db,
      table,
      config: (this.corpus.mapping ?? {}) as OracleMapping['config'],
    };
    const [expected, docs] = await Promise.all([
      expectedDocuments(this.clients.db as unknown as Pool, mapping),
      readIndex(this.search, this.index(table)),
    ]);
    const report: TableReport = {
      table,
      rows: expected.size,
      docs: docs.size,
      missing: [],
      extra: [],
      different: [],
    };
    for (const [id, doc] of expected) {
      const actual = docs.get(id);
      if (!actual) report.missing.push(id);
      else if (canonical(doc) !== canonical(actual)) report.different.push({ id, expected: doc, actual });
    }
    for (const id of docs.keys()) if (!expected.has(id)) report.extra.push(id);
    return report;
  }

  async close(): Promise<void> {
    await this.runner?.stop().catch(() => {});
    await this.app?.close().catch(() => {});
    await this.service?.close().catch(() => {});
    if (this.search) {
      for (const t of this.corpus.tables)
        await this.search.request('DELETE', `/${this.index(t)}_v1`).catch(() => {});
      await this.search.close();
    }
    if (this.transport === 'kafka') {
      const admin = kafkaAdmin(this.config);
      await admin
        .deleteTopics({ topics: [...this.topics.keys()] })
        .catch(() => {})
        .finally(() => admin.deleteGroups({ groups: [this.group] }).catch(() => {}))
        .finally(() => admin.close());
    }
    if (this.clients) {
      await this.clients.db.query(`DROP DATABASE IF EXISTS \`${this.db}\``).catch(() => {});
      await this.clients.db
        .query('DELETE FROM syncline.dead_letters WHERE index_name LIKE ?', [`${this.db}%`])
        .catch(() => {});
      await this.clients.close();
    }
  }
}

function kafkaAdmin(config: SynclineConfig): Admin {
  return new Admin({
    clientId: 'syncline-conformance',
    bootstrapBrokers: config.kafka.brokers,
    retries: 5,
    retryDelay: 300,
  });
}

/** Key order does not matter; values must be equal as JSON. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

/** Feeds a corpus twice (the second is a replay) over one transport; returns both rounds' reports. */
export async function runConformance(
  corpus: IngestCorpus,
  transport: Transport,
  options: ConformanceOptions = {},
): Promise<{ db: string; rounds: RoundReport[] }> {
  const h = new IngestConformance(corpus, transport, options);
  try {
    await h.open();
    const first = await h.round();
    const replay = await h.round();
    return { db: h.db, rounds: [first, replay] };
  } finally {
    await h.close();
  }
}

/** A short line per table for assertion messages: counts, and the differing fields of the first documents. */
export function describeRound(r: RoundReport): string {
  const short = (v: unknown) => {
    const t = JSON.stringify(v) ?? 'undefined';
    return t.length > 120 ? `${t.slice(0, 120)}…` : t;
  };
  const fields = (d: DocDiff) => {
    const e = (d.expected ?? {}) as Record<string, unknown>;
    const a = (d.actual ?? {}) as Record<string, unknown>;
    return [...new Set([...Object.keys(e), ...Object.keys(a)])]
      .filter((k) => canonical(e[k]) !== canonical(a[k]))
      .map((k) => `${k}: expected ${short(e[k])}, got ${short(a[k])}`)
      .join('; ');
  };
  return r.tables
    .map(
      (t) =>
        `${t.table}: rows=${t.rows} docs=${t.docs} missing=${t.missing.length} [${t.missing.slice(0, 5)}] extra=${t.extra.length} [${t.extra.slice(0, 5)}] different=${t.different.length}${t.different
          .slice(0, 3)
          .map((d) => `\n  ${d.id}: ${fields(d)}`)
          .join('')}`,
    )
    .concat(r.failures.slice(0, 5).map((f) => `line ${f.line}: ${f.status} ${f.reason ?? ''}`))
    .join('\n');
}

/** missing/extra/different counts summed over the tables (what a conformance test asserts as zero). */
export function totals(r: RoundReport): { missing: number; extra: number; different: number } {
  return r.tables.reduce(
    (a, t) => ({
      missing: a.missing + t.missing.length,
      extra: a.extra + t.extra.length,
      different: a.different + t.different.length,
    }),
    { missing: 0, extra: 0, different: 0 },
  );
}
