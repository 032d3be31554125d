import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { DEFAULT_ADMIN_TOKEN } from './admin-token.js';

/**
 * The configuration, declared once. Types (Static), defaults, validation messages, the JSON Schema
 * shipped for editors (dist/config-schema.json) and docs/configuration.md all come from here.
 */
const strict = { additionalProperties: false, default: {} } as const;

const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: def, description });

export const MysqlSchema = Type.Object(
  {
    url: Type.String({
      description:
        "Source database URL (mysql://user:password@host:port/database). Env: SYNCLINE_MYSQL_URL. Unset: the local stack's MariaDB, mysql://syncline:syncline@127.0.0.1:<stack.mariadb.port>/syncline_demo.",
    }),
    serverId: Type.Integer({
      minimum: 1,
      maximum: 4294967295,
      default: 65001,
      description: 'Replica server_id used when reading the binlog; unique among the replicas of the source.',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'Connect timeout.' }),
    poolSize: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 10,
      description: 'Connections in the query pool.',
    }),
    timezone: Type.String({
      default: 'Z',
      description:
        'Session time zone used to read TIMESTAMP values (DATETIME has no zone and is read as written). See docs/configuration.md#time-zones.',
    }),
  },
  strict,
);

export const SearchSchema = Type.Object(
  {
    url: Type.String({
      description:
        "Elasticsearch/OpenSearch base URL. Env: SYNCLINE_SEARCH_URL. Unset: the local stack's node, http://127.0.0.1:<stack.opensearch.port>.",
    }),
    username: Type.Optional(Type.String({ description: 'Basic-auth user. Env: SYNCLINE_SEARCH_USERNAME.' })),
    password: Type.Optional(
      Type.String({ description: 'Basic-auth password. Env: SYNCLINE_SEARCH_PASSWORD.' }),
    ),
    apiKey: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'API key, sent as `Authorization: ApiKey <apiKey>`: the `encoded` value Elasticsearch answers to POST /_security/api_key. One credential only: not with username or bearerToken. Env: SYNCLINE_SEARCH_API_KEY.',
      }),
    ),
    bearerToken: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Token sent as `Authorization: Bearer <bearerToken>` (ES service or OAuth tokens, a proxy in front of OpenSearch). One credential only. Env: SYNCLINE_SEARCH_BEARER_TOKEN.',
      }),
    ),
    tls: Type.Object(
      {
        caFile: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "PEM file of the CA that signed the engine's certificate (ES 8/9: config/certs/http_ca.crt); trusted instead of the system store. Env: SYNCLINE_SEARCH_CA_FILE.",
          }),
        ),
        fingerprint: Type.Optional(
          Type.String({
            description:
              "SHA-256 fingerprint of the engine's certificate or of a CA in its chain (hex, colons optional; ES 8/9 prints it at first start). Pins the certificate: checked on every connection instead of the chain. Env: SYNCLINE_SEARCH_CA_FINGERPRINT.",
          }),
        ),
      },
      { ...strict, description: 'HTTPS to the engine (search.url https://): whom to trust.' },
    ),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000, description: 'Per-request timeout.' }),
    connections: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 8,
      description: 'Keep-alive sockets in the pool.',
    }),
  },
  strict,
);

export const KafkaSchema = Type.Object(
  {
    brokers: Type.Array(Type.String(), {
      description:
        "Bootstrap brokers (host:port). Env: SYNCLINE_KAFKA_BROKERS (comma-separated). Unset: the local stack's broker, 127.0.0.1:<stack.kafka.port>.",
    }),
    clientId: Type.String({ default: 'syncline', description: 'Kafka client id.' }),
  },
  strict,
);

export const ServerSchema = Type.Object(
  {
    host: Type.String({
      default: '127.0.0.1',
      description: 'Listen address of the API. Env: SYNCLINE_API_HOST.',
    }),
    port: Port(8080, 'Listen port of the API. Env: SYNCLINE_API_PORT.'),
    adminToken: Type.String({
      default: DEFAULT_ADMIN_TOKEN,
      minLength: 8,
      description:
        'Bearer token for admin routes (and ingest routes when ingest.token is unset). Env: SYNCLINE_ADMIN_TOKEN. The default is published: `syncline run` refuses to serve on a non-loopback server.host with it (exit 2).',
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      default: 15_000,
      description: 'How long shutdown waits for in-flight requests and index writes.',
    }),
  },
  strict,
);

/** The write path of one catalog table (docs/api.md#write-paths). */
const WriteMode = Type.Union(
  [
    Type.Literal('cdc'),
    Type.Literal('dual-write-sync'),
    Type.Literal('dual-write-async'),
    Type.Literal('outbox'),
  ],
  {
    default: 'cdc',
    description:
      'cdc: the API only writes MariaDB, the binlog pipeline indexes. dual-write-sync: respond after the index write (bounded by api.dualWrite.syncTimeoutMs). dual-write-async: respond after commit, index in the background. outbox: an outbox row in the same transaction, shipped by a relay. See docs/api.md#write-paths.',
  },
);

/** The dual-write SDK's own settings (`syncline/sdk`, docs/dual-write.md); the catalog's dual-write modes use them too. */
export const SdkSchema = Type.Object(
  {
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 1_000,
      default: 20,
      description:
        'Attempts of one dual-write (capped exponential backoff from sink.retry) before it goes to the dead-letter store.',
    }),
    maxQueued: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description:
        'Dual-writes accepted and not yet settled (memory bound); a change beyond it goes straight to the dead-letter store (retries-exhausted) and the response says behind.',
    }),
  },
  strict,
);

/** Dual-write modes of the catalog (docs/dual-write.md). */
const DualWriteSchema = Type.Object(
  {
    syncTimeoutMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 2_000,
      description:
        'dual-write-sync: how long a request waits for its index write; past it the response says x-syncline-index: behind and the write keeps retrying in the background.',
    }),
    maxAttempts: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000, description: 'Deprecated: use sdk.maxAttempts.' }),
    ),
    maxQueued: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Deprecated: use sdk.maxQueued.' }),
    ),
    pipeline: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      default: 'api-dual-write',
      description: 'Name under which dual-writes are dead-lettered (dead-letter store `pipeline`).',
    }),
  },
  strict,
);

/** Outbox mode of the catalog (docs/outbox.md). */
const ApiOutboxSchema = Type.Object(
  {
    table: Type.String({
      pattern: '^[A-Za-z0-9_$]+(\\.[A-Za-z0-9_$]+)?$',
      default: 'syncline_outbox',
      description:
        "Outbox table written in the entity's transaction: `table` (in mysql.url's database) or `database.table`. Created when missing.",
    }),
    pipeline: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]*$',
      default: 'api-outbox',
      description:
        '`syncline run` starts a relay pipeline of this name when a table is in outbox mode and no pipeline with an outbox source already ships that outbox table.',
    }),
  },
  strict,
);

export const ApiSchema = Type.Object(
  {
    requestTimeoutMs: Type.Integer({
      minimum: 0,
      default: 30_000,
      description:
        'Time a client has to send a whole request (slow senders get 408; 0 = no limit). Handler time is bounded by dbStatementTimeoutMs and searchTimeoutMs.',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 64 * 1024 * 1024,
      default: 256 * 1024,
      description: 'Largest accepted request body outside log ingest; larger bodies get 413 SYNC_S3008.',
    }),
    defaultPageSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 20,
      description: 'Page size when `size` is not given.',
    }),
    maxPageSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: 'Largest `size` a list or search request may ask for.',
    }),
    dbStatementTimeoutMs: Type.Integer({
      minimum: 0,
      default: 10_000,
      description:
        "Statement timeout of the API's connections (0 = none); a slower statement answers 503. MariaDB: max_statement_time; MySQL: max_execution_time, which bounds read-only SELECTs only.",
    }),
    searchTimeoutMs: Type.Integer({
      minimum: 100,
      default: 5_000,
      description: 'Timeout of one search request to the engine; over it the API answers 503.',
    }),
    productsIndex: Type.String({
      pattern: '^[a-z0-9][a-z0-9_.-]*$',
      default: 'products',
      description: 'Index (or alias) that GET /api/products/search queries.',
    }),
    priceRanges: Type.Array(Type.Number({ minimum: 0 }), {
      default: [100, 500, 1000, 5000],
      maxItems: 20,
      description:
        'Boundaries of the price-range facet buckets, ascending ([100, 500] → <100, 100–500, ≥500).',
    }),
    categoryFacetSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 50,
      description: 'Most categories the category facet returns.',
    }),
    synonyms: Type.Array(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 2, maxItems: 20 }),
      {
        maxItems: 10_000,
        default: [],
        description:
          'Synonym groups for the product search q, e.g. [["运动鞋", "跑步鞋", "跑鞋"], ["手机壳", "phone case"]]: a query holding one term of a group also matches the others (scored below the words typed). A group with a "=>" element is one-way: ["运动鞋", "=>", "跑步鞋", "篮球鞋"] — the terms before it also mean the terms after it (and those terms\' own groups), never the reverse. Applied at query time: a change needs a restart of the API, never a reindex. Terms are folded like the text (traditional = simplified, case-insensitive). See docs/api.md#synonyms.',
      },
    ),
    accessoryTerms: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      maxItems: 10_000,
      default: [],
      description:
        'Words that make a product an accessory when its name holds one, e.g. ["手机壳", "钢化膜", "支架", "phone case", "charger"]: a product search whose q names none of them (nor through its synonyms) is first answered without the accessories, and with them only when nothing else matches — "iPhone 15 Pro" shows the phone, not its case. Folded like the text. Empty: no demotion. See docs/api.md#accessories.',
    }),
    searchCache: Type.Object(
      {
        ttlMs: Type.Integer({
          minimum: 0,
          maximum: 600_000,
          default: 2_000,
          description:
            'How long an identical search is answered from memory (0 disables the cache). Staleness bound: ttlMs + the index refresh interval + pipeline lag.',
        }),
        maxEntries: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          default: 1_000,
          description: 'Entries kept (least recently used evicted first).',
        }),
      },
      strict,
    ),
    rateLimit: Type.Object(
      {
        max: Type.Integer({
          minimum: 0,
          default: 600,
          description:
            'Write requests (POST/PUT/PATCH/DELETE, log ingest included) per client IP per window; 0 disables the limit.',
        }),
        timeWindowMs: Type.Integer({ minimum: 100, default: 60_000, description: 'Rate-limit window.' }),
      },
      strict,
    ),
    writeModes: Type.Object(
      { products: WriteMode, categories: WriteMode, users: WriteMode },
      { ...strict, description: 'Write path per catalog table.' },
    ),
    dualWrite: DualWriteSchema,
    outbox: ApiOutboxSchema,
    logs: Type.Object(
      {
        indexPrefix: Type.String({
          pattern: '^[a-z0-9][a-z0-9_.-]*-$',
          default: 'logs-',
          description:
            "Daily log indices are <indexPrefix>YYYY.MM.DD (UTC day of the record's ts); the index template is syncline-<indexPrefix without the dash>.",
        }),
        maxRecords: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 1_000,
          description: 'Records one POST /api/logs may carry.',
        }),
        bodyLimitBytes: Type.Integer({
          minimum: 1024,
          maximum: 256 * 1024 * 1024,
          default: 8 * 1024 * 1024,
          description: 'Largest POST /api/logs body.',
        }),
        maxFieldsDepth: Type.Integer({
          minimum: 1,
          maximum: 32,
          default: 5,
          description: "Deepest nesting of a record's `fields` object.",
        }),
        maxFieldsBytes: Type.Integer({
          minimum: 64,
          maximum: 1024 * 1024,
          default: 16 * 1024,
          description: "Largest JSON size of a record's `fields`.",
        }),
        batchMaxDocs: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 5_000,
          description: 'Records per _bulk request.',
        }),
        lingerMs: Type.Integer({
          minimum: 0,
          maximum: 10_000,
          default: 20,
          description: 'How long a partial batch waits for more records.',
        }),
        maxPendingRecords: Type.Integer({
          minimum: 1,
          default: 200_000,
          description:
            'Records accepted but not yet written; above it POST /api/logs answers 503 (backpressure).',
        }),
      },
      strict,
    ),
  },
  strict,
);

const EngineSchema = (port: number, heap: string, what: string, portNote = '') =>
  Type.Object(
    {
      port: Port(port, `Port of the local ${what}${portNote}.`),
      heap: Type.String({
        pattern: '^[0-9]+[mMgG]$',
        default: heap,
        description: `JVM heap of the local ${what}.`,
      }),
    },
    strict,
  );

export const StackSchema = Type.Object(
  {
    manage: Type.Boolean({
      description:
        'Start the local stack (MariaDB, OpenSearch, Kafka when used) before `syncline run`. Unset: true when neither mysql.url nor search.url is set (the embedded demo), false when both are; setting only one of them without stack.manage is an error naming the other. Env: SYNCLINE_STACK_MANAGE.',
    }),
    dataDir: Type.String({ default: '.data', description: 'Where the local stack keeps its data and logs.' }),
    mariadb: Type.Object({ port: Port(3307, 'Port of the local MariaDB.') }, strict),
    mysql: Type.Object(
      {
        port: Port(3308, 'Port of the local MySQL 9.7 (started only with `stack up --with mysql`).'),
        serverId: Type.Integer({ minimum: 1, default: 3308, description: 'server-id of the local MySQL.' }),
      },
      strict,
    ),
    opensearch: EngineSchema(9200, '1g', 'OpenSearch node', ' (HTTP; its transport port is this + 100)'),
    search: Type.Object(
      {
        engine: Type.Union(
          [
            Type.Literal('opensearch-2'),
            Type.Literal('opensearch-3'),
            Type.Literal('elasticsearch-8'),
            Type.Literal('elasticsearch-9'),
          ],
          {
            default: 'opensearch-2',
            description:
              'Engine of the local search node (port and heap: stack.opensearch): OpenSearch 2.19.6, OpenSearch 3.9.0 (Java 21+), Elasticsearch 8.19.21 or 9.5.3 (Java 21+); the JDK is chosen automatically (docs/stack.md#search-engines). Env: SYNCLINE_SEARCH_ENGINE.',
          },
        ),
      },
      strict,
    ),
    kafka: EngineSchema(9092, '512m', 'Kafka broker', ' (its KRaft controller port is this + 1)'),
    startTimeoutMs: Type.Integer({
      minimum: 5_000,
      default: 180_000,
      description: 'How long `stack up` waits for a component to become healthy.',
    }),
  },
  strict,
);

const Json = Type.Record(Type.String(), Type.Unknown());

export const SinkSchema = Type.Object(
  {
    batch: Type.Object(
      {
        maxDocs: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 1000,
          description: 'Documents per _bulk request.',
        }),
        maxBytes: Type.Integer({
          minimum: 1024,
          default: 5 * 1024 * 1024,
          description: 'Bytes per _bulk request body (a single larger document is sent alone).',
        }),
        lingerMs: Type.Integer({
          minimum: 0,
          maximum: 60_000,
          default: 50,
          description: 'How long a partial batch waits for more documents before it is sent.',
        }),
      },
      strict,
    ),
    concurrency: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 4,
      description:
        '_bulk requests in flight. 4 keeps a single node busy while the next batch is encoded (docs/performance.md).',
    }),
    maxBufferedBytes: Type.Integer({
      minimum: 1024,
      default: 32 * 1024 * 1024,
      description: 'Bytes accepted but not yet acknowledged; above it the source waits (backpressure).',
    }),
    retry: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 1, default: 100, description: 'First backoff (full jitter).' }),
        maxMs: Type.Integer({ minimum: 1, default: 30_000, description: 'Backoff cap.' }),
        maxAttempts: Type.Integer({
          minimum: 0,
          default: 0,
          description:
            'Attempts for a transiently failing item before it is dead-lettered; 0 = retry until it succeeds (nothing is dropped).',
        }),
      },
      strict,
    ),
    refresh: Type.Union([Type.Literal('false'), Type.Literal('wait_for'), Type.Literal('true')], {
      default: 'false',
      description:
        'refresh parameter of _bulk; keep false for throughput (the index refresh interval applies).',
    }),
  },
  strict,
);

/** Text columns the mapping enriches for Chinese search (docs/mapping.md#chinese-text). */
const TextFieldsSchema = Type.Record(
  Type.String(),
  Type.Object(
    {
      language: Type.Literal('zh', {
        description:
          'zh: the document gets `<field>_zh` {words, phrase, pinyin, initials}: jieba words of the text folded to simplified Chinese, and their pinyin and initials, for the catalog search (docs/api.md#product-search).',
      }),
    },
    { additionalProperties: false },
  ),
  {
    description:
      'Column (before renames) → text enrichment. Changing it is a mapping change: reindex to apply it to existing documents.',
  },
);

/** Rows of other tables embedded in a mapping's documents (docs/mapping.md#documents-built-from-several-tables). */
function relationSchema(depth: number): TSchema {
  return Type.Object(
    {
      field: Type.String({ minLength: 1, description: 'Document field that holds the related rows.' }),
      kind: Type.Union(
        [Type.Literal('many-to-one'), Type.Literal('one-to-many'), Type.Literal('many-to-many')],
        {
          description:
            'many-to-one: one object (or null); one-to-many and many-to-many: an array of objects in key order.',
        },
      ),
      table: Type.String({
        pattern: '^[^.\\s]+(\\.[^.\\s]+)?$',
        description: "Related table, as table (the parent's database) or database.table.",
      }),
      on: Type.Record(Type.String(), Type.String(), {
        description:
          'Parent column → column of the related table (many-to-many: of the join table); one entry per column of a composite key. many-to-one: {category_id: id}; one-to-many: {id: product_id}.',
      }),
      through: Type.Optional(
        Type.Object(
          {
            table: Type.String({
              pattern: '^[^.\\s]+(\\.[^.\\s]+)?$',
              description: 'many-to-many: the join table (table or database.table).',
            }),
            to: Type.Record(Type.String(), Type.String(), {
              description:
                'many-to-many: join-table column → column of the related table, e.g. {tag_id: id}.',
            }),
          },
          { additionalProperties: false },
        ),
      ),
      include: Type.Optional(
        Type.Array(Type.String(), {
          description:
            'Columns of the related row to embed (its key columns are always embedded). Unset: all.',
        }),
      ),
      nested: Type.Boolean({
        default: false,
        description: 'Map the array as `nested` in the index (queries match fields of one element together).',
      }),
      path: Type.Optional(
        Type.Object(
          {
            column: Type.String({
              minLength: 1,
              description: 'Column whose values make the path (embedded at every level), e.g. name.',
            }),
            via: Type.String({
              minLength: 1,
              description:
                'Field of a many-to-one relation of this one that leads to the ancestor (e.g. parent); followed as deep as the relations go.',
            }),
            field: Type.Optional(
              Type.String({ minLength: 1, description: 'Field of the embedded object. Default: path.' }),
            ),
            separator: Type.Optional(Type.String({ description: "Between two names. Default: ' > '." })),
          },
          {
            additionalProperties: false,
            description:
              'A path string of the related row and its ancestors, top first (`数码 > 手机`), rebuilt when any of them changes (docs/mapping.md#a-path-string).',
          },
        ),
      ),
      text: Type.Optional(TextFieldsSchema),
      ...(depth > 1 && {
        relations: Type.Optional(
          Type.Array(relationSchema(depth - 1), {
            description: 'Relations of the related rows (another level).',
          }),
        ),
      }),
    },
    { additionalProperties: false },
  );
}

export const MappingSchema = Type.Object(
  {
    table: Type.String({
      pattern: '^[^.\\s]+\\.[^.\\s]+$',
      description: 'Source table as database.table.',
    }),
    index: Type.String({
      pattern: '^[a-z0-9][a-z0-9_.-]*$',
      description: 'Target index (an alias over <index>_v<N> created on first start).',
    }),
    keyColumns: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description: 'Columns of a unique key to use as document id when the table has no primary key.',
      }),
    ),
    include: Type.Optional(
      Type.Array(Type.String(), { description: 'Only these columns (before renames).' }),
    ),
    exclude: Type.Optional(Type.Array(Type.String(), { description: 'Drop these columns.' })),
    rename: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'column → field name.' })),
    decimal: Type.Union([Type.Literal('string'), Type.Literal('number')], {
      default: 'string',
      description: 'DECIMAL as an exact string, or as a JSON number (may lose precision past 15 digits).',
    }),
    tinyint1: Type.Union([Type.Literal('number'), Type.Literal('boolean')], {
      default: 'number',
      description: 'TINYINT(1) as 0/1 or as boolean.',
    }),
    datetimeZone: Type.String({
      default: 'UTC',
      description:
        'Zone in which zone-less DATETIME values are interpreted ("UTC", "+08:00"). TIMESTAMP is always UTC.',
    }),
    versionColumn: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Derive document versions from this column for every source of the table (binlog, snapshot, polling, ingest), so sources mixed on one table cannot regress each other. It must grow on every change: DATETIME(6)/TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), or an integer version. See docs/polling.md#versions.',
      }),
    ),
    text: Type.Optional(TextFieldsSchema),
    relations: Type.Optional(
      Type.Array(relationSchema(3), {
        description:
          'Rows of other tables embedded in each document (many-to-one, one-to-many, many-to-many, up to three levels); rebuilt when any of them changes. See docs/mapping.md#documents-built-from-several-tables.',
      }),
    ),
  },
  strict,
);

export const IndexDefinitionSchema = Type.Object(
  {
    settings: Type.Optional(Json),
    mappings: Type.Optional(Json),
    textAnalyzer: Type.Union([Type.Literal('cjk'), Type.Literal('standard')], {
      default: 'cjk',
      description: 'Analyzer for text fields: cjk (CJK bigrams + English) or standard.',
    }),
  },
  strict,
);

/** A transactional-outbox relay (docs/outbox.md): ships the rows of an outbox table in id order. */
export const OutboxSourceSchema = Type.Object(
  {
    type: Type.Literal('outbox'),
    outboxTable: Type.String({
      pattern: '^[A-Za-z0-9_$]+\\.[A-Za-z0-9_$]+$',
      description: 'The outbox table as database.table (created when missing).',
    }),
    tables: Type.Array(Type.String(), {
      minItems: 1,
      description:
        'Aggregate tables whose changes this outbox carries (database.table; * wildcards). They must not also be captured by a binlog pipeline; an outbox row of another table is dead-lettered.',
    }),
    batchSize: Type.Integer({
      minimum: 1,
      maximum: 50_000,
      default: 500,
      description: 'Outbox rows read per batch.',
    }),
    pollIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 200,
      description:
        'Idle polling interval; writes through the API in the same process wake the relay at once.',
    }),
    pruneBatchSize: Type.Integer({
      minimum: 1,
      maximum: 50_000,
      default: 1_000,
      description: 'Shipped rows deleted per DELETE statement.',
    }),
  },
  strict,
);

/** A polling source (docs/polling.md): keyset pulls on a tracking column, cursor as checkpoint. */
export const PollingSourceSchema = Type.Object(
  {
    type: Type.Literal('polling'),
    tables: Type.Array(Type.String({ pattern: '^[^.\\s*]+\\.[^.\\s*]+$' }), {
      minItems: 1,
      description: 'Tables to poll (database.table, no wildcards); each needs a primary key (or keyColumns).',
    }),
    trackingColumn: Type.String({
      default: 'updated_at',
      minLength: 1,
      description:
        'Column that grows on every change: DATETIME(6)/TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), or an integer version. NOT NULL, indexed.',
    }),
    intervalMs: Type.Integer({
      minimum: 10,
      default: 1000,
      description: 'Time between two polls (ignored when cron is set).',
    }),
    cron: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Cron schedule instead of intervalMs ("*/5 * * * * *": every 5 s; 5 or 6 fields, UTC).',
      }),
    ),
    batchSize: Type.Integer({
      minimum: 1,
      maximum: 50_000,
      default: 1000,
      description: 'Rows per query (keyset page).',
    }),
    safetyLagMs: Type.Integer({
      minimum: 0,
      default: 5000,
      description:
        'Only rows whose tracking time is older than now − safetyLagMs are read, so a transaction that commits up to this long after it stamped its rows is not missed. Freshness costs the same. Temporal tracking columns only.',
    }),
    rescanWindowMs: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Each poll re-reads rows up to this far behind the cursor (duplicates are harmless: versioned). A second net for transactions longer than safetyLagMs; costs re-reads.',
    }),
    deletes: Type.Object(
      {
        softDeleteColumn: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'Rows with a non-NULL, non-zero value here (deleted = 1, deleted_at set) are deleted from the index.',
          }),
        ),
        tombstoneTable: Type.Optional(
          Type.String({
            pattern: '^[^.\\s]+\\.[^.\\s]+$',
            description:
              'Tombstone table filled by the delete triggers `syncline polling install-triggers` installs (database.table).',
          }),
        ),
      },
      {
        ...strict,
        description: 'How deletes are seen (one of the two, or none: deletes are not propagated).',
      },
    ),
  },
  strict,
);

/** A Kafka source (docs/kafka.md): a consumer group reading change events from topics. */
export const KafkaSourceSchema = Type.Object(
  {
    type: Type.Literal('kafka'),
    topics: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-zA-Z0-9._-]{1,249}$' }), {
        minItems: 1,
        description: 'Topics to read. Give topics or topicPattern, not both.',
      }),
    ),
    topicPattern: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Regular expression matched against whole topic names (e.g. "syncline\\.shop\\..*"); topics created later are picked up within topicRefreshMs. Dead-letter topics never match.',
      }),
    ),
    tables: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description:
          'Only events of these tables are indexed (database.table; * wildcards). Default: every table a mapping covers.',
      }),
    ),
    groupId: Type.Optional(
      Type.String({
        pattern: '^[a-zA-Z0-9._-]{1,249}$',
        description:
          'Consumer group: `syncline run` processes with the same group share the partitions. Default: syncline.<pipeline name>.',
      }),
    ),
    format: Type.Union(
      [Type.Literal('syncline'), Type.Literal('debezium'), Type.Literal('canal'), Type.Literal('maxwell')],
      {
        default: 'syncline',
        description:
          "Message format: syncline (Syncline's envelope), debezium (Syncline's Debezium form or Debezium's own JSON), canal (flat messages), maxwell. See docs/kafka.md and docs/ingest.md.",
      },
    ),
    batchSize: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'Most messages per batch handed to the pipeline.',
    }),
    maxWaitMs: Type.Integer({
      minimum: 10,
      maximum: 30_000,
      default: 500,
      description: 'Longest a fetch waits on the broker for new messages.',
    }),
    commitIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 1000,
      description:
        'Offsets of acknowledged batches are committed at most this often (and on stop); a crash replays at most this much.',
    }),
    sessionTimeoutMs: Type.Integer({
      minimum: 1_000,
      maximum: 1_800_000,
      default: 30_000,
      description:
        "A member whose heartbeats stop this long is removed and its partitions reassigned (a kill -9's takeover time). Heartbeats run on a timer, independent of how long the sink takes. Below 6000 the broker must allow it (group.min.session.timeout.ms); for failover under 5 s use 3000 with heartbeatIntervalMs 500 (docs/ha.md#kafka-sourced-pipelines).",
    }),
    heartbeatIntervalMs: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      default: 3000,
      description: 'Heartbeat period; below sessionTimeoutMs / 3.',
    }),
    rebalanceTimeoutMs: Type.Integer({
      minimum: 6_000,
      maximum: 1_800_000,
      default: 60_000,
      description:
        'How long the group waits for members to re-join during a rebalance; at least sessionTimeoutMs.',
    }),
    topicRefreshMs: Type.Integer({
      minimum: 1_000,
      default: 30_000,
      description: 'How often the topic list / pattern is re-checked for topics created since.',
    }),
    dlq: Type.Object(
      {
        suffix: Type.String({
          pattern: '^[a-zA-Z0-9._-]+$',
          default: '.dlq',
          description: 'Poison messages of topic T go to T<suffix>.',
        }),
        replicationFactor: Type.Integer({
          minimum: 1,
          maximum: 10,
          default: 1,
          description: 'Replication factor of dead-letter topics Syncline creates.',
        }),
      },
      strict,
    ),
  },
  strict,
);

/** Where a pipeline writes: the search engine (default) or Kafka topics (docs/kafka.md). */
export const PipelineSinkSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('search') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('kafka'),
        topicTemplate: Type.String({
          minLength: 1,
          default: 'syncline.{database}.{table}',
          description: 'Topic per table; placeholders {database}, {table}, {pipeline}.',
        }),
        partitions: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 6,
          description:
            'Partitions of topics created on first use (the most consumer processes that share a topic).',
        }),
        replicationFactor: Type.Integer({
          minimum: 1,
          maximum: 10,
          default: 1,
          description: 'Replication factor of topics created on first use (3 in production clusters).',
        }),
        format: Type.Union([Type.Literal('syncline'), Type.Literal('debezium')], {
          default: 'syncline',
          description: "Message value: syncline (the change event's JSON) or debezium (Debezium's envelope).",
        }),
        maxBatchMessages: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 5000,
          description: 'Most messages per produce request.',
        }),
        maxMessageBytes: Type.Integer({
          minimum: 1024,
          default: 1_000_000,
          description:
            "A message larger than this goes to the dead-letter store instead (keep it below the topic's max.message.bytes).",
        }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    default: { type: 'search' },
    description:
      'Where the pipeline writes: search (the index; tuning under the top-level `sink`) or kafka (a topic per table, docs/kafka.md).',
  },
);

export const PipelineSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Pipeline name (checkpoint key).' }),
    source: Type.Union(
      [
        PollingSourceSchema,
        Type.Object(
          {
            type: Type.Literal('mysql-binlog'),
            tables: Type.Array(Type.String(), {
              minItems: 1,
              description: 'Tables to capture (database.table; * wildcards allowed).',
            }),
            snapshot: Type.Union([Type.Literal('initial'), Type.Literal('never')], {
              default: 'initial',
              description: 'initial: lock-free snapshot before streaming when no checkpoint exists.',
            }),
            chunkSize: Type.Integer({ minimum: 10, default: 5000, description: 'Rows per snapshot chunk.' }),
            onPurged: Type.Union([Type.Literal('resnapshot'), Type.Literal('stop')], {
              default: 'resnapshot',
              description: 'What to do when the checkpoint position is no longer in the binlog.',
            }),
            heartbeatMs: Type.Integer({
              minimum: 0,
              default: 5000,
              description: 'Heartbeat period; 0 disables.',
            }),
          },
          strict,
        ),
        OutboxSourceSchema,
        KafkaSourceSchema,
      ],
      { description: 'Where changes come from.' },
    ),
    sink: Type.Optional(PipelineSinkSchema),
  },
  strict,
);

export const ReconcileSchema = Type.Object(
  {
    schedule: Type.String({
      default: '',
      pattern: '^$|^\\d+(ms|s|m|h|d)$|^(\\S+\\s+){4}\\S+$',
      description:
        'Run reconcile inside `syncline run`: an interval ("30m", "6h", "1d") or a 5-field cron expression in UTC ("0 3 * * *"). Empty: never (run `syncline reconcile` by hand). See docs/reconcile.md.',
    }),
    repair: Type.Boolean({
      default: false,
      description: 'Scheduled runs also repair what they find (through the versioned sink path).',
    }),
    targets: Type.Array(Type.String(), {
      default: [],
      description:
        'What scheduled runs check: pipeline names, mapped tables or indexes. Empty: every mapped index.',
    }),
    chunkSize: Type.Integer({
      minimum: 10,
      maximum: 10_000,
      default: 1000,
      description: 'Rows per key range compared at once (memory is bounded by it).',
    }),
    settleRounds: Type.Integer({
      minimum: 1,
      maximum: 50,
      default: 5,
      description:
        'Re-check rounds for keys that keep changing; still changing after them: reported as in flight.',
    }),
    settleTimeoutMs: Type.Integer({
      minimum: 100,
      default: 60_000,
      description: 'How long a re-check waits for a pipeline to pass its barrier before comparing anyway.',
    }),
  },
  strict,
);

/** Ingest of Canal / Maxwell / Debezium messages over HTTP (docs/ingest.md). */
export const IngestSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Serve POST /api/ingest/{canal|maxwell|debezium} in `syncline run` (needs the API).',
    }),
    token: Type.Optional(
      Type.String({
        minLength: 8,
        description:
          'Bearer token of the ingest routes; server.adminToken when unset. Env: SYNCLINE_INGEST_TOKEN.',
      }),
    ),
    maxMessages: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 5000,
      description: 'Messages one request may carry (JSON array or NDJSON).',
    }),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 256 * 1024 * 1024,
      default: 16 * 1024 * 1024,
      description: 'Largest ingest request body.',
    }),
    writeTimeoutMs: Type.Integer({
      minimum: 100,
      default: 30_000,
      description:
        'How long a request waits for the index to take its writes; past it the answer is 503 and the client retries (writes are versioned: a retry is harmless).',
    }),
  },
  strict,
);

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Editor hint; ignored.' })),
    mysql: MysqlSchema,
    search: SearchSchema,
    kafka: KafkaSchema,
    server: ServerSchema,
    api: ApiSchema,
    sdk: SdkSchema,
    stack: StackSchema,
    sink: SinkSchema,
    checkpoint: Type.Object(
      {
        store: Type.Union([Type.Literal('mysql'), Type.Literal('file')], {
          default: 'mysql',
          description: 'mysql: table syncline.checkpoints in the source; file: for read-only sources.',
        }),
        dir: Type.String({ default: '.data/checkpoints', description: 'Directory of the file store.' }),
      },
      strict,
    ),
    ha: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description:
            "Run several workers with this config, one active: the active one holds GET_LOCK('<internalDatabase>:<pipeline>') of the source database, the others wait (docs/ha.md). Needs checkpoint.store: mysql.",
        }),
        workerId: Type.Optional(
          Type.String({
            maxLength: 200,
            description:
              'How this worker names itself in /readyz and the admin API. Unset: <hostname>:<pid>.',
          }),
        ),
        sessionTimeoutMs: Type.Integer({
          minimum: 1000,
          maximum: 60_000,
          default: 3000,
          description:
            'wait_timeout/net_read_timeout of the lock connection (rounded up to seconds): a frozen or cut-off active worker loses its lock this long after its last ping.',
        }),
        pingIntervalMs: Type.Integer({
          minimum: 100,
          maximum: 30_000,
          default: 1000,
          description:
            'How often the active worker checks it still holds its lock (must be below sessionTimeoutMs).',
        }),
        retryIntervalMs: Type.Integer({
          minimum: 50,
          maximum: 30_000,
          default: 500,
          description: 'How often a standby worker tries to take the lock.',
        }),
      },
      strict,
    ),
    internalDatabase: Type.String({
      default: 'syncline',
      description: 'Schema in the source MariaDB for checkpoints, dead letters and snapshot signals.',
    }),
    demo: Type.Boolean({
      description:
        'The demo profile: the demo catalog (syncline_demo.products, users, categories) supplies the default mappings and pipelines, and `syncline run` creates and seeds it. Unset: true when the config sets no mysql.url, search.url, mappings or pipelines (`./syncline run` on the embedded stack), false otherwise. Env: SYNCLINE_DEMO (true/false), e.g. the demo catalog on your own MySQL (docs/stack.md#mysql).',
    }),
    mappings: Type.Array(MappingSchema, {
      description: "Table → index mappings. Unset: the demo catalog's with `demo`, else none.",
    }),
    indexes: Type.Record(Type.String(), IndexDefinitionSchema, {
      default: {},
      description: 'Index definitions by index name; an index not listed gets the default definition.',
    }),
    pipelines: Type.Array(PipelineSchema, {
      description:
        'Pipelines that `syncline run` starts. Unset: with `demo`, one binlog pipeline `catalog` over the demo tables, else none.',
    }),
    reconcile: ReconcileSchema,
    ingest: IngestSchema,
    logLevel: Type.Union(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level. Env: SYNCLINE_LOG_LEVEL.' },
    ),
  },
  { ...strict, title: 'Syncline configuration' },
);

export type SynclineConfig = Static<typeof ConfigSchema>;

/** Environment variables that override a config key; documented in docs/configuration.md. */
export const envOverrides: ReadonlyArray<{
  env: string;
  path: readonly string[];
  parse?: (v: string) => unknown;
}> = [
  { env: 'SYNCLINE_MYSQL_URL', path: ['mysql', 'url'] },
  { env: 'SYNCLINE_SEARCH_URL', path: ['search', 'url'] },
  { env: 'SYNCLINE_SEARCH_USERNAME', path: ['search', 'username'] },
  { env: 'SYNCLINE_SEARCH_PASSWORD', path: ['search', 'password'] },
  { env: 'SYNCLINE_SEARCH_API_KEY', path: ['search', 'apiKey'] },
  { env: 'SYNCLINE_SEARCH_BEARER_TOKEN', path: ['search', 'bearerToken'] },
  { env: 'SYNCLINE_SEARCH_CA_FILE', path: ['search', 'tls', 'caFile'] },
  { env: 'SYNCLINE_SEARCH_CA_FINGERPRINT', path: ['search', 'tls', 'fingerprint'] },
  {
    env: 'SYNCLINE_KAFKA_BROKERS',
    path: ['kafka', 'brokers'],
    parse: (v) => v.split(',').map((s) => s.trim()),
  },
  { env: 'SYNCLINE_API_HOST', path: ['server', 'host'] },
  { env: 'SYNCLINE_API_PORT', path: ['server', 'port'], parse: Number },
  { env: 'SYNCLINE_ADMIN_TOKEN', path: ['server', 'adminToken'] },
  { env: 'SYNCLINE_INGEST_TOKEN', path: ['ingest', 'token'] },
  { env: 'SYNCLINE_STACK_MANAGE', path: ['stack', 'manage'], parse: (v) => v === 'true' || v === '1' },
  { env: 'SYNCLINE_DEMO', path: ['demo'], parse: (v) => v === 'true' || v === '1' },
  { env: 'SYNCLINE_DATA_DIR', path: ['stack', 'dataDir'] },
  { env: 'SYNCLINE_SEARCH_ENGINE', path: ['stack', 'search', 'engine'] },
  { env: 'SYNCLINE_LOG_LEVEL', path: ['logLevel'] },
];

export type AnySchema = TSchema;
export type SinkConfig = Static<typeof SinkSchema>;
export type MappingConfig = Static<typeof MappingSchema>;
export type IndexDefinition = Static<typeof IndexDefinitionSchema>;
export type PipelineConfig = Static<typeof PipelineSchema>;
export type PollingSourceConfig = Static<typeof PollingSourceSchema>;
export type KafkaSourceConfig = Static<typeof KafkaSourceSchema>;
export type PipelineSinkConfig = Static<typeof PipelineSinkSchema>;
export type IngestConfig = Static<typeof IngestSchema>;
export type OutboxSourceConfig = Static<typeof OutboxSourceSchema>;
export type BinlogSourceConfig = Extract<PipelineConfig['source'], { type: 'mysql-binlog' }>;
/** A pipeline whose source is the binlog (narrow with `p.source.type === 'mysql-binlog'`). */
export type BinlogPipelineConfig = PipelineConfig & { source: BinlogSourceConfig };
export type ApiConfig = Static<typeof ApiSchema>;
export type SdkConfig = Static<typeof SdkSchema>;
export type ReconcileConfig = Static<typeof ReconcileSchema>;
