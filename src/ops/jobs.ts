import { randomUUID } from 'node:crypto';
import { errorMessage, isSynclineError } from '../core/errors.js';
import type { Progress, ProgressListener } from './progress.js';

export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly subject: string | undefined;
  readonly state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string | undefined;
  readonly progress: Progress | undefined;
  readonly result: unknown;
  readonly error: { code: string | undefined; message: string } | undefined;
}

interface Job {
  id: string;
  kind: string;
  subject: string | undefined;
  state: JobView['state'];
  startedAt: Date;
  finishedAt?: Date;
  progress?: Progress;
  result?: unknown;
  error?: JobView['error'];
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Long operations started over HTTP (reconcile, reindex) run as jobs in the process: the request answers
 * at once with the job, which is polled for progress and result. The last `keep` jobs are remembered.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  constructor(private readonly keep = 50) {}

  start(
    kind: string,
    subject: string | undefined,
    run: (signal: AbortSignal, onProgress: ProgressListener) => Promise<unknown>,
  ): JobView {
    const abort = new AbortController();
    const job: Job = {
      id: randomUUID(),
      kind,
      subject,
      state: 'running',
      startedAt: new Date(),
      abort,
      done: Promise.resolve(),
    };
    job.done = run(abort.signal, (p) => {
      job.progress = p;
    }).then(
      (result) => {
        job.state = 'done';
        job.result = result;
        job.finishedAt = new Date();
      },
      (e: unknown) => {
        job.state = 'failed';
        job.error = { code: isSynclineError(e) ? e.code : undefined, message: errorMessage(e) };
        job.finishedAt = new Date();
      },
    );
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - this.keep))) {
      if (this.jobs.get(id)?.state !== 'running') this.jobs.delete(id);
    }
    return view(job);
  }

  get(id: string): JobView | undefined {
    const j = this.jobs.get(id);
    return j && view(j);
  }

  list(): JobView[] {
    return [...this.jobs.values()].reverse().map(view);
  }

  /** True when a job of this kind and subject is running (one reindex per alias at a time). */
  running(kind: string, subject?: string): boolean {
    return [...this.jobs.values()].some(
      (j) => j.state === 'running' && j.kind === kind && j.subject === subject,
    );
  }

  /** Aborts every running job and waits for them (graceful shutdown). */
  async stop(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.state === 'running');
    for (const j of running) j.abort.abort(new Error('shutting down'));
    await Promise.allSettled(running.map((j) => j.done));
  }
}

function view(j: Job): JobView {
  return {
    id: j.id,
    kind: j.kind,
    subject: j.subject,
    state: j.state,
    startedAt: j.startedAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString(),
    progress: j.progress,
    result: j.result,
    error: j.error,
  };
}
