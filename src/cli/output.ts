import { isSynclineError } from '../core/errors.js';

/** Exit codes, documented in docs/cli.md. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  CONFIG: 2,
  STACK: 3,
  /** reconcile found drift (or a repair left some). */
  DRIFT: 4,
  /** dlq replay: some entries failed again and were kept. */
  PARTIAL: 5,
  INTERRUPTED: 130,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!isSynclineError(e)) return ExitCode.FAILURE;
  if (e.code.startsWith('SYNC_S000')) return ExitCode.CONFIG;
  if (e.code.startsWith('SYNC_S001')) return ExitCode.STACK;
  return ExitCode.FAILURE;
}

export function printError(e: unknown): void {
  if (isSynclineError(e)) process.stderr.write(`error: ${e.format()}\n`);
  else process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
}

export function table(rows: Array<Record<string, string | number | undefined>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '-').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? '-'))))].join('\n');
}
