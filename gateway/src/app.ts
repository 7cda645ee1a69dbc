// The one place where the gateway is wired together. Reading this file tells what happens
// to a request, in order:
//   transport (HTTP, body checks) -> identity and purpose (request context) -> rate limit
//   -> safelist (clients bound to registered operations) -> input checks (USCC) -> limits (before any
//   other pass over the operation) -> admission (the work in flight bounded) -> deprecated usage
//   (noted for the answer)
//   -> authorization (fields removed before planning)
//   -> consent (live consents for the enterprises named) -> planning and signed subgraph
//   calls (or in-process calls to subgraphs hosted here) -> audit (recorded before the answer leaves).
import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerOptionsWithGateway, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { Agent } from 'undici';
import {
  accessLogger,
  createErrorFormatter,
  createGraphQLHandler,
  createLogger,
  currentRequestId,
  describeTarget,
  ERROR_CATALOGUE,
  errorResponsePlugin,
  isCatalogued,
  listen,
  serveMetrics,
  throttledWarning,
  type Listening,
  type InProcessSubgraph,
  type Logger,
} from '@credit-graph/contract';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { deprecationPlugin } from './api-schema/deprecations.ts';
import { createSchemaDownload } from './api-schema/download.ts';
import { auditPlugin, createAudit } from './audit/audit.ts';
import { checkpointRedisKey, checkpointsOfChain, createCheckpoints, type CheckpointOptions } from './audit/checkpoints.ts';
import { changeFeedPlugin, createChangeFeed, gradeReaderOver, registrationReaderOver } from './feed/change-feed.ts';
import { describeForAudit } from './audit/policy.ts';
import { createAuthorization } from './trust/authorization.ts';
import { ConfigError, TRUST_LAYER_OFF_CALLER, type GatewayConfig } from './config.ts';
import { consentPlugin, createConsents } from './trust/consent.ts';
import { openGatewayDatabase, type GatewayDatabase } from './database.ts';
import { createIdentity } from './trust/identity.ts';
import { installInputScalars } from './trust/input-scalars.ts';
import { createNoShadowingAliasesRule } from './trust/aliases.ts';
import { inOrder } from './trust/in-order.ts';
import { introspectionPlugin } from './trust/introspection.ts';
import { createLimits, supergraphCostModel } from './trust/limits.ts';
import { createAdmission } from './trust/admission.ts';
import { createPlayground, loadExamples, type PlaygroundExample } from './playground/index.ts';
import { costlyOperationLimit, createMemoryStore, createRateLimiter, createRedisClient, createRedisStore, rateLimitPlugin } from './trust/rate-limit.ts';
import { createGatewayMetrics } from './ops/metrics.ts';
import { createProbes } from './ops/readiness.ts';
import { createRequestContext, type GatewayContext } from './trust/request-context.ts';
import { createClientAddress } from './trust/client-address.ts';
import { createSubgraphPolicy, type SubgraphPolicy } from './transport/resilience.ts';
import { createSafelist, persistedQueryCache, safelistPlugin } from './trust/safelist.ts';
import { SubgraphClient } from './transport/subgraph-client.ts';
import { InProcessClient } from './transport/in-process.ts';
import { withInlinedConditions } from './transport/inline-conditions.ts';
import { createInternalExecutor, type InternalExecutor } from './transport/internal.ts';
import { loadSupergraph, prepareSupergraph, type Supergraph } from './supergraph.ts';
import { LOCAL_URL_PREFIX, trustDataSource } from './trust/subgraph/index.ts';
import { createVerifications, VERIFICATION_CHAIN } from './verification/verification.ts';
import { createReports, REPORT_CHAIN } from './reports/reports.ts';
import { createReportRoutes, ISSUE_OPERATION, type IssueOverGraphQL } from './reports/routes.ts';

export const GRAPHQL_PATH = '/graphql';
const DEFAULT_EXAMPLES = fileURLToPath(new URL('./playground/examples.json', import.meta.url));

export type { GatewayContext };

export interface GatewayApp {
  url: string;
  supergraph: Supergraph;
  database: GatewayDatabase;
  /**
   * Stops: /ready answers 503 at once, requests are still served for `unreadyForMs` (time for
   * a load balancer to take the replica out), then new connections are refused and requests
   * in flight finish (their audit records written) before anything closes.
   */
  stop(options?: { unreadyForMs?: number }): Promise<void>;
  /** Where Prometheus scrapes the gateway (config.metrics), or undefined when metrics are off. */
  metricsUrl: string | undefined;
}

export interface GatewayAppOptions {
  examples?: PlaygroundExample[];
  /**
   * Tokens by role that fill the `${BANK_TOKEN}`-style placeholders of the playground examples:
   * used only in demo mode (config.playgroundDemoTokens), ignored (with a warning) otherwise.
   */
  playgroundTokens?: Record<string, string>;
  /** The gateway's log (default: pino JSON lines on stdout at config.logLevel). */
  logger?: Logger;
  /**
   * Subgraphs served inside this process (the embedded shape, SUBGRAPH_TRANSPORT=in-process):
   * called by name without HTTP or signatures; every other subgraph is called at its URL.
   */
  inProcessSubgraphs?: readonly InProcessSubgraph[];
}

/** How this process reaches itself: a wildcard address is not a destination; IPv6 needs brackets. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startGateway(config: GatewayConfig, options: GatewayAppOptions = {}): Promise<GatewayApp> {
  const logger = options.logger ?? createLogger('gateway', { level: config.logLevel });
  const supergraph = loadSupergraph(config.supergraphPath, config.subgraphUrls);
  // The gateway enforces the authorization directives itself; the planner is told so.
  const supergraphSdl = prepareSupergraph(supergraph.sdl);
  const database = await openGatewayDatabase(config.database, config.databaseTimeouts, logger);
  const { db } = database;
  // One circuit per subgraph (filled as @apollo/gateway builds its data sources).
  const policies = new Map<string, SubgraphPolicy>();
  // Cost as the supergraph knows it: list sizes within the arguments' @bounds, @requires counted.
  const limits = createLimits({}, supergraphCostModel(supergraphSdl));
  const admission = createAdmission({ costOf: limits.costOf, ...config.admission });
  const metrics = createGatewayMetrics({
    database: database.database,
    circuits: () => [...policies].map(([name, policy]) => [name, policy.circuit] as [string, typeof policy.circuit]),
    admission: () => ({ ...admission.state(), maxCostInFlight: admission.maxCostInFlight }),
    graphqlPath: GRAPHQL_PATH,
  });
  const identity = createIdentity({ db, jwt: config.jwt });
  const consents = createConsents({ db, raw: database.raw });
  const safelist = createSafelist({ db });
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { commandTimeoutMs: config.redisCommandTimeoutMs, logger }) : undefined;
  const checkpointOptions: CheckpointOptions = {
    keys: config.audit.keys,
    file: config.audit.checkpointFile,
    redis,
    logger,
    redisKey: config.audit.checkpointRedisKey ?? checkpointRedisKey(describeTarget(database.database.target)),
    everyRecords: config.audit.checkpointEveryRecords,
    everyMs: config.audit.checkpointEveryMs,
  };
  const checkpoints = createCheckpoints(checkpointOptions);
  // Stored verifications and issued reports are chains of their own, checkpointed beside the audit log's.
  const verificationCheckpoints = createCheckpoints(checkpointsOfChain(checkpointOptions, VERIFICATION_CHAIN.chain));
  const reportCheckpoints = createCheckpoints(checkpointsOfChain(checkpointOptions, REPORT_CHAIN.chain));
  /** Writes what the audit log has queued and the last checkpoint of every chain. */
  const closeAudit = async () => {
    await audit.close();
    await verificationCheckpoints.close();
    await reportCheckpoints.close();
  };
  if (!checkpoints.enabled) logger.warn('[gateway] no AUDIT_CHECKPOINT_FILE and no REDIS_URL: deleting the newest audit records, stored verifications or issued reports would go unseen by verify');
  const audit = createAudit({ db, raw: database.raw, keys: config.audit.keys, checkpoints, writeTimeoutMs: config.audit.writeTimeoutMs, logger, onBatch: metrics.auditBatch });

  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));
  const inProcess = new Map((options.inProcessSubgraphs ?? []).map((subgraph) => [subgraph.name, subgraph]));
  // The gateway's own reads (registration, grades) run in-process on the loaded supergraph,
  // never through its public, rate-limited HTTP door (see transport/internal.ts).
  let internal: InternalExecutor = async () => {
    throw new Error('the supergraph is not loaded yet');
  };
  const changes = createChangeFeed({
    db,
    raw: database.raw,
    grades: gradeReaderOver((query, variables) => internal(query, variables)),
    registration: registrationReaderOver((query, variables) => internal(query, variables)),
    writeTimeoutMs: config.audit.writeTimeoutMs,
    logger,
  });
  // Agencies' credit verifications: decided by the registry through the planner, with the agency
  // as the signed caller; stored as a chained signed record (verification/verification.ts).
  const rateLimitStore = redis ? createRedisStore(redis) : createMemoryStore();
  const rateLimitStoreWarning = throttledWarning((message) => logger.warn(message));
  const rateLimiter = createRateLimiter({ store: rateLimitStore, ...config.rateLimit });
  // Operations that cost far more than a read get a second bucket per caller (trust layer on).
  const costlyLimit = (bucket: { capacity: number; refillPerSecond: number }, what: string) =>
    config.trustLayer
      ? costlyOperationLimit(
          createRateLimiter({ store: rateLimitStore, ...bucket }),
          what,
          (error) => rateLimitStoreWarning(`Rate limit store failed, ${what} limited by this replica alone: ${error.message}`),
          // Redis down: the same bucket in this process, so that one caller's costly calls stay bounded.
          createRateLimiter({ store: createMemoryStore(), ...bucket }),
        )
      : undefined;
  const verifications = createVerifications({
    db,
    keys: config.audit.keys,
    checkpoints: verificationCheckpoints,
    limit: costlyLimit(config.verificationRateLimit, 'credit verifications'),
    execute: (query, variables, as) => internal(query, variables, as),
  });
  // Public credit reports: composed from the graph as the caller, signed with the audit keys.
  let publicUrl = config.reportPublicUrl ?? '';
  const reports = createReports({
    db,
    keys: config.audit.keys,
    checkpoints: reportCheckpoints,
    execute: (query, variables, as) => internal(query, variables, as),
    publicUrl: () => publicUrl,
    // A report renders a PDF: its own, much smaller bucket per caller.
    issueLimit: costlyLimit(config.reportRateLimit, 'credit reports'),
  });
  const trust = trustDataSource({ consents, audit, changes, verifications, reports, execute: (query, variables, as) => internal(query, variables, as) });

  // One keep-alive connection pool for every subgraph call.
  const subgraphConnections = new Agent();
  // @apollo/gateway otherwise reports usage to Apollo and probes cloud metadata addresses at
  // start: a credit gateway sends nothing anywhere but to its own subgraphs.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger,
    buildService: ({ name, url }) => {
      const target = urls.get(name) ?? url!;
      if (target.startsWith(LOCAL_URL_PREFIX)) return trust;
      const policy = createSubgraphPolicy(name, config.subgraphCalls, logger);
      policies.set(name, policy);
      const hosted = inProcess.get(name);
      if (hosted) return new InProcessClient(hosted, { timeoutMs: config.subgraphCalls.timeoutMs, policy, logger, onCall: metrics.subgraphCall(name) });
      return new SubgraphClient(name, target, {
        callerKeys: config.callerKeys,
        timeoutMs: config.subgraphCalls.timeoutMs,
        dispatcher: subgraphConnections,
        policy,
        logger,
        onCall: metrics.subgraphCall(name),
      });
    },
  });
  // Both doors to the planner (clients' requests and the gateway's own reads) decide
  // @skip/@include first: the planner mishandles them next to @requires (inline-conditions.ts).
  let apiSchema: GraphQLSchema | undefined;
  const executor = withInlinedConditions(gateway.executor, () => apiSchema);
  const plannedGateway: ApolloServerOptionsWithGateway<GatewayContext>['gateway'] = {
    load: async (options) => ({ ...(await gateway.load(options)), executor }),
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
  internal = createInternalExecutor({ executor }, undefined, logger);
  const clientAddress = createClientAddress(config.trustedProxies);
  const identifyCaller = createRequestContext(identity, config.jwt, clientAddress);
  const requestContext = config.trustLayer
    ? identifyCaller
    : async (_req: unknown, _body: unknown, requestId: string): Promise<GatewayContext> => ({ caller: TRUST_LAYER_OFF_CALLER, requestId });
  // GET /schema.graphql: the API schema's SDL, behind the same rule as introspection.
  const schemaDownload = createSchemaDownload({
    identify: config.production && config.trustLayer ? async (req) => (await identifyCaller(req)).caller : undefined,
  });
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
    installInputScalars(loaded.apiSchema);
    schemaDownload.update(loaded.apiSchema);
    supergraphLoaded = true;
  });

  // didResolveOperation hooks run in this order, each after the previous one finished, none
  // after a refusal (inOrder): the limits measure the operation as sent (linear time) before
  // authorization rewrites it, consent looks its subjects up, or the planner sees it.
  const plugins: ApolloServerPlugin<GatewayContext>[] = inOrder([
    ApolloServerPluginLandingPageDisabled(),
    // No cache reads cache hints: none is computed (nor read from the subgraphs' answers).
    ApolloServerPluginCacheControlDisabled(),
    rateLimitPlugin(rateLimiter),
    safelistPlugin<GatewayContext>(safelist),
    ...(config.production ? [introspectionPlugin<GatewayContext>()] : []),
    limits.plugin,
    // After the limits (which measure the cost), before any other work on the operation.
    admission.plugin,
    deprecationPlugin<GatewayContext>(),
    createAuthorization({ supergraphSdl, mode: config.authorizationMode }),
    consentPlugin<GatewayContext>(consents),
    changeFeedPlugin<GatewayContext>(changes, logger),
    auditPlugin<GatewayContext>(audit, describeForAudit),
    // Last: sees every error the others added; request id on each, status from the catalogue.
    errorResponsePlugin as ApolloServerPlugin<GatewayContext>,
  ]);
  // TRUST_LAYER=off (benchmarks): none of the trust plugins, and every caller is the fixed one.
  if (!config.trustLayer) logger.warn('[gateway] TRUST_LAYER=off: no identity, rate limit, authorization, consent, limits or audit (benchmarks only)');
  const server = new ApolloServer<GatewayContext>({
    gateway: plannedGateway,
    logger,
    plugins: config.trustLayer
      ? plugins
      : [
          ApolloServerPluginLandingPageDisabled(),
          ApolloServerPluginCacheControlDisabled(),
          changeFeedPlugin<GatewayContext>(changes, logger),
          errorResponsePlugin as ApolloServerPlugin<GatewayContext>,
        ],
    formatError: createErrorFormatter(logger),
    // The query planner overwrites an alias that takes a key field's name: refused, always.
    validationRules: [createNoShadowingAliasesRule(supergraphSdl)],
    ...(config.trustLayer ? { parseOptions: limits.parseOptions, persistedQueries: { cache: persistedQueryCache(safelist) } } : {}),
    includeStacktraceInErrorResponses: false,
    // Apollo Server turns introspection off for everyone when NODE_ENV=production; in production
    // the introspection plugin above opens it to the schema:introspect scope only.
    introspection: true,
    csrfPrevention: true,
    // Our stop() drains HTTP first; Apollo stopping itself on SIGTERM would cut requests in flight.
    stopOnTerminationSignals: false,
  });
  let metricsHttp: Listening | undefined;
  try {
    // A metrics port in use stops the start, as the GraphQL port would: a replica nobody watches is not ready.
    metricsHttp = config.metrics
      ? await serveMetrics(metrics.registry, config.metrics).catch((error: Error) => {
          throw new ConfigError(`METRICS_PORT ${config.metrics!.port} on ${config.metrics!.host}: ${error.message}`);
        })
      : undefined;
    await server.start();
  } catch (error) {
    await metricsHttp?.close();
    await closeAudit();
    await database.close();
    redis?.disconnect();
    await subgraphConnections.close();
    if (error instanceof ConfigError) throw error;
    // The supergraph passed our checks but @apollo/gateway cannot build a schema from it.
    if (!supergraphLoaded) throw new ConfigError(`@apollo/gateway cannot load the supergraph at ${supergraph.path}: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }

  if (options.playgroundTokens && !config.playgroundDemoTokens) {
    logger.warn('[gateway] playground demo tokens given but PLAYGROUND_DEMO_TOKENS is not "true": the playground carries none');
  }
  const playground = createPlayground({
    graphqlPath: GRAPHQL_PATH,
    examples: options.examples ?? loadExamples(DEFAULT_EXAMPLES),
    tokens: config.playgroundDemoTokens ? options.playgroundTokens : undefined,
  });
  const probes = createProbes({
    subgraphs: supergraph.subgraphs.filter((s) => !s.url.startsWith(LOCAL_URL_PREFIX)),
    inProcess,
    isSupergraphLoaded: () => supergraphLoaded,
    checkDatabase: () => db.$queryRawUnsafe('SELECT 1'),
    timeoutMs: config.readinessTimeoutMs,
    callerKeys: config.callerKeys,
    circuit: (name) => policies.get(name)?.circuit,
  });
  // A report download is the GraphQL mutation, run through every plugin above as its caller.
  const issueOverGraphQL: IssueOverGraphQL = async (req, uscc) => {
    let contextValue: GatewayContext;
    try {
      contextValue = await requestContext(req, Buffer.alloc(0), currentRequestId() ?? '');
    } catch (error) {
      if (!(error instanceof GraphQLError) || !isCatalogued(error.extensions.code)) throw error;
      const code = error.extensions.code;
      return { status: ERROR_CATALOGUE[code].status, body: { errors: [{ message: error.message, extensions: { code } }] } };
    }
    const response = await server.executeOperation({ query: ISSUE_OPERATION, variables: { uscc } }, { contextValue });
    const body = response.body.kind === 'single' ? response.body.singleResult : { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    return { status: response.http.status ?? 200, body: body as never };
  };
  // The public check takes from the client address's bucket, as anonymous GraphQL requests do.
  const reportRoutes = createReportRoutes(reports, issueOverGraphQL, {
    ...(config.trustLayer
      ? { rateLimit: { limiter: rateLimiter, clientAddress, onStoreError: (error: Error) => rateLimitStoreWarning(`Rate limit store failed, report check let through: ${error.message}`) } }
      : {}),
  });
  const handler = createGraphQLHandler({
    server,
    path: GRAPHQL_PATH,
    context: requestContext,
    maxBodyBytes: config.maxBodyBytes,
    routes: {
      ...playground.routes,
      ...probes.routes,
      ...reportRoutes.routes,
      ...schemaDownload.routes,
    },
    prefixRoutes: { ...playground.prefixRoutes, ...reportRoutes.prefixRoutes },
    logger,
    // One access line per request, and the request metrics (ops/metrics.ts).
    onExchange: ((log) => (exchange) => {
      log(exchange);
      metrics.onExchange(exchange);
    })(accessLogger(logger, GRAPHQL_PATH)),
  });

  const http = await listen(handler, { port: config.port, host: config.host, drainMs: config.drainMs });
  publicUrl ||= `http://${loopbackHost(http.host)}:${http.port}`;
  return {
    url: `http://${loopbackHost(http.host)}:${http.port}${GRAPHQL_PATH}`,
    supergraph,
    database,
    metricsUrl: metricsHttp ? `http://${loopbackHost(metricsHttp.host)}:${metricsHttp.port}/metrics` : undefined,
    // Drains first: requests in flight finish, their audit records written, before anything
    // they use is closed; new connections are refused meanwhile.
    async stop({ unreadyForMs = 0 } = {}) {
      probes.drain();
      if (unreadyForMs > 0) await new Promise((resolve) => setTimeout(resolve, unreadyForMs));
      await http.close();
      await server.stop();
      await closeAudit();
      await subgraphConnections.close();
      redis?.disconnect();
      await database.close();
      await metricsHttp?.close();
    },
  };
}
