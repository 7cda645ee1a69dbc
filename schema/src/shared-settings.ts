// The setting parts every service shares, declared once and composed into each service's schema
// (gateway/src/config.ts, subgraph-kit/src/settings.ts, scripts/settings.ts): the database
// (URL per service, data folder, pool and timeouts, migrating at start), the caller-signing
// keys, the business clock, Redis, the runtime mode and observability.
import { BUSINESS_TIME_ZONE_VARIABLE, checkTimeZone, DEFAULT_BUSINESS_TIME_ZONE } from './clock.ts';
import { CALLER_KEYS_VARIABLE, CALLER_SECRET_VARIABLE, callerSigningKeys, checkCallerSecret } from './caller-signature.ts';
import { databaseUrlVariable } from './database.ts';
import { LOG_LEVELS } from './logger.ts';
import { metricsListen } from './metrics.ts';
import { migrateOnStart } from './migrations.ts';
import { checked, defineSettings, integer, oneOf, rawValue, text, url, type Setting } from './settings.ts';

const POSTGRES = ['postgresql:', 'postgres:'];

/** Where the embedded databases live (the default of every service without a URL). */
export const DATA_DIR_SETTING = text(
  'DATA_DIR',
  {
    section: 'Embedded default',
    description:
      'folder of the embedded PGlite databases (one sub-folder per service). A new embedded database is made from a dump of a fresh PGlite cluster cached in `node_modules/.cache/credit-graph/` (made once per PGlite version; without write access there, PGlite\'s initdb runs each time, 10-20 s slower)',
  },
  './data',
);

/** Connections per service to PostgreSQL (DATABASE_POOL_SIZE). */
export const DEFAULT_POOL_SIZE = 10;
/** Connecting, or waiting for a free connection of the pool (DATABASE_CONNECT_TIMEOUT_MS). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/**
 * One statement, on the server (statement_timeout: a lock wait, a runaway query) and on the
 * client (a server that accepts and never answers) (DATABASE_STATEMENT_TIMEOUT_MS). Above the
 * heaviest statement a portfolio check of 500 sends, under load on two cores.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** Pool size and timeouts of every service's PostgreSQL connections (database.ts: databaseTimeouts). */
export const DATABASE_POOL_SETTINGS = defineSettings({
  DATABASE_POOL_SIZE: integer('DATABASE_POOL_SIZE', DEFAULT_POOL_SIZE, { section: 'Databases', description: 'connections per service (each subgraph, the gateway) to PostgreSQL (docs/operations.md: sizing)' }, 1),
  DATABASE_CONNECT_TIMEOUT_MS: integer(
    'DATABASE_CONNECT_TIMEOUT_MS',
    DEFAULT_CONNECT_TIMEOUT_MS,
    { section: 'Databases', description: 'longest wait for a PostgreSQL connection, in ms: connecting, or queueing for a busy pool; then the query fails' },
    1,
  ),
  DATABASE_STATEMENT_TIMEOUT_MS: integer(
    'DATABASE_STATEMENT_TIMEOUT_MS',
    DEFAULT_STATEMENT_TIMEOUT_MS,
    {
      section: 'Databases',
      description:
        "longest PostgreSQL statement, in ms (the server's `statement_timeout`, lock waits included, and `idle_in_transaction_session_timeout`); the client gives up 1 s later if the server does not answer at all. Embedded PGlite runs in the process and has no such bounds",
    },
    1,
  ),
});

/** Where every service's data lives, its pool and timeouts, and whether it migrates at start. */
export const DATABASE_SETTINGS = defineSettings({
  DATA_DIR: DATA_DIR_SETTING,
  ...DATABASE_POOL_SETTINGS.settings,
  MIGRATE_ON_START: checked(
    'MIGRATE_ON_START',
    {
      default: 'true',
      section: 'Databases',
      description:
        "`true`: a service applies pending migrations when it starts; `false`: services never change their database's schema and refuse to start while a migration is pending (`credit-graph migrate` applies them; the Kubernetes manifests run it as a Job)",
    },
    (raw) => migrateOnStart({ MIGRATE_ON_START: raw }),
  ),
});

const urlSettings = new Map<string, Setting<string | undefined>>();

/** `<SERVICE>_DATABASE_URL` of one service (the same declaration each time it is asked for). */
export function databaseUrlSetting(service: string): Setting<string | undefined> {
  const name = databaseUrlVariable(service);
  let entry = urlSettings.get(name);
  if (!entry) {
    entry = url(name, POSTGRES, {
      section: 'Databases',
      secret: 'url',
      row: '<SERVICE>_DATABASE_URL',
      example: `postgresql://user:password@127.0.0.1:5432/credit_graph_${service.replace(/-/g, '_')}`,
      description:
        "PostgreSQL URL of that service's database (the gateway's holds API keys, consents and the audit log); unset means embedded PGlite under `DATA_DIR/<service>`. Each service migrates its database at start unless `MIGRATE_ON_START=false`",
    });
    urlSettings.set(name, entry);
  }
  return entry;
}

/** One service's database settings: its URL plus the shared pool, timeouts and migration switch. */
export function databaseSettings(service: string) {
  return defineSettings({ ...DATABASE_SETTINGS.settings, [databaseUrlVariable(service)]: databaseUrlSetting(service) });
}

/** The caller-signing keys the gateway signs with and every subgraph verifies with. */
export const CALLER_KEY_SETTINGS = defineSettings(
  {
    CALLER_SIGNING_SECRET: checked(
      CALLER_SECRET_VARIABLE,
      {
        default: '',
        section: 'Secrets',
        secret: 'value',
        description:
          'secret shared by the gateway and every subgraph to sign and verify subgraph calls (at least 32 characters; key id `default`). `npm start` generates one; required when running services yourself, unless `CALLER_SIGNING_KEYS` is set',
      },
      (raw) => (raw === undefined ? undefined : checkCallerSecret(raw, CALLER_SECRET_VARIABLE)),
    ),
    CALLER_SIGNING_KEYS: checked(
      CALLER_KEYS_VARIABLE,
      {
        section: 'Secrets',
        secret: 'value',
        description:
          'several keys, `kid:secret,kid2:secret2` (ids of letters, digits, `.`, `_`, `-`; secrets of at least 32 characters): the first signs, all verify. To rotate without downtime: give every subgraph `new:<s2>,default:<s1>`, then the gateway the same (it now signs with `new`), then drop the old key everywhere. Setting both variables is refused',
      },
      (raw) => (raw === undefined ? undefined : callerSigningKeys({ [CALLER_KEYS_VARIABLE]: raw })),
    ),
  },
  [
    // Both set is ambiguous; neither leaves nothing to sign with. Format mistakes are reported above.
    (env) => {
      const list = rawValue(env, CALLER_KEYS_VARIABLE);
      const single = rawValue(env, CALLER_SECRET_VARIABLE);
      if (list && single) return `Set ${CALLER_KEYS_VARIABLE} or ${CALLER_SECRET_VARIABLE}, not both (the secret alone is key "default")`;
      if (!list && !single) {
        try {
          checkCallerSecret(undefined, CALLER_SECRET_VARIABLE);
        } catch (error) {
          return (error as Error).message;
        }
      }
      return undefined;
    },
  ],
);

/** The business day's time zone ("today" in every date rule), for every service. */
export const CLOCK_SETTINGS = defineSettings({
  BUSINESS_TIME_ZONE: checked(
    BUSINESS_TIME_ZONE_VARIABLE,
    {
      default: DEFAULT_BUSINESS_TIME_ZONE,
      section: 'Gateway',
      description:
        'IANA time zone of the city\'s business day, for the gateway and every subgraph: "today" in every date rule (see Credit workflows). An unknown zone stops the service at start-up',
    },
    (raw) => checkTimeZone(raw ?? DEFAULT_BUSINESS_TIME_ZONE),
    true,
  ),
});

/** Redis, shared by the gateway's replicas (rate limits, audit checkpoint) and each subgraph's (nonces). */
export const REDIS_SETTINGS = defineSettings({
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:'], {
    section: 'Gateway',
    secret: 'url',
    example: 'redis://127.0.0.1:6379',
    description:
      'Redis for shared rate limits across gateway replicas, for the audit checkpoint replicas share, and, for each subgraph, the nonces of signed calls shared by its replicas; unset: in memory, per process',
  }),
});

/** The runtime mode: production tightens what the gateway and the tools allow. */
export const RUNTIME_SETTINGS = defineSettings({
  NODE_ENV: text('NODE_ENV', {
    section: 'Gateway',
    description:
      '`production` limits introspection and "Did you mean" suggestions to callers with `schema:introspect`, requires `AUDIT_HMAC_KEYS`, refuses `PLAYGROUND_DEMO_TOKENS=true` and `TRUST_LAYER=off`, and makes `seed` refuse to run',
  }),
});

/**
 * Read by Node itself, not by our code: declared so that deployments document and check it.
 * The heap cap (`--max-old-space-size`) keeps each process under its memory target (issue 13:
 * RSS < 300 MB per process; bench/README.md "Memory").
 */
export const NODE_SETTINGS = defineSettings({
  NODE_OPTIONS: text('NODE_OPTIONS', {
    section: 'Deployment',
    example: '--max-old-space-size=192 --max-semi-space-size=16',
    description:
      "Node.js's own flags; the Kubernetes manifests set the V8 heap cap `--max-old-space-size=192` for the gateway and `=160` for each subgraph (measured: peak RSS 226 MB and 259 MB under the bench's load, against 379 and 438 MB uncapped), each with `--max-semi-space-size=16` (Node 20's young generation: from Node 22, the image's Node 24 included, V8 lets it grow to three 64 MB semi-spaces beside the cap, and the gateway peaked at 305 MB instead of 248 MB); `npm start` runs its one in-process server with `--max-old-space-size=192 --max-semi-space-size=16` (package.json; idle on the bench's PostgreSQL, Node 24: 212 MB against 426 MB uncapped; on the embedded default its seven PGlite databases add about 45-130 MB each outside the heap), seeds a first run's databases in a child process without a cap, and gives the separate-services shape's processes the manifests' flags; command-line flags override NODE_OPTIONS's; unset elsewhere: V8's default, which grows the heap with garbage while the machine has memory (schema/src/heap-flags.ts)",
  }),
});

/**
 * Logs, metrics and traces of every service (standard names: pino levels, the OpenTelemetry
 * SDK's OTEL_* variables). Declared here so every service validates and documents them.
 */
export const OBSERVABILITY_SETTINGS = defineSettings({
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, 'info', { section: 'Observability', description:
      'pino level of every service\'s JSON log lines on stdout (`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`; `npm start` launches its services at `warn` unless set); at `info` one access line per GraphQL request (request id, operation, caller role and institution, duration, outcome: docs/operations.md, Logs); probes at `debug`',
  }),
  // `off` is a value of its own; the port default is the service's (metricsListen).
  METRICS_PORT: checked(
    'METRICS_PORT',
    {
      section: 'Observability',
      description:
        'port of the separate Prometheus metrics listener (`/metrics`): gateway default 9464, a subgraph its GraphQL port + 5000 (registry 4101 -> 9101); `0` any free port; `off` no metrics (docs/operations.md). Under `npm start` with `SUBGRAPH_TRANSPORT=http`, a port number is the gateway\'s and each subgraph keeps its own default',
    },
    (raw) => {
      metricsListen({ METRICS_PORT: raw }, { port: 0, host: '' }); // throws on a bad value
      return raw;
    },
  ),
  METRICS_HOST: text('METRICS_HOST', { section: 'Observability', description: 'interface the metrics listener binds to; default: the service\'s own host (`GATEWAY_HOST`, `HOST`)' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'], {
    section: 'Observability',
    secret: 'url',
    example: 'http://otel-collector:4318',
    description:
      'OpenTelemetry collector traces are sent to (OTLP over HTTP, protobuf by default; `/v1/traces` is appended). Unset, and without `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_TRACES_EXPORTER`, nothing of OpenTelemetry is loaded (docs/operations.md, Traces). The SDK also reads the other standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_PROPAGATORS`, `OTEL_BSP_*`)',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:'], {
    section: 'Observability',
    secret: 'url',
    description: 'the full traces URL, instead of `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces` (OpenTelemetry standard variable)',
  }),
  OTEL_TRACES_EXPORTER: text('OTEL_TRACES_EXPORTER', {
    section: 'Observability',
    description: '`otlp` (with an endpoint), `console` (spans printed), `none` (off whatever else is set)',
  }),
  OTEL_SDK_DISABLED: text('OTEL_SDK_DISABLED', { section: 'Observability', description: '`true`: traces off whatever else is set' }),
  OTEL_SERVICE_NAME: text('OTEL_SERVICE_NAME', {
    section: 'Observability',
    description: 'the `service.name` of a process\'s spans; default: each service names itself (`credit-graph-gateway`, `credit-graph-<subgraph>`)',
  }),
  OTEL_RESOURCE_ATTRIBUTES: text('OTEL_RESOURCE_ATTRIBUTES', {
    section: 'Observability',
    example: 'deployment.environment.name=production',
    description: 'extra resource attributes of every span (OpenTelemetry standard variable)',
  }),
  OTEL_TRACES_SAMPLER: text('OTEL_TRACES_SAMPLER', {
    section: 'Observability',
    description: "default: follow the caller's sampled flag, else sample every request that starts a trace; e.g. `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG` to thin out",
  }),
  OTEL_TRACES_SAMPLER_ARG: text('OTEL_TRACES_SAMPLER_ARG', { section: 'Observability', description: 'the sampler\'s argument (e.g. a ratio `0.1`)' }),
  OTEL_LOG_LEVEL: text('OTEL_LOG_LEVEL', { section: 'Observability', description: "the OpenTelemetry SDK's own diagnostic log level" }),
});

/** How long a probe waits for the service's own database (and the gateway's /status for each subgraph). */
export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

/** Readiness probes of every service. */
export const PROBE_SETTINGS = defineSettings({
  READINESS_TIMEOUT_MS: integer('READINESS_TIMEOUT_MS', DEFAULT_READINESS_TIMEOUT_MS, {
    section: 'Gateway',
    description: "how long `/ready` waits for the service's own database (gateway and subgraphs), and `/status` for each subgraph, in ms",
  }),
});
