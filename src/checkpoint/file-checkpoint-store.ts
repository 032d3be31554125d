import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Position } from '../core/change-event.js';
import { positionFromJson, positionToJson } from '../core/event-json.js';
import type { CheckpointStore } from '../core/interfaces.js';

/** One JSON file per pipeline, replaced atomically (write, fsync, rename): for read-only sources and tests. */
export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  private file(pipeline: string): string {
    return path.join(this.dir, `${pipeline}.json`);
  }

  async load(pipeline: string): Promise<Position | undefined> {
    try {
      return positionFromJson(await readFile(this.file(pipeline), 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async commit(pipeline: string, position: Position): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(pipeline)}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(positionToJson(position));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file(pipeline));
  }

  async remove(pipeline: string): Promise<void> {
    await rm(this.file(pipeline), { force: true });
  }

  async close(): Promise<void> {}
}
