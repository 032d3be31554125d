import type { IngestFormat } from './decode-util.js';

/**
 * Process-wide tally of the messages the ingest ignored because they are not row changes (Debezium
 * schema changes, transaction BEGIN/END, heartbeats, tombstones; Canal/Maxwell DDL…), by format and
 * kind. Read by the metrics endpoint (`syncline_ingest_ignored_total`); HTTP and Kafka ingest both count.
 */
class IgnoredRecords {
  private readonly counts = new Map<string, number>();

  add(format: IngestFormat, kind: string, n = 1): void {
    const k = `${format}\u0000${kind}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  entries(): Array<{ format: string; kind: string; count: number }> {
    return [...this.counts].map(([k, count]) => {
      const [format = '', kind = ''] = k.split('\u0000');
      return { format, kind, count };
    });
  }
}

export const ignoredRecords = new IgnoredRecords();
