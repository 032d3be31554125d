import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OffsetCommitter } from '../../../src/kafka/source/offset-committer.js';

/**
 * The offset committer's fencing (docs/ha.md#kafka-sourced-pipelines): an offset is committed only while the
 * ownership it was read under lasts — same member id, same term of the partition, still assigned.
 */
function fakeConsumer(partitions: number[]) {
  const commits: Array<Array<{ partition: number; offset: bigint }>> = [];
  return {
    commits,
    memberId: 'm1' as string | null,
    generationId: 1,
    assignments: [{ topic: 't', partitions }],
    commit: async (o: { offsets: Array<{ partition: number; offset: bigint }> }) => {
      commits.push(o.offsets.map(({ partition, offset }) => ({ partition, offset })));
    },
  };
}

describe('OffsetCommitter fencing', () => {
  it('commits offsets read under the current ownership', async () => {
    let stamp = 'm1#0';
    const c = new OffsetCommitter(0, pino({ level: 'silent' }), () => stamp);
    const consumer = fakeConsumer([0]);
    c.use(consumer as never);
    c.acked([{ topic: 't', partition: 0, offset: 10n, generation: 'm1#0' }]);
    expect(await c.flush()).toBe(true);
    expect(consumer.commits).toEqual([[{ partition: 0, offset: 10n }]]);
    expect(c.fenced).toBe(0);
    stamp = 'm1#0'; // a rebalance that kept the partition: same stamp, still committed
    c.acked([{ topic: 't', partition: 0, offset: 20n, generation: 'm1#0' }]);
    await c.flush();
    expect(consumer.commits.at(-1)).toEqual([{ partition: 0, offset: 20n }]);
  });

  it('drops offsets read before the member lost the partition (new term) or was expired (new member id)', async () => {
    let stamp = 'm1#1'; // the partition was revoked once since the batch was read under term 0
    const c = new OffsetCommitter(0, pino({ level: 'silent' }), () => stamp);
    const consumer = fakeConsumer([0]);
    c.use(consumer as never);
    c.acked([{ topic: 't', partition: 0, offset: 10n, generation: 'm1#0' }]);
    await c.flush();
    stamp = 'm2#0'; // expired while frozen, rejoined as a new member
    c.acked([{ topic: 't', partition: 0, offset: 30n, generation: 'm1#1' }]);
    await c.flush();
    expect(consumer.commits).toEqual([]);
    expect(c.fenced).toBe(2);
  });
});
