import type { Admin } from '@platformatic/kafka';

export interface TopicSelection {
  /** Explicit topic names. */
  readonly topics?: readonly string[];
  /** Or: a regular expression every topic name is matched against in full. */
  readonly topicPattern?: string;
  /** Topics ending in it are dead-letter topics, never consumed by a pattern. */
  readonly dlqSuffix: string;
}

/**
 * Which of the selected topics exist now. Listed topics that do not exist yet (the capture pipeline
 * creates them on its first event) and topics created later that match the pattern are picked up by the
 * next resolve(); the source re-subscribes when the set changes.
 */
export class TopicResolver {
  private readonly pattern: RegExp | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly sel: TopicSelection,
  ) {
    this.pattern = sel.topicPattern === undefined ? undefined : new RegExp(`^(?:${sel.topicPattern})$`);
  }

  describe(): string {
    return this.sel.topics ? this.sel.topics.join(', ') : `/${this.sel.topicPattern}/`;
  }

  async resolve(): Promise<string[]> {
    const existing = await this.admin.listTopics({ includeInternals: false });
    if (this.sel.topics) {
      const have = new Set(existing);
      return this.sel.topics.filter((t) => have.has(t)).sort();
    }
    return existing
      .filter((t) => !t.startsWith('__') && !t.endsWith(this.sel.dlqSuffix) && this.pattern!.test(t))
      .sort();
  }

  /** Selected topics that do not exist (explicit lists only), for the log. */
  missing(resolved: readonly string[]): string[] {
    if (!this.sel.topics) return [];
    const have = new Set(resolved);
    return this.sel.topics.filter((t) => !have.has(t));
  }
}

export const sameTopics = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((t, i) => t === b[i]);
