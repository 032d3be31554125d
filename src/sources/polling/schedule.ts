import { Cron } from 'croner';
import { SynclineError } from '../../core/errors.js';

/** When the next poll starts: a fixed interval after the previous one ended, or a cron schedule (UTC). */
export interface Schedule {
  /** Milliseconds from `now` to the next poll. */
  delayMs(now: Date): number;
  readonly label: string;
}

export function createSchedule(
  opts: { intervalMs: number; cron?: string | undefined },
  where: string,
): Schedule {
  if (opts.cron === undefined)
    return { delayMs: () => opts.intervalMs, label: `every ${opts.intervalMs} ms` };
  let cron: Cron;
  try {
    cron = new Cron(opts.cron, { paused: true, timezone: 'UTC' });
  } catch (e) {
    throw new SynclineError('CONFIG_INVALID', `${where}.cron: ${(e as Error).message}`);
  }
  const pattern = opts.cron;
  return {
    label: `cron "${pattern}"`,
    delayMs(now) {
      const next = cron.nextRun(now);
      return next ? Math.max(0, next.getTime() - now.getTime()) : Number.POSITIVE_INFINITY;
    },
  };
}
