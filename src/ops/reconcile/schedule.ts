import type { Logger } from 'pino';
import type { ReconcileConfig } from '../../config/schema.js';
import { errorMessage, SynclineError } from '../../core/errors.js';
import type { OpsContext } from '../context.js';
import { type ReconcileReport, reconcile } from './reconcile.js';

/** When the next run is due, after `from`. */
export type Schedule = { readonly describe: string; next(from: Date): Date };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "6h", "1d" (an interval) or a 5-field cron expression in UTC ("0 3 * * *"). */
export function parseSchedule(text: string): Schedule {
  const s = text.trim();
  const iv = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (iv) {
    const ms = Number(iv[1]) * UNITS[iv[2]!]!;
    if (ms < 1000)
      throw new SynclineError('CONFIG_INVALID', `reconcile.schedule: "${text}" is shorter than 1 s`);
    return { describe: `every ${s}`, next: (from) => new Date(from.getTime() + ms) };
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) {
    throw new SynclineError(
      'CONFIG_INVALID',
      `reconcile.schedule: "${text}" is neither an interval ("30m", "6h") nor a 5-field cron expression ("0 3 * * *")`,
    );
  }
  const [min, hour, dom, mon, dow] = [
    field(fields[0]!, 0, 59, 'minute', text),
    field(fields[1]!, 0, 23, 'hour', text),
    field(fields[2]!, 1, 31, 'day of month', text),
    field(fields[3]!, 1, 12, 'month', text),
    field(fields[4]!.replace(/\b7\b/g, '0'), 0, 6, 'day of week', text),
  ];
  const domAny = fields[2] === '*';
  const dowAny = fields[4] === '*';
  const schedule: Schedule = {
    describe: `cron "${s}" (UTC)`,
    next(from) {
      const t = new Date(from.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      for (let i = 0; i < 366 * 24 * 60; i++) {
        // classic cron: with both day fields restricted, either one matching is enough
        const dayOk =
          domAny && dowAny
            ? true
            : domAny
              ? dow.has(t.getUTCDay())
              : dowAny
                ? dom.has(t.getUTCDate())
                : dom.has(t.getUTCDate()) || dow.has(t.getUTCDay());
        if (mon.has(t.getUTCMonth() + 1) && dayOk && hour.has(t.getUTCHours()) && min.has(t.getUTCMinutes()))
          return t;
        t.setUTCMinutes(t.getUTCMinutes() + 1);
      }
      throw new SynclineError('CONFIG_INVALID', `reconcile.schedule: "${text}" never matches`);
    },
  };
  schedule.next(new Date(Date.UTC(2000, 0, 1))); // a leap year ahead: refuses "31 2"-like expressions now
  return schedule;
}

function field(spec: string, lo: number, hi: number, name: string, text: string): Set<number> {
  const out = new Set<number>();
  const bad = () =>
    new SynclineError(
      'CONFIG_INVALID',
      `reconcile.schedule: "${text}": ${name} "${spec}" is not valid (${lo}–${hi})`,
    );
  for (const part of spec.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw bad();
    const step = m[2] ? Number(m[2]) : 1;
    let a = lo;
    let b = hi;
    if (m[1] !== '*') {
      const [x, y] = m[1]!.split('-').map(Number);
      a = x!;
      b = y ?? (m[2] ? hi : x!);
    }
    if (a < lo || b > hi || a > b || step < 1) throw bad();
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/**
 * Runs reconcile on `reconcile.schedule` inside `syncline run` (one run at a time; a run that overlaps
 * the next slot delays it). Findings go to the drift registry (metrics) and the log.
 */
export class ReconcileScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  lastReport: ReconcileReport | undefined;
  lastError: string | undefined;
  nextRunAt: Date | undefined;

  constructor(
    private readonly ctx: OpsContext,
    private readonly config: ReconcileConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.config.schedule) return;
    const schedule = parseSchedule(this.config.schedule);
    this.logger.info(
      { schedule: schedule.describe, repair: this.config.repair },
      `reconcile scheduled ${schedule.describe}`,
    );
    const arm = () => {
      if (this.abort.signal.aborted) return;
      this.nextRunAt = schedule.next(new Date());
      // long delays are re-armed in steps: setTimeout caps at ~24.8 days
      const wait = Math.min(this.nextRunAt.getTime() - Date.now(), 2 ** 31 - 1);
      this.timer = setTimeout(
        () => {
          this.running = this.runOnce().finally(arm);
        },
        Math.max(0, wait),
      );
      this.timer.unref?.();
    };
    arm();
  }

  /** One scheduled run now (every target of the config). */
  async runOnce(): Promise<void> {
    const targets = this.config.targets.length > 0 ? this.config.targets : [undefined];
    for (const target of targets) {
      try {
        const r = await reconcile(this.ctx, {
          ...(target && { target }),
          repair: this.config.repair,
          signal: this.abort.signal,
        });
        this.lastReport = r;
        this.lastError = undefined;
        for (const ix of r.indexes) {
          const msg = `reconcile ${ix.index}: missing ${ix.missing}, extra ${ix.extra}, stale ${ix.stale}${ix.repair ? `, repaired ${ix.repair.indexed + ix.repair.deleted}, remaining ${ix.repair.remaining}` : ''}`;
          if (ix.drift > 0) this.logger.warn({ reconcile: ix }, msg);
          else this.logger.info({ index: ix.index, rows: ix.rows }, msg);
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.lastError = errorMessage(e);
        this.logger.error({ err: this.lastError, target }, `scheduled reconcile failed: ${this.lastError}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }
}
