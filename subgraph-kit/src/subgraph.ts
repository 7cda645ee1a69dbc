// The subgraph server factory: every subgraph is defined by the same few parts (SDL,
// resolvers, loaders, Prisma client, seed) and started the same way here.
import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { IRules } from 'graphql-shield';
import { parse } from 'graphql';
import { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import {
  applyInputBounds,
  CallerSecretError,
  callerSigningKeys,
  checkCallerKeys,
  createCallerVerifier,
  createMemoryReplayCache,
  createRedisReplayCache,
  configureClock,
  TimeZoneError,
  accessLogger,
  withExchangeNotes,
  type Exchange,
  type ExchangeNotes,
  createErrorFormatter,
  createGraphQLHandler,
  createLogger,
  createMetricsRegistry,
  startFailureLogger,
  databasePoolMetrics,
  listen,
  type LogLevel,
  LogLevelError,
  metricsListen,
  MetricsConfigError,
  requestMetrics,
  serveMetrics,
  SUBGRAPH_METRICS_PORT_OFFSET,
  MAX_SUBGRAPH_HEADER_BYTES,
  stopOnSignals,
  DatabaseConfigError,
  databaseTarget,
  describeTarget,
  MigrateOnStartError,
  InputBoundsError,
  errorResponsePlugin,
  openDatabase,
  PendingMigrationsError,
  PROBE_SETTINGS,
  REDIS_SETTINGS,
  SettingsError,
  prepareSchema,
  readSubgraphSdl,
  sendJson,
  sharedScalarResolvers,
  within,
  CREDIT_CHANGES_EXTENSION,
  READ_REPORT_EXTENSION,
  type ReadReport,
  type Caller,
  type CallerKeys,
  type CallerKeyring,
  type InProcessSubgraph,
  type CreditChange,
  type Database,
  type DatabaseTarget,
  type DatabaseTimeouts,
  type Listening,
  type Logger,
  type MetricsListen,
  rawQuery,
  type RawQuery,
} from '@credit-graph/contract';
import { subgraphSettings } from './settings.ts';
import { applyPermissions, createReadLog, PermissionsError, type ReadLog } from './permissions.ts';
import { recordReferences, type RecordReferences } from './references.ts';
import { countingAdapter } from './statement-counter.ts';

/** What a Prisma client must offer the kit (the generated clients differ per subgraph). */
export interface PrismaClientLike {
  $disconnect(): Promise<void>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface SubgraphContext<Db, Loaders> {
  /** Who is asking: verified from the gateway's signed headers before anything runs. */
  caller: Caller;
  db: Db;
  loaders: Loaders;
  /** Signs and verifies negative records' references (objections and repairs name records by them). */
  references: RecordReferences;
  /** What this request's writes changed; reported to the gateway in the response extensions. */
  changes: CreditChange[];
  /** Whose non-public or unmasked personal data this request read or was refused (for the audit). */
  reads: ReadLog;
  /** This exchange's id: the gateway's, passed on in x-request-id, so both logs name one id. */
  requestId: string;
}

/**
 * Reports to the gateway, in the response extensions, what the request changed (see
 * credit-changes.ts in the contract) and whose guarded data it read or was refused
 * (read-report.ts). The gateway trusts these reports: they come over the signed subgraph call.
 */
const reportsPlugin: ApolloServerPlugin<SubgraphContext<unknown, unknown>> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        const { changes, reads } = contextValue;
        if (changes.length > 0) result.extensions = { ...result.extensions, [CREDIT_CHANGES_EXTENSION]: changes };
        if (reads.read.size > 0 || reads.denied.size > 0) {
          const report: ReadReport = { read: [...reads.read], denied: [...reads.denied] };
          result.extensions = { ...result.extensions, [READ_REPORT_EXTENSION]: report };
        }
      },
    };
  },
};

export interface SubgraphDefinition<Db extends PrismaClientLike, Loaders> {
  name: string;
  schemaFile: URL;
  migrationsDir: URL;
  createClient: (adapter: Database['adapter']) => Db;
  /**
   * A request's DataLoaders. `raw` sends the hot reads' statements through the same driver
   * adapter as `db`, without the client's request pipeline (raw-query.ts in the contract).
   */
  createLoaders: (db: Db, raw: RawQuery) => Loaders;
  resolvers: GraphQLResolverMap<SubgraphContext<Db, Loaders>>;
  /**
   * graphql-shield rules per type and field (see permissions.ts). Deny by default: a field
   * without a rule is refused; `_service`, `_entities` and introspection always answer.
   */
  permissions: IRules;
  /** Fills an empty database with the deterministic seed for `enterprises` enterprises. */
  seed: (db: Db, enterprises: number) => Promise<void>;
  /** Tells whether the database holds any data yet (decides seeding on first start). */
  isEmpty: (db: Db) => Promise<boolean>;
}

/** Where and how a subgraph's data lives, whichever transport serves it. */
export interface RuntimeOptions {
  database?: DatabaseTarget;
  /** Seed this many enterprises when the database is empty (0: never seed). */
  seedEnterprises?: number;
  /** The subgraph's log (default: pino JSON lines on stdout at LOG_LEVEL). */
  logger?: Logger;
}

export interface StartOptions extends RuntimeOptions {
  port?: number;
  host?: string;
  /**
   * Keys shared with the gateway to verify signed calls: a secret alone or a keyring (during a
   * rotation, old and new); default CALLER_SIGNING_KEYS or CALLER_SIGNING_SECRET.
   */
  callerSecret?: CallerKeys;
  /**
   * Redis shared by this subgraph's replicas for the nonces of signed calls (default REDIS_URL;
   * '' or unset: this process's memory only).
   */
  redisUrl?: string;
  /** Longest wait of `/ready` for the database, in ms (default READINESS_TIMEOUT_MS or 2000). */
  readinessTimeoutMs?: number;
  /** Where Prometheus scrapes /metrics, apart from the GraphQL port; none: no metrics listener. */
  metrics?: MetricsListen;
}

const GRAPHQL_PATH = '/graphql';
export interface InProcessOptions extends RuntimeOptions {
  /**
   * The keys that sign negative records' references (references.ts): the same as the HTTP
   * shape's caller keys, so a reference stays valid whichever shape served it. Default
   * CALLER_SIGNING_KEYS or CALLER_SIGNING_SECRET.
   */
  callerSecret?: CallerKeys;
}

export interface RunningSubgraph<Db> {
  name: string;
  url: string;
  db: Db;
  database: Database;
  /** The same subgraph (one database, one schema) called in-process, without HTTP. */
  inProcess: InProcessSubgraph;
  /** SQL statements sent to the database since start (each batch is one statement per table). */
  sqlStatements(): number;
  /** Where Prometheus scrapes this subgraph, when started with `metrics`. */
  metricsUrl: string | undefined;
  /** The subgraph's log. */
  logger: Logger;
  stop(): Promise<void>;
}

/** A subgraph served inside the caller's process (the gateway's, in the embedded shape). */
export interface LocalSubgraph<Db> extends InProcessSubgraph {
  db: Db;
  database: Database;
  /** SQL statements sent to the database since start. */
  sqlStatements(): number;
  stop(): Promise<void>;
}

export function defineSubgraph<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
): SubgraphDefinition<Db, Loaders> {
  return definition;
}

/**
 * The subgraph's federation schema with its permissions applied, and the `@bounds` of every
 * input checked before the permissions and resolvers (input-bounds.ts in the contract).
 * Throws InputBoundsError when a String, ID, Int or Float input declares no bounds.
 */
export function buildSchema<Db extends PrismaClientLike, Loaders>(definition: SubgraphDefinition<Db, Loaders>) {
  const typeDefs = parse(readSubgraphSdl(fileURLToPath(definition.schemaFile)));
  const schema = buildSubgraphSchema([
    { typeDefs, resolvers: { ...sharedScalarResolvers, ...definition.resolvers } as GraphQLResolverMap<unknown> },
  ]);
  return applyInputBounds(applyPermissions(schema, definition.permissions));
}

/**
 * Opens the subgraph's database, migrates it (or, with MIGRATE_ON_START=false, checks that no
 * migration is pending: PendingMigrationsError) and wraps it in its Prisma client.
 */
export async function connectDatabase<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  target: DatabaseTarget,
  onStatement: () => void = () => undefined,
  timeouts?: DatabaseTimeouts,
  logger?: Pick<Console, 'error'>,
): Promise<{ database: Database; db: Db; raw: RawQuery }> {
  const database = await openDatabase(target, timeouts, logger);
  try {
    await prepareSchema(database, fileURLToPath(definition.migrationsDir));
  } catch (error) {
    await database.close();
    throw error;
  }
  // Statements are counted at the driver adapter: no query events, no per-statement log work.
  const adapter = countingAdapter(database.adapter, onStatement);
  return { database, db: definition.createClient(adapter), raw: rawQuery(adapter) };
}

/**
 * Everything a subgraph is but its transport, built once and shared by the HTTP server and the
 * in-process executor: schema (permissions, @bounds), database (migrated, seeded when empty),
 * Apollo Server with the same plugins and error formatting, the per-request context, and the
 * SQL statement counter. `execute` answers a request for a caller already known (in-process);
 * the HTTP server verifies the signed caller first and builds the same context.
 */
interface SubgraphRuntime<Db, Loaders> extends LocalSubgraph<Db> {
  server: ApolloServer<SubgraphContext<Db, Loaders>>;
  metrics: Registry;
  logger: Logger;
  /** Writes the access line and observes the request metrics of one exchange. */
  observeExchange(exchange: Exchange): void;
  contextFor(caller: Caller, requestId: string): SubgraphContext<Db, Loaders>;
}

async function createRuntime<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  options: RuntimeOptions,
  callerKeys: CallerKeyring,
): Promise<SubgraphRuntime<Db, Loaders>> {
  const schema = buildSchema(definition);
  const references = recordReferences(callerKeys.map((key) => key.secret) as [string, ...string[]]);
  const target = options.database ?? databaseTarget(definition.name);
  let statements = 0;
  const logger = options.logger ?? createLogger(definition.name);
  // Metrics (schema/src/metrics.ts): request duration, SQL statements, the PostgreSQL pool, the process.
  const metrics = createMetricsRegistry();
  const statementCounter = new Counter({
    name: 'credit_graph_sql_statements_total',
    help: 'SQL statements sent to the subgraph database',
    registers: [metrics],
  });
  const { database, db, raw } = await connectDatabase(
    definition,
    target,
    () => {
      statements++;
      statementCounter.inc();
    },
    undefined,
    logger,
  );
  databasePoolMetrics(metrics, database);
  try {
    if (options.seedEnterprises && (await definition.isEmpty(db))) {
      const started = Date.now();
      await definition.seed(db, options.seedEnterprises);
      logger.info(`[${definition.name}] seeded ${options.seedEnterprises} enterprises in ${Date.now() - started} ms`);
    }
  } catch (error) {
    await db.$disconnect();
    await database.close();
    throw error;
  }
  const server = new ApolloServer<SubgraphContext<Db, Loaders>>({
    schema,
    includeStacktraceInErrorResponses: false,
    // Its database not answering is SUBGRAPH_UNAVAILABLE naming it, one log line a minute (errors.ts).
    formatError: createErrorFormatter(logger, { subgraph: definition.name }),
    logger,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // No cache reads the cache hints (the gateway passes no Cache-Control on): without this,
      // Apollo Server computes a hint for every field of every answer.
      ApolloServerPluginCacheControlDisabled(),
      reportsPlugin as ApolloServerPlugin<SubgraphContext<Db, Loaders>>,
      errorResponsePlugin as ApolloServerPlugin<SubgraphContext<Db, Loaders>>,
    ],
    // stop() below drains HTTP first. Apollo's own SIGTERM handler would stop the server under
    // requests in flight, and racing ours it left stop() hanging until the pool's idle timeout.
    stopOnTerminationSignals: false,
  });
  await server.start();
  // One access line and the request metrics per exchange, over HTTP or in-process alike.
  const observeExchange = ((log, observe) => (exchange: Exchange) => {
    log(exchange);
    observe(exchange);
  })(accessLogger(logger, GRAPHQL_PATH), requestMetrics(metrics, GRAPHQL_PATH));
  // Loaders are per request: a DataLoader cache must never outlive the caller it served.
  const contextFor = (caller: Caller, requestId: string): SubgraphContext<Db, Loaders> => ({
    caller,
    db,
    loaders: definition.createLoaders(db, raw),
    references,
    changes: [],
    reads: createReadLog(),
    requestId,
  });
  return {
    name: definition.name,
    db,
    database,
    server,
    metrics,
    logger,
    contextFor,
    sqlStatements: () => statements,
    checkDatabase: () => db.$queryRawUnsafe('SELECT 1'),
    observeExchange,
    async execute(request, { caller, requestId }) {
      // The same pipeline as an HTTP request (parse, validate, plugins, formatError), minus HTTP;
      // the same access line and request metrics too, under the subgraph's own exchange notes.
      const started = performance.now();
      const notes: ExchangeNotes = { errors: [] };
      let status = 500;
      try {
        const response = await withExchangeNotes(notes, () =>
          server.executeOperation(
            { query: request.query, variables: request.variables, operationName: request.operationName },
            { contextValue: contextFor(caller, requestId) },
          ),
        );
        if (response.body.kind !== 'single') throw new Error(`${definition.name}: incremental delivery is not served in-process`);
        status = response.http.status ?? 200;
        return { status, result: response.body.singleResult };
      } finally {
        observeExchange({ ...notes, requestId, method: 'POST', path: GRAPHQL_PATH, status, durationMs: performance.now() - started, completed: true });
      }
    },
    async stop() {
      await server.stop();
      await db.$disconnect();
      await database.close();
    },
  };
}

/**
 * Starts a subgraph inside this process, without HTTP (the embedded shape: the gateway calls it
 * through `execute`). Same schema, permissions, database and answers as startSubgraph.
 * Throws CallerSecretError without usable keys (they sign record references), and the
 * configuration errors of the database (DatabaseConfigError, PendingMigrationsError, ...).
 */
export async function startInProcessSubgraph<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  options: InProcessOptions = {},
): Promise<LocalSubgraph<Db>> {
  const callerKeys = options.callerSecret === undefined ? callerSigningKeys() : checkCallerKeys(options.callerSecret);
  const { server: _server, metrics: _metrics, logger: _logger, observeExchange: _observeExchange, contextFor: _contextFor, ...local } = await createRuntime(definition, options, callerKeys);
  return local;
}

export async function startSubgraph<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  options: StartOptions = {},
): Promise<RunningSubgraph<Db>> {
  // Checked first: a subgraph without a usable secret or rules must not even open its database.
  const callerKeys = options.callerSecret === undefined ? callerSigningKeys() : checkCallerKeys(options.callerSecret);
  const readinessTimeoutMs = options.readinessTimeoutMs ?? PROBE_SETTINGS.parse().READINESS_TIMEOUT_MS;
  let draining = false;
  const runtime = await createRuntime(definition, options, callerKeys);
  const { server, metrics, db, database, logger } = runtime;

  const redisUrl = options.redisUrl ?? REDIS_SETTINGS.parse().REDIS_URL;
  // Without an offline queue a command fails at once while Redis is down: the local cache decides.
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }) : undefined;
  redis?.on('error', () => undefined); // reported by the replay cache, once a minute
  if (redis) {
    await within(readinessTimeoutMs, redis.connect()).catch((error: Error) =>
      logger.warn(`[${definition.name}] Redis not reached at start (${error.message}); nonces are checked per replica until it is`),
    );
  }
  const verifier = createCallerVerifier({
    keys: callerKeys,
    subgraph: definition.name,
    replayCache: redis
      ? createRedisReplayCache({ redis, prefix: `credit-graph:nonce:${definition.name}:`, local: createMemoryReplayCache(), logger })
      : createMemoryReplayCache(),
  });

  const handler = createGraphQLHandler({
    server,
    // Every GraphQL request (`_entities`, `_service` and `{ __typename }` too) must carry the
    // gateway's signature over this exact request, for this subgraph, used once; a refusal is
    // thrown before parsing, as HTTP 401 UNAUTHENTICATED.
    context: async (req, body, requestId) =>
      runtime.contextFor(await verifier.verify({ headers: req.headers, method: req.method ?? 'GET', path: req.url ?? '/', body }), requestId),
    routes: {
      // Liveness: the process answers; nothing else is asked (a restart would not mend a database).
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', subgraph: definition.name }),
      // Readiness: this replica should get traffic: its database answers in time and it is not stopping.
      '/ready': async (_req, res) => {
        if (draining) return sendJson(res, 503, { status: 'draining', subgraph: definition.name });
        try {
          await within(readinessTimeoutMs, runtime.checkDatabase());
          sendJson(res, 200, { status: 'ready', subgraph: definition.name, database: 'ok' });
        } catch (error) {
          sendJson(res, 503, { status: 'not ready', subgraph: definition.name, database: `unreachable: ${(error as Error).message.split('\n')[0]!.slice(0, 200)}` });
        }
      },
    },
    logger,
    onExchange: runtime.observeExchange,
  });
  // A bank's portfolio check carries its consents in the signed caller header.
  const http = await listen(handler, { port: options.port, host: options.host, maxHeaderSize: MAX_SUBGRAPH_HEADER_BYTES });
  let metricsHttp: Listening | undefined;
  try {
    metricsHttp = options.metrics ? await serveMetrics(metrics, options.metrics) : undefined;
  } catch (error) {
    await http.close();
    await server.stop();
    redis?.disconnect();
    await db.$disconnect();
    await database.close();
    throw new MetricsConfigError(`METRICS_PORT ${options.metrics!.port} on ${options.metrics!.host}: ${(error as Error).message}`);
  }
  return {
    name: definition.name,
    url: `http://${http.host}:${http.port}${GRAPHQL_PATH}`,
    metricsUrl: metricsHttp ? `http://${metricsHttp.host}:${metricsHttp.port}/metrics` : undefined,
    logger,
    db,
    database,
    inProcess: { name: definition.name, execute: runtime.execute, checkDatabase: runtime.checkDatabase },
    sqlStatements: runtime.sqlStatements,
    async stop() {
      draining = true;
      await http.close();
      await metricsHttp?.close();
      redis?.disconnect();
      await runtime.stop();
    },
  };
}

/**
 * Whether a subgraph's start failed on its configuration (settings, keys, rules, time zone,
 * input bounds, database settings, migrations, log level, metrics port): told in one line,
 * exit 1, never a stack trace.
 */
export function isSubgraphConfigurationError(error: unknown): boolean {
  const configuration = [
    SettingsError,
    CallerSecretError,
    PermissionsError,
    TimeZoneError,
    InputBoundsError,
    DatabaseConfigError,
    MigrateOnStartError,
    PendingMigrationsError,
    LogLevelError,
    MetricsConfigError,
  ];
  return configuration.some((kind) => error instanceof kind);
}

/**
 * Runs a subgraph as a process: port and seeding from the environment, JSON logs at LOG_LEVEL,
 * metrics on METRICS_PORT (default its PORT + SUBGRAPH_METRICS_PORT_OFFSET; `off`: none) and
 * METRICS_HOST (default HOST), clean stop on signals.
 */
export async function runSubgraphProcess<Db extends PrismaClientLike, Loaders>(
  definition: SubgraphDefinition<Db, Loaders>,
  defaultPort: number,
): Promise<void> {
  const target = databaseTarget(definition.name);
  let running: RunningSubgraph<Db>;
  try {
    // Every variable first, every mistake in one message, before anything opens.
    const settings = subgraphSettings(definition.name).parse();
    const logger = createLogger(definition.name, { level: settings.LOG_LEVEL as LogLevel });
    // Every "today" of the subgraph is the business day in BUSINESS_TIME_ZONE (checked above).
    configureClock();
    const port = settings.PORT ?? defaultPort;
    const host = settings.HOST;
    running = await startSubgraph(definition, {
      port,
      host,
      database: target,
      seedEnterprises: settings.SEED_ENTERPRISES,
      logger,
      // Checked by the settings above: cannot throw now.
      metrics: metricsListen(process.env, { port: port + SUBGRAPH_METRICS_PORT_OFFSET, host }),
    });
  } catch (error) {
    if (!isSubgraphConfigurationError(error)) throw error;
    startFailureLogger(definition.name).fatal(`[${definition.name}] configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  running.logger.info(`[${definition.name}] ready at ${running.url} (${describeTarget(target)}); metrics ${running.metricsUrl ?? 'off'}`);
  stopOnSignals(() => running.stop());
}

/** True when the module at `moduleUrl` is the process's entry point. */
export function isMainModule(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}
