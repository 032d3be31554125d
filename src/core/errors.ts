/**
 * The one error catalog. Codes are stable: users grep logs and docs for them.
 *   S0xxx  configuration and local stack
 *   S1xxx  capture (sources)
 *   S2xxx  sink (search engine, Kafka)
 *   S3xxx  API
 *   S4xxx  operations (reconcile, reindex, dead letters)
 * Every entry says what went wrong and what to do next.
 */
export const ErrorCodes = {
  // configuration / stack
  CONFIG_INVALID: { code: 'SYNC_S0001', hint: 'Fix the key named above in the config file or environment.' },
  CONFIG_NOT_FOUND: {
    code: 'SYNC_S0002',
    hint: 'Pass an existing file with -c, or run without -c to use defaults.',
  },
  PORT_IN_USE: {
    code: 'SYNC_S0010',
    hint: 'Stop the process holding the port, or choose another port in the config (stack.*.port).',
  },
  JAVA_MISSING: {
    code: 'SYNC_S0011',
    hint: 'Install a Java 17 JDK (apt-get install openjdk-17-jdk-headless); OpenSearch 3 and Elasticsearch 9 need Java 21+ (point SYNCLINE_JAVA_HOME or JAVA_HOME at it).',
  },
  MAVEN_FAILED: {
    code: 'SYNC_S0012',
    hint: 'Check access to Maven Central (or a filled ~/.m2); the engine log above says which artifact failed.',
  },
  ENGINE_START_FAILED: {
    code: 'SYNC_S0013',
    hint: 'Read the log file named above; `syncline stack status` shows what runs.',
  },
  ENGINE_START_TIMEOUT: {
    code: 'SYNC_S0014',
    hint: 'The server did not become healthy in time; read its log file (named above).',
  },
  BINARY_MISSING: {
    code: 'SYNC_S0015',
    hint: 'Install the MariaDB server package (mariadb-server) or put it on PATH.',
  },
  MYSQL_ROOT_FAILED: {
    code: 'SYNC_S0016',
    hint: 'Building the local MySQL root (debootstrap, once) failed: run `sudo ./syncline stack up --with mysql` once as root, install debootstrap (apt-get install -y debootstrap), or set SYNCLINE_DEBIAN_MIRROR to a reachable Debian mirror.',
  },

  RELATION_MISMATCH: {
    code: 'SYNC_S0020',
    hint: 'Fix the relation named above (mappings[].relations[]) so that its tables and columns exist and its `on`/`through` columns pair up; docs/mapping.md#documents-built-from-several-tables.',
  },
  TEXT_ENRICHMENT_UNAVAILABLE: {
    code: 'SYNC_S0021',
    hint: 'A library of the Chinese text enrichment (mappings[].text) could not load: reinstall dependencies (npm install) on a platform @node-rs/jieba ships a binary for, or remove the `text` entries; docs/mapping.md#chinese-text.',
  },

  // capture
  SOURCE_UNREACHABLE: { code: 'SYNC_S1001', hint: 'Check mysql.url and that the server is up.' },
  PREFLIGHT_FAILED: {
    code: 'SYNC_S1002',
    hint: 'Apply the server setting named above, then restart Syncline.',
  },
  POSITION_PURGED: {
    code: 'SYNC_S1003',
    hint: 'The checkpoint is older than the oldest binlog. Syncline re-snapshots (onPurged: resnapshot) or stops.',
  },
  NO_PRIMARY_KEY: {
    code: 'SYNC_S1004',
    hint: 'Add a primary key, or configure a unique key for the table (keyColumns).',
  },
  EVENT_INVALID: {
    code: 'SYNC_S1005',
    hint: 'The message was rejected; see the reason and fix the producer.',
  },
  // write paths: dual-write SDK, ORM hooks, outbox (docs/dual-write.md, docs/outbox.md)
  DUAL_WRITE_NO_VERSION: {
    code: 'SYNC_S1101',
    hint: 'Dual-write versions come from the commit GTID (MariaDB @@last_gtid, MySQL performance_schema or the COMMIT OK packet): enable log_bin (and gtid_mode on MySQL), read it on the connection that ran COMMIT before releasing it, or use the outbox write path.',
  },
  DUAL_WRITE_UNMAPPED: {
    code: 'SYNC_S1102',
    hint: 'Add a mapping for the table (mappings[]), or name a mapped table as database.table.',
  },
  OUTBOX_ROW_INVALID: {
    code: 'SYNC_S1111',
    hint: 'The outbox row went to the dead-letter store; write outbox rows through Syncline (outbox write path), then replay.',
  },
  // high availability (docs/ha.md)
  HA_FENCED: {
    code: 'SYNC_S1201',
    hint: 'Another worker took this pipeline over (its fencing token is newer): this worker stepped down and waits as a standby; nothing to do.',
  },

  // sink
  SINK_UNREACHABLE: {
    code: 'SYNC_S2001',
    hint: 'Check search.url and that the engine is up; Syncline retries.',
  },
  SINK_REJECTED: {
    code: 'SYNC_S2002',
    hint: 'The document went to the dead-letter store; fix the mapping, then replay.',
  },
  SINK_UNSUPPORTED: { code: 'SYNC_S2003', hint: 'Use OpenSearch 1–3 or Elasticsearch 7.10–9.' },
  INDEX_SETUP_FAILED: { code: 'SYNC_S2004', hint: 'Fix the index definition named above in the config.' },
  KAFKA_UNREACHABLE: {
    code: 'SYNC_S2005',
    hint: 'Check kafka.brokers and that the broker is up; Syncline keeps retrying and the checkpoint waits.',
  },
  KAFKA_TOPIC_SETUP_FAILED: {
    code: 'SYNC_S2006',
    hint: 'Create the topic yourself (or allow CreateTopics for this client), or fix partitions/replicationFactor.',
  },
  SINK_AUTH_FAILED: {
    code: 'SYNC_S2007',
    hint: 'Fix the credential named above (search.username/password, search.apiKey or search.bearerToken) or grant it the index privileges; see docs/sink.md#authentication-and-tls.',
  },

  // API
  API_VALIDATION: { code: 'SYNC_S3001', hint: 'Fix the field named in the message.' },
  API_NOT_FOUND: { code: 'SYNC_S3002', hint: 'Check the id.' },
  API_CONFLICT: { code: 'SYNC_S3003', hint: 'Re-read the resource and retry with its current version.' },
  API_UNAUTHORIZED: { code: 'SYNC_S3004', hint: 'Send Authorization: Bearer <admin token from config>.' },
  API_BAD_QUERY: { code: 'SYNC_S3005', hint: 'Change the search parameters named in the message.' },
  API_RATE_LIMITED: { code: 'SYNC_S3006', hint: 'Slow down; retry after the delay in Retry-After.' },
  API_UNAVAILABLE: { code: 'SYNC_S3007', hint: 'A dependency is down; retry shortly.' },
  API_PAYLOAD_TOO_LARGE: {
    code: 'SYNC_S3008',
    hint: 'Send a smaller body (split log batches); the limit is in api.bodyLimitBytes / api.logs.bodyLimitBytes.',
  },
  API_UNSUPPORTED_MEDIA_TYPE: { code: 'SYNC_S3009', hint: 'Send the body as application/json.' },
  // operations (reconcile, reindex, dead letters)
  OPS_TARGET_UNKNOWN: {
    code: 'SYNC_S4001',
    hint: 'Name a pipeline, a mapped table (database.table) or a mapped index from the config.',
  },
  OPS_ENGINE_FAILED: {
    code: 'SYNC_S4002',
    hint: 'The search engine refused an operations request; the reason above names the index and the cause.',
  },
  REINDEX_FAILED: {
    code: 'SYNC_S4003',
    hint: 'The alias was not moved: searches still use the old index. Fix the cause named above and run the reindex again.',
  },
  REINDEX_NOT_ALIAS: {
    code: 'SYNC_S4004',
    hint: 'Zero-downtime reindex swaps an alias; this name is a concrete index. Recreate it behind an alias (docs/reindex.md).',
  },
  REINDEX_NO_ROLLBACK: {
    code: 'SYNC_S4005',
    hint: 'There is no earlier index to go back to (see `syncline reindex <index> --status`).',
  },
  DEAD_LETTER_NOT_FOUND: { code: 'SYNC_S4006', hint: 'List dead letters with `syncline dlq list`.' },
  INTERNAL: { code: 'SYNC_S9999', hint: 'This is a bug; please report it with the log lines around it.' },
} as const;

export type ErrorKind = keyof typeof ErrorCodes;

export class SynclineError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SynclineError';
    this.kind = kind;
    this.code = ErrorCodes[kind].code;
    this.hint = ErrorCodes[kind].hint;
    this.details = options?.details;
  }

  /** One line for a terminal: code, what happened, what to do next. */
  format(): string {
    return `${this.code} ${this.message}\n  → ${this.hint}`;
  }
}

export function isSynclineError(e: unknown, kind?: ErrorKind): e is SynclineError {
  return e instanceof SynclineError && (kind === undefined || e.kind === kind);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
