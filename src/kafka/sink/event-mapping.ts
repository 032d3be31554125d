import type { ChangeEvent } from '../../core/change-event.js';
import type { IndexOp, Mapping } from '../../core/interfaces.js';

/**
 * The mapping of a pipeline whose sink is Kafka: every event of the captured tables becomes exactly one op
 * carrying it, unconverted (documents are built by the pipeline that reads the topic and indexes, with its
 * own mappings). `index` names the topic, for dead letters and logs.
 */
export class EventPassThrough implements Mapping {
  constructor(private readonly topicOf: (database: string, table: string) => string) {}

  handles(): boolean {
    return true;
  }

  indexOf(database: string, table: string): string {
    return this.topicOf(database, table);
  }

  toOps(ev: ChangeEvent): IndexOp[] {
    const index = this.topicOf(ev.source.database, ev.source.table);
    const version = ev.source.position.version;
    if (ev.op === 't') return [{ action: 'truncate', index, version, event: ev }];
    const id = JSON.stringify(ev.key);
    if (ev.op === 'd') return [{ action: 'delete', index, id, version, event: ev }];
    return [{ action: 'index', index, id, version, doc: ev.after ?? {}, event: ev }];
  }
}
