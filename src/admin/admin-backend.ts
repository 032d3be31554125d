import type { Pool } from 'mysql2/promise';
import type { SynclineConfig } from '../config/schema.js';
import { SynclineError } from '../core/errors.js';
import type { PipelineRunner } from '../runtime/pipeline-runner.js';
import { splitTable, tableMatcher } from '../sources/mysql-binlog/table-patterns.js';
import { type PipelineStatus, type PipelineView, pipelineStatus } from './pipeline-status.js';

/** What the admin routes and the dashboard drive; implemented over the process's PipelineRunner. */
export interface AdminBackend {
  pipelines(): PipelineStatus[];
  pipeline(name: string): PipelineStatus;
  pause(name: string): PipelineStatus;
  resume(name: string): PipelineStatus;
  /** Queues a re-read of a captured table (optionally a key range) while streaming goes on. */
  resnapshot(
    name: string,
    table: string,
    range?: { fromKey?: unknown[]; untilKey?: unknown[] },
  ): Promise<{ pipeline: string; table: string }>;
}

export class RunnerAdmin implements AdminBackend {
  constructor(
    private readonly runner: PipelineRunner,
    /** For checking that a table exists before it is queued for a re-snapshot. */
    private readonly pool: Pool,
    private readonly config: SynclineConfig,
  ) {}

  pipelines(): PipelineStatus[] {
    const now = Date.now();
    return this.runner.all().map((v) => this.status(v, now));
  }

  pipeline(name: string): PipelineStatus {
    return this.status(this.view(name));
  }

  pause(name: string): PipelineStatus {
    const v = this.view(name);
    this.assertLive(v, 'pause');
    v.pipeline.pause();
    return this.status(v);
  }

  resume(name: string): PipelineStatus {
    const v = this.view(name);
    this.assertLive(v, 'resume');
    v.pipeline.resume();
    return this.status(v);
  }

  private status(v: PipelineView, now = Date.now()): PipelineStatus {
    const kind = this.config.pipelines.find((p) => p.name === v.pipeline.name)?.source.type;
    return pipelineStatus(v, now, kind);
  }

  async resnapshot(
    name: string,
    table: string,
    range?: { fromKey?: unknown[]; untilKey?: unknown[] },
  ): Promise<{ pipeline: string; table: string }> {
    const v = this.view(name);
    this.assertLive(v, 're-snapshot');
    const h = this.runner.handle(name);
    if (!h)
      throw new SynclineError(
        'API_CONFLICT',
        `pipeline ${name} does not read the binlog: re-snapshot applies to mysql-binlog pipelines`,
      );
    const patterns = this.config.pipelines.find((p) => p.name === name)?.source.tables ?? [];
    if (!/^[^.]+\.[^.]+$/.test(table)) {
      throw new SynclineError('API_VALIDATION', `table must be database.table, got '${table}'`, {
        details: { field: 'body.table' },
      });
    }
    const { database, table: t } = splitTable(table);
    if (!tableMatcher(patterns)(database, t)) {
      throw new SynclineError(
        'API_VALIDATION',
        `${table} is not captured by pipeline ${name} (source.tables: ${patterns.join(', ')})`,
        { details: { field: 'body.table' } },
      );
    }
    const [rows] = await this.pool.query(
      `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`,
      [database, t],
    );
    if ((rows as unknown[]).length === 0)
      throw new SynclineError('API_NOT_FOUND', `table ${table} does not exist`, {
        details: { field: 'body.table' },
      });
    await h.source.requestResnapshot(table, range);
    return { pipeline: name, table };
  }

  private view(name: string): PipelineView {
    const all = this.runner.all();
    const v = all.find((x) => x.pipeline.name === name);
    if (!v)
      throw new SynclineError(
        'API_NOT_FOUND',
        `no pipeline named '${name}' runs in this process (running: ${all.map((x) => x.pipeline.name).join(', ') || 'none'})`,
      );
    return v;
  }

  private assertLive(h: PipelineView, what: string): void {
    const state = h.pipeline.state;
    if (state === 'failed' || state === 'stopped' || state === 'stopping')
      throw new SynclineError(
        'API_CONFLICT',
        `cannot ${what} pipeline ${h.pipeline.name}: it is ${state}${h.pipeline.lastError ? ` (${h.pipeline.lastError})` : ''}; restart the service`,
      );
  }
}
