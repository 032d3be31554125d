import type { Logger } from 'pino';
import type { LeaderInfo } from './leader-lock.js';

/** What the HA view needs of a Kafka source (structural: the Kafka client is loaded only when used). */
export interface GroupMemberSource {
  readonly name: string;
  readonly groupId: string;
  readonly assignment: ReadonlyArray<{ topic: string; partitions: number[] }>;
  readonly generationId: number;
  readonly joinedAt: string | undefined;
  readonly fencedCommits: number;
  groupMembers(): Promise<Array<{ worker: string; partitions: string[] }> | undefined>;
}

/** One Kafka-sourced pipeline's role on this worker: the consumer group decides it. */
export interface KafkaPipelineRole {
  pipeline: string;
  group: string;
  /** active: the group assigned this worker at least one partition; standby: none. */
  role: 'active' | 'standby';
  /** topic:partition this worker owns. */
  partitions: string[];
  generation: number;
  /** The member owning the most partitions (the only one with one partition), as the broker names it. */
  leader?: LeaderInfo;
  members: Array<{ worker: string; partitions: string[] }>;
  /** Offsets dropped because they were read under a revoked generation (docs/ha.md). */
  fencedCommits: number;
}

export const isGroupMemberSource = (s: unknown): s is GroupMemberSource =>
  typeof s === 'object' && s !== null && typeof (s as GroupMemberSource).groupMembers === 'function';

/**
 * Keeps the roles of the Kafka-sourced pipelines fresh for /readyz, the admin API and the metrics: a
 * worker's own assignment is known locally at once; who else holds the partitions comes from the group's
 * description, refreshed every `intervalMs`. Counts this worker's standby → active (failover) and
 * active → standby (step-down) transitions.
 */
export class KafkaRoles {
  private view: KafkaPipelineRole[] = [];
  private readonly members = new Map<string, KafkaPipelineRole['members']>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private wasActive: boolean | undefined;
  transitions = {
    failovers: 0,
    stepDowns: 0,
    lastStepDown: undefined as { at: string; reason: string } | undefined,
  };

  constructor(
    private readonly sources: () => GroupMemberSource[],
    private readonly worker: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The current roles; the local assignment is read now, the other members as of the last refresh. */
  roles(): KafkaPipelineRole[] {
    this.view = this.sources().map((s) => this.roleOf(s));
    this.track();
    return this.view;
  }

  /** Active when any Kafka-sourced pipeline owns a partition here. */
  get active(): boolean {
    return this.roles().some((r) => r.role === 'active');
  }

  private roleOf(s: GroupMemberSource): KafkaPipelineRole {
    const partitions = s.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)).sort();
    const members = this.members.get(s.name) ?? [];
    const owner = partitions.length > 0 ? { worker: this.worker, partitions } : undefined;
    const top = [...members].sort((a, b) => b.partitions.length - a.partitions.length)[0];
    const holder = owner ?? (top && top.partitions.length > 0 ? top : undefined);
    return {
      pipeline: s.name,
      group: s.groupId,
      role: partitions.length > 0 ? 'active' : 'standby',
      partitions,
      generation: s.generationId,
      ...(holder && {
        leader: {
          holder: holder.worker,
          token: s.generationId,
          since: s.joinedAt ?? new Date(0).toISOString(),
        },
      }),
      members,
      fencedCommits: s.fencedCommits,
    };
  }

  private track(): void {
    if (this.view.length === 0) return;
    const active = this.view.some((r) => r.role === 'active');
    if (this.wasActive === false && active) {
      this.transitions.failovers++;
      this.logger.info({ worker: this.worker }, 'ha: the consumer group assigned partitions here: active');
    }
    if (this.wasActive === true && !active) {
      this.transitions.stepDowns++;
      this.transitions.lastStepDown = {
        at: new Date().toISOString(),
        reason: 'partitions revoked by the group',
      };
      this.logger.info({ worker: this.worker }, 'ha: the consumer group revoked every partition: standby');
    }
    this.wasActive = active;
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      for (const s of this.sources()) {
        const m = await s.groupMembers();
        if (m) this.members.set(s.name, m);
      }
      this.roles();
    } finally {
      this.refreshing = false;
    }
  }
}
