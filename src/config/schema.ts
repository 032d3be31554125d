import { type Static, type TSchema, Type } from '@sinclair/typebox';

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
      default: 'mysql://syncline:syncline@127.0.0.1:3307/syncline_demo',
      description: 'Source database URL (mysql://user:password@host:port/database). Env: SYNCLINE_MYSQL_URL.',
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
      default: 'http://127.0.0.1:9200',
      description: 'Elasticsearch/OpenSearch base URL. Env: SYNCLINE_SEARCH_URL.',
    }),
    username: Type.Optional(Type.String({ description: 'Basic-auth user. Env: SYNCLINE_SEARCH_USERNAME.' })),
    password: Type.Optional(
      Type.String({ description: 'Basic-auth password. Env: SYNCLINE_SEARCH_PASSWORD.' }),
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
      default: ['127.0.0.1:9092'],
      description: 'Bootstrap brokers (host:port). Env: SYNCLINE_KAFKA_BROKERS (comma-separated).',
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
      default: 'change-me-syncline-admin',
      minLength: 8,
      description: 'Bearer token for admin routes. Env: SYNCLINE_ADMIN_TOKEN. Change it outside loopback.',
    }),
    shutdownGraceMs: Type.Integer({
      minimum: 0,
      default: 15_000,
      description: 'How long shutdown waits for in-flight requests and index writes.',
    }),
  },
  strict,
);

const EngineSchema = (port: number, heap: string, what: string) =>
  Type.Object(
    {
      port: Port(port, `Port of the local ${what}.`),
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
      default: true,
      description:
        'Start the local stack (MariaDB, OpenSearch, Kafka when used) before `syncline run`. Set false when mysql.url and search.url point at your own servers.',
    }),
    dataDir: Type.String({ default: '.data', description: 'Where the local stack keeps its data and logs.' }),
    mariadb: Type.Object({ port: Port(3307, 'Port of the local MariaDB.') }, strict),
    opensearch: EngineSchema(9200, '1g', 'OpenSearch node'),
    kafka: EngineSchema(9092, '512m', 'Kafka broker'),
    startTimeoutMs: Type.Integer({
      minimum: 5_000,
      default: 180_000,
      description: 'How long `stack up` waits for a component to become healthy.',
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
    stack: StackSchema,
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
  {
    env: 'SYNCLINE_KAFKA_BROKERS',
    path: ['kafka', 'brokers'],
    parse: (v) => v.split(',').map((s) => s.trim()),
  },
  { env: 'SYNCLINE_API_HOST', path: ['server', 'host'] },
  { env: 'SYNCLINE_API_PORT', path: ['server', 'port'], parse: Number },
  { env: 'SYNCLINE_ADMIN_TOKEN', path: ['server', 'adminToken'] },
  { env: 'SYNCLINE_STACK_MANAGE', path: ['stack', 'manage'], parse: (v) => v === 'true' || v === '1' },
  { env: 'SYNCLINE_DATA_DIR', path: ['stack', 'dataDir'] },
  { env: 'SYNCLINE_LOG_LEVEL', path: ['logLevel'] },
];

export type AnySchema = TSchema;
