import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BenchContext, benchStack, MYSQL_HOST } from './context.js';
import { runChild } from './run-child.js';

/**
 * Debezium's version and connector per source server: MariaDB needs its own connector, whose newest release
 * on Maven Central is 3.5.0.Final (engines/debezium/README.md); MySQL gets 3.6.1.Final's MySQL connector
 * (engines/debezium-mysql, the same launcher).
 */
export const DEBEZIUM_PEERS = {
  mariadb: {
    version: '3.5.0.Final',
    connector: 'debezium-connector-mariadb',
    engineDir: 'debezium',
    connectorClass: 'io.debezium.connector.mariadb.MariaDbConnector',
  },
  mysql: {
    version: '3.6.1.Final',
    connector: 'debezium-connector-mysql',
    engineDir: 'debezium-mysql',
    connectorClass: 'io.debezium.connector.mysql.MySqlConnector',
  },
} as const;

/** The peer of this run's source server. */
export function debeziumPeer() {
  return DEBEZIUM_PEERS[benchStack.source];
}

export interface DebeziumRun {
  readonly records: number;
  /** First to last counted record (the connector's data phase, comparable to our snapshot/stream). */
  readonly rate: number;
  readonly firstToLastMs: number;
  /** Engine start (JVM up) to the last record: connect, schema snapshot and data. */
  readonly engineToLastMs: number;
  readonly startupMs: number;
}

/** Resolves and compiles engines/debezium (cached after the first time); returns the prepared dir. */
export async function prepareDebezium(ctx: BenchContext): Promise<string> {
  const dir = debeziumPeer().engineDir;
  const script = path.join(ctx.repoRoot, 'engines', dir, 'prepare.sh');
  const { code, stdout, stderr } = await runChild('bash', [script], 1_200_000);
  if (code !== 0) throw new Error(`engines/${dir}/prepare.sh failed: ${stderr.trim().slice(-600)}`);
  return stdout.trim().split('\n').pop()!;
}

/**
 * One Debezium embedded-engine run with the no-op counting consumer: `snapshot` (snapshot.mode=initial,
 * fresh offsets) or `streaming` (resumes from the offsets the snapshot run committed). It stops once it
 * has counted `expect` records of the bench table.
 */
export async function runDebezium(
  ctx: BenchContext,
  dir: string,
  phase: 'snapshot' | 'streaming',
  expect: number,
): Promise<DebeziumRun> {
  const state = path.join(ctx.tmpDir, 'debezium');
  mkdirSync(state, { recursive: true });
  const args = [
    '-Xmx1g',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    `${dir}/classes:${dir}/lib/*`,
    'dev.syncline.bench.DebeziumBench',
    `bench.expect=${expect}`,
    `bench.table=${ctx.table}`,
    `bench.timeoutMs=${ctx.sizes.timeoutMs}`,
    `connector.class=${debeziumPeer().connectorClass}`,
    `database.hostname=${MYSQL_HOST}`,
    `database.port=${benchStack.mysqlPort}`,
    'database.user=root',
    'database.password=',
    `database.server.id=${90_000 + Math.floor(Math.random() * 9_000)}`,
    `database.include.list=${ctx.db}`,
    `table.include.list=${ctx.table}`,
    `offset.storage.file.filename=${state}/offsets.dat`,
    `schema.history.internal.file.filename=${state}/schema-history.dat`,
    'snapshot.mode=initial',
  ];
  const { code, stdout, stderr } = await runChild('java', args, ctx.sizes.timeoutMs + 120_000);
  const last = stdout.trim().split('\n').pop() ?? '';
  let r: {
    ok?: boolean;
    error?: string;
    records?: number;
    firstToLastMs?: number;
    engineToLastMs?: number;
    startupMs?: number;
  };
  try {
    r = JSON.parse(last);
  } catch {
    throw new Error(`debezium ${phase} exited ${code} without a result: ${stderr.trim().slice(-600)}`);
  }
  if (!r.ok) throw new Error(`debezium ${phase}: ${r.error}`);
  const firstToLastMs = Number(r.firstToLastMs);
  return {
    records: Number(r.records),
    rate: Number(r.records) / Math.max(0.001, firstToLastMs / 1000),
    firstToLastMs,
    engineToLastMs: Number(r.engineToLastMs),
    startupMs: Number(r.startupMs),
  };
}
