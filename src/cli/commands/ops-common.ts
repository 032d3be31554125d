import { pino } from 'pino';
import type { SynclineConfig } from '../../config/schema.js';
import { createOpsContext, type OwnedOpsContext } from '../../ops/context.js';
import { ProgressReporter } from '../progress.js';

/** Options every operations command takes. */
export interface OpsFlags {
  json?: boolean;
  quiet?: boolean;
}

/**
 * Runs an operation with a context of its own (pools closed afterwards), logs on stderr (warnings and
 * up: the output is the result), progress on stderr, Ctrl-C aborting the operation.
 */
export async function withOps<T>(
  loadConfig: () => SynclineConfig,
  flags: OpsFlags,
  run: (ctx: OwnedOpsContext, progress: ProgressReporter, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const level =
    config.logLevel === 'info' || config.logLevel === 'debug' || config.logLevel === 'trace'
      ? 'warn'
      : config.logLevel;
  const logger = pino({ level, base: { svc: 'syncline' } }, pino.destination(2));
  const ctx = createOpsContext(config, logger);
  const progress = new ProgressReporter({ quiet: flags.quiet ?? false });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    return await run(ctx, progress, abort.signal);
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
    await ctx.close();
  }
}

/** Prints a result: JSON (for scripts) or the human form. */
export function emit(flags: OpsFlags, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function parseIntOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: "${v}" is not a positive integer`);
    return n;
  };
}

/** "1,2,3" → [1, 2, 3]. */
export function parseIds(v: string): number[] {
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`--ids: "${v}" is not a comma-separated list of dead-letter ids`);
  return ids;
}

/** A key for --from/--until: a JSON array ('[42,"en"]'), or comma-separated values ("42,en"). */
export function parseKey(v: string): unknown[] {
  if (v.trim().startsWith('[')) {
    try {
      const k = JSON.parse(v);
      if (Array.isArray(k) && k.length > 0) return k;
    } catch {}
    throw new Error(`key "${v}" is not a JSON array of key values`);
  }
  return v.split(',').map((s) => s.trim());
}
