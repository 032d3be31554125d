import type { Command } from 'commander';
import type { SynclineConfig } from '../../config/schema.js';
import { errorMessage, isSynclineError } from '../../core/errors.js';
import { createLogger } from '../../runtime/logger.js';
import { SynclineService } from '../../service/service.js';
import { exitCodeFor } from '../output.js';

export function registerRun(program: Command, loadConfig: () => SynclineConfig): void {
  program
    .command('run')
    .description(
      'run the pipelines and the API until Ctrl-C (starts the local stack only with stack.manage: true or when the config names no server)',
    )
    .option('--no-api', 'run the pipelines only (a sync worker), no HTTP service')
    .action(async (opts: { api: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config);
      const service = new SynclineService(config, logger, { api: opts.api });
      const abort = new AbortController();
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) {
          logger.warn('second signal: exiting now');
          process.exit(130);
        }
        stopping = true;
        logger.info({ signal: sig }, 'shutting down: finishing in-flight requests and batches');
        abort.abort();
        service.stop().then(
          () => process.exit(0),
          (e) => {
            logger.error(e, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      await service.start(abort.signal);
      logger.info(
        opts.api
          ? `Syncline is serving on ${service.address} (health: /healthz, readiness: /readyz); Ctrl-C stops`
          : 'Syncline is syncing (no API); Ctrl-C stops',
      );
      if (opts.api) return new Promise<never>(() => {}); // until a signal; a failed pipeline shows in /readyz
      // A worker whose pipeline stopped on an error must not stay up doing nothing: it says why and exits.
      const failure = await service.firstFailure;
      if (stopping) return;
      stopping = true;
      const fix = isSynclineError(failure.error)
        ? failure.error.hint
        : 'fix the cause above and start again: the pipeline resumes from its last checkpoint';
      const code = isSynclineError(failure.error) ? `${failure.error.code} ` : '';
      const message = errorMessage(failure.error);
      process.stderr.write(`error: pipeline ${failure.pipeline} stopped: ${code}${message}\n  → ${fix}\n`);
      logger.error(
        { pipeline: failure.pipeline, err: failure.text },
        'a pipeline failed: stopping the worker',
      );
      abort.abort();
      await service.stop().catch((e: unknown) => logger.error(e, 'shutdown failed'));
      process.exit(Math.max(exitCodeFor(failure.error), 1));
    });
}
