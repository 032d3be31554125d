import type { Progress } from '../ops/progress.js';

export interface ProgressOptions {
  /** Where progress goes: stderr, so stdout keeps only the result (and stays valid JSON with --json). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw a bar (a terminal) or print plain lines (a pipe, a log file). Default: stream.isTTY. */
  readonly tty?: boolean;
  /** Print nothing. */
  readonly quiet?: boolean;
  /** Plain lines: at most one per interval per phase (the first and the last always). Default 2000 ms. */
  readonly lineIntervalMs?: number;
}

interface Track {
  key: string;
  startedAt: number;
  startDone: number;
  lastLineAt: number;
  /** `done` of the last plain line printed. */
  printed: number | undefined;
  last: Progress;
}

/**
 * Progress of long operations: a bar with percentage, rate and ETA redrawn in place on a terminal;
 * plain lines ("reconcile products compare: 4500/10000 rows (45%), 1200 rows/s, ETA 5 s") otherwise.
 */
export class ProgressReporter {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly lineIntervalMs: number;
  private track: Track | undefined;
  private drawnAt = 0;
  private drawn = false;

  constructor(o: ProgressOptions = {}) {
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? Boolean(this.stream.isTTY);
    this.quiet = o.quiet ?? false;
    this.lineIntervalMs = o.lineIntervalMs ?? 2000;
  }

  /** The listener to hand to an operation. */
  readonly update = (p: Progress): void => {
    if (this.quiet) return;
    const key = `${p.operation}|${p.subject ?? ''}|${p.phase}`;
    const now = Date.now();
    if (!this.track || this.track.key !== key) {
      this.finishLine();
      this.track = { key, startedAt: now, startDone: p.done, lastLineAt: 0, printed: undefined, last: p };
    }
    const t = this.track;
    t.last = p;
    if (this.tty) {
      if (now - this.drawnAt < 100 && !(p.total !== undefined && p.done >= p.total)) return;
      this.drawnAt = now;
      this.stream.write(`\r\x1b[K${this.bar(t, now)}`);
      this.drawn = true;
    } else if (now - t.lastLineAt >= this.lineIntervalMs) {
      t.lastLineAt = now;
      t.printed = p.done;
      this.stream.write(`${this.line(t, now)}\n`);
    }
  };

  /** Ends the current bar (or prints the last plain line of the phase). */
  done(): void {
    if (this.quiet) return;
    this.finishLine();
    this.track = undefined;
  }

  private finishLine(): void {
    const t = this.track;
    if (!t) return;
    const now = Date.now();
    if (this.tty && this.drawn) {
      this.stream.write(`\r\x1b[K${this.bar(t, now)}\n`);
      this.drawn = false;
    } else if (!this.tty && t.printed !== t.last.done) {
      this.stream.write(`${this.line(t, now)}\n`);
    }
  }

  private stats(t: Track, now: number) {
    const p = t.last;
    const secs = Math.max(0.001, (now - t.startedAt) / 1000);
    const rate = (p.done - t.startDone) / secs;
    const pct = p.total ? Math.min(100, (100 * p.done) / p.total) : undefined;
    const eta = p.total !== undefined && rate > 0 ? Math.max(0, (p.total - p.done) / rate) : undefined;
    return { p, rate, pct, eta };
  }

  private label(p: Progress): string {
    return [p.operation, p.subject, p.phase].filter(Boolean).join(' ');
  }

  private line(t: Track, now: number): string {
    const { p, rate, pct, eta } = this.stats(t, now);
    const count = p.total !== undefined ? `${p.done}/${p.total} ${p.unit}` : `${p.done} ${p.unit}`;
    const parts = [count + (pct !== undefined ? ` (${pct.toFixed(0)}%)` : '')];
    parts.push(`${formatRate(rate)} ${p.unit}/s`);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return `${this.label(p)}: ${parts.join(', ')}`;
  }

  private bar(t: Track, now: number): string {
    const { p, rate, pct, eta } = this.stats(t, now);
    const width = 24;
    const fill = pct !== undefined ? Math.round((pct / 100) * width) : 0;
    const bar =
      pct !== undefined
        ? `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${pct.toFixed(0).padStart(3)}%`
        : '';
    const count = p.total !== undefined ? `${p.done}/${p.total}` : `${p.done}`;
    const tail = `${count} ${p.unit}  ${formatRate(rate)}/s${eta !== undefined ? `  ETA ${formatDuration(eta)}` : ''}`;
    const text = [this.label(p), bar, tail].filter(Boolean).join('  ');
    const cols = this.stream.columns ?? 120;
    return text.length > cols - 1 ? text.slice(0, cols - 1) : text;
  }
}

export function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
