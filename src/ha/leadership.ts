import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { SynclineConfig } from '../config/schema.js';
import { workerIdOf } from '../config/worker-id.js';
import { errorMessage } from '../core/errors.js';
import type { PipelineRunner } from '../runtime/pipeline-runner.js';
import { implicitOutboxPipelines } from '../sources/outbox/relay-config.js';
import { FencedCheckpointStore } from './fenced-checkpoint-store.js';
import { isGroupMemberSource, type KafkaPipelineRole, KafkaRoles } from './kafka-roles.js';
import { type LeaderInfo, pause } from './leader-lock.js';
import { createLeaderLock, type LeaderLockHandle } from './threaded-lock.js';

export type HaRole = 'active' | 'standby';

/** What /readyz, the admin API, the metrics and the dashboard show about this worker's role. */
export interface HaStatus {
  enabled: boolean;
  role: HaRole;
  /** This worker's identity (ha.workerId or <hostname>:<pid>). */
  worker: string;
  /** The active worker as the lock table names it; undefined when nobody holds the lock. */
  leader?: LeaderInfo;
  /** What the leadership covers: the database lock's pipelines (Kafka-sourced ones follow their consumer group). */
  pipelines: string[];
  /** Terms this worker took over from another (the fencing token had been taken before). */
  failovers: number;
  /** Times this worker lost its lock and stepped down. */
  stepDowns: number;
  lastStepDown?: { at: string; reason: string };
  /**
   * Kafka-sourced pipelines running here: each one's role comes from its consumer group (partitions
   * assigned here → active), with the members and their partitions (docs/ha.md#kafka-sourced-pipelines).
   */
  kafka?: KafkaPipelineRole[];
}

/** The pipelines one database lock covers: every pipeline not sourced from Kafka (docs/ha.md). */
export function lockedPipelines(config: SynclineConfig): string[] {
  return [...config.pipelines, ...implicitOutboxPipelines(config)]
    .filter((p) => p.source.type !== 'kafka')
    .map((p) => p.name)
    .sort();
}

export { workerIdOf };

/**
 * One active worker per pipeline set: the runner starts only while this worker holds the database lock,
 * and stops (steps down) as soon as the lock is lost; a standby retries the lock every retryIntervalMs.
 * Every term's checkpoints are fenced by the term's token.
 */
export class Leadership {
  private readonly lock: LeaderLockHandle | undefined;
  private readonly kafka: KafkaRoles;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private running = false;
  private stats = { failovers: 0, stepDowns: 0, lastStepDown: undefined as HaStatus['lastStepDown'] };
  readonly worker: string;
  readonly pipelines: string[];

  constructor(
    private readonly config: SynclineConfig,
    private readonly runner: PipelineRunner,
    pool: Pool,
    private readonly logger: Logger,
  ) {
    this.worker = workerIdOf(config);
    this.pipelines = lockedPipelines(config);
    this.kafka = new KafkaRoles(
      () =>
        runner.kafkaPipelines
          .filter((h) => h.kind === 'from-kafka')
          .map((h): unknown => h.source)
          .filter(isGroupMemberSource),
      this.worker,
      config.ha.pingIntervalMs,
      logger,
    );
    if (this.pipelines.length === 0) return; // Kafka-sourced only: the consumer group shares the work
    const lock = createLeaderLock({
      url: config.mysql.url,
      connectTimeoutMs: config.mysql.connectTimeoutMs,
      internalDatabase: config.internalDatabase,
      pipelines: this.pipelines,
      workerId: this.worker,
      sessionTimeoutMs: config.ha.sessionTimeoutMs,
      pingIntervalMs: config.ha.pingIntervalMs,
      retryIntervalMs: config.ha.retryIntervalMs,
      logger,
    });
    this.lock = lock;
    runner.hooks.checkpoints = (base) =>
      new FencedCheckpointStore(base, pool, config.internalDatabase, new Map(lock.tokens));
  }

  status(): HaStatus {
    const kafka = this.running ? this.kafka.roles() : [];
    // Kafka-sourced only (no lock): the consumer group is the leadership — active = owns a partition
    const lock = this.lock;
    const active = lock ? this.running : kafka.some((k) => k.role === 'active');
    const leader = lock ? lock.leader : kafka.find((k) => k.leader)?.leader;
    const t = lock ? this.stats : this.kafka.transitions;
    return {
      enabled: true,
      role: active ? 'active' : 'standby',
      worker: this.worker,
      ...(leader && { leader }),
      pipelines: this.pipelines,
      failovers: t.failovers,
      stepDowns: t.stepDowns,
      ...(t.lastStepDown && { lastStepDown: t.lastStepDown }),
      ...((!lock || kafka.length > 0) && { kafka }),
    };
  }

  /** Starts the standby → active → step-down loop; returns at once. */
  start(): void {
    this.kafka.start();
    this.loop = this.lock ? this.cycle(this.lock) : this.startRunner();
  }

  private async startRunner(): Promise<void> {
    await this.runner.start();
    this.running = true;
  }

  private async cycle(lock: LeaderLockHandle): Promise<void> {
    const signal = this.abort.signal;
    this.logger.info({ worker: this.worker, pipelines: this.pipelines }, 'ha: standby, waiting for the lock');
    while (!signal.aborted) {
      if (!(await lock.acquire(signal))) break;
      const token = [...lock.tokens.values()][0] ?? 0;
      if (token > 1) this.stats.failovers++;
      this.logger.info({ worker: this.worker, token }, 'ha: lock taken, this worker is active');
      const lost = lock.lost();
      try {
        await this.runner.start();
        this.running = true;
      } catch (e) {
        this.logger.error({ err: errorMessage(e) }, 'ha: pipelines failed to start; releasing the lock');
        await this.stepDown(lock, `start failed: ${errorMessage(e)}`);
        await pause(this.config.ha.retryIntervalMs, signal);
        continue;
      }
      let onAbort = () => {};
      const aborted = new Promise<undefined>((res) => {
        onAbort = () => res(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const why = await Promise.race([lost, aborted]);
      signal.removeEventListener('abort', onAbort);
      if (why === undefined) break; // stop(): the service stops the runner, then releases the lock
      this.logger.warn({ worker: this.worker, reason: why }, 'ha: lock lost, stepping down to standby');
      await this.stepDown(lock, why);
    }
  }

  /** Stops the pipelines (bounded: a stuck drain is fenced anyway) and gives the lock up. */
  private async stepDown(lock: LeaderLockHandle, reason: string): Promise<void> {
    this.running = false;
    this.stats.stepDowns++;
    this.stats.lastStepDown = { at: new Date().toISOString(), reason };
    const grace = this.config.server.shutdownGraceMs;
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.runner.stop().then(() => true),
      new Promise<false>((res) => {
        timer = setTimeout(() => res(false), grace);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped)
      this.logger.warn(
        { graceMs: grace },
        'ha: the old term did not drain in time; its checkpoints are fenced, going standby anyway',
      );
    await lock.release();
  }

  /** Ends the loop; stops the pipelines when this worker is active, then frees the lock. */
  async stop(): Promise<void> {
    this.kafka.stop();
    this.abort.abort();
    await this.loop?.catch(() => {});
    if (this.running) await this.runner.stop();
    this.running = false;
    await this.lock?.release();
  }
}
