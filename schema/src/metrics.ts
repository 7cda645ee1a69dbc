// Prometheus metrics of every service (gateway and subgraphs) with prom-client, served on a
// listener of their own (METRICS_PORT, METRICS_HOST), apart from the GraphQL port: the public
// port never exposes them, and a NetworkPolicy can open the metrics port to the monitoring
// namespace only. One Registry per service (never prom-client's global one), so that several
// services in one process (tests, the in-process transport) keep their series apart.
//
// Names follow Prometheus' conventions (https://prometheus.io/docs/practices/naming/): a
// `credit_graph_` prefix, base units (seconds), `_total` on counters, labels of bounded
// cardinality only (operation names are capped: see operationLabels).
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Exchange } from './access-log.ts';
import type { Database } from './database.ts';
import { ERROR_CATALOGUE, errorBody } from './errors.ts';
import { listen, sendJson, type Listening } from './http.ts';

/** The gateway's metrics port: the OpenTelemetry Prometheus exporter's conventional 9464. */
export const DEFAULT_GATEWAY_METRICS_PORT = 9464;
/** A subgraph's default metrics port is its GraphQL port plus this (registry 4101 -> 9101). */
export const SUBGRAPH_METRICS_PORT_OFFSET = 5000;
/** Distinct operation names a service labels its request metrics with; later names count as `other`. */
export const MAX_OPERATION_LABELS = 200;
/** Seconds: from a cached answer (ms) to a 500-code portfolio under load (about 13 s). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export class MetricsConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

export interface MetricsListen {
  port: number;
  host: string;
}

/**
 * Where a service serves its metrics, from METRICS_PORT and METRICS_HOST: unset or empty
 * METRICS_PORT is `defaults.port`, `off` switches metrics off (undefined), `0` is any free port;
 * METRICS_HOST defaults to `defaults.host` (the service's own listening address).
 * Throws MetricsConfigError for a port that is not `off` or an integer 0-65535.
 */
export function metricsListen(env: NodeJS.ProcessEnv, defaults: MetricsListen): MetricsListen | undefined {
  const raw = env.METRICS_PORT;
  const host = env.METRICS_HOST || defaults.host;
  if (raw === undefined || raw === '') return { port: defaults.port, host };
  if (raw === 'off') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new MetricsConfigError(`METRICS_PORT must be a port number (0-65535) or "off", got "${raw}"`);
  return { port, host };
}

/** A service's own registry, with prom-client's default process and Node.js metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The label an operation name gets: `anonymous` for an operation without a name, `none` when no
 * operation was resolved (a transport or parse error), the name itself for the first `limit`
 * distinct names, `other` after: a client inventing names cannot grow the series without bound.
 */
export function operationLabels(limit = MAX_OPERATION_LABELS): (name: string | null | undefined) => string {
  const known = new Set<string>();
  return (name) => {
    if (name === undefined) return 'none';
    if (name === null || name === '') return 'anonymous';
    if (known.has(name)) return name;
    if (known.size >= limit) return 'other';
    known.add(name);
    return name;
  };
}

/** `ok`, else the first error's catalogued code (an uncatalogued one as INTERNAL_SERVER_ERROR), else `HTTP_<status>`. */
export function outcomeLabel(exchange: Pick<Exchange, 'errors' | 'status' | 'completed'>): string {
  if (!exchange.completed) return 'aborted';
  const first = exchange.errors[0]?.code;
  if (first !== undefined) return Object.hasOwn(ERROR_CATALOGUE, first) ? first : 'INTERNAL_SERVER_ERROR';
  return exchange.status < 400 ? 'ok' : `HTTP_${exchange.status}`;
}

/**
 * `credit_graph_request_duration_seconds{operation, outcome}`: every GraphQL request (on
 * `graphqlPath`) the service answered, from arrival to the last byte. Returns the observer to
 * hand the HTTP layer (createGraphQLHandler's onExchange); other paths are not counted.
 */
export function requestMetrics(registry: Registry, graphqlPath: string, limit = MAX_OPERATION_LABELS): (exchange: Exchange) => void {
  const duration = new Histogram({
    name: 'credit_graph_request_duration_seconds',
    help: 'GraphQL requests answered, by operation name (capped) and outcome (ok or the first error code)',
    labelNames: ['operation', 'outcome'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [registry],
  });
  const label = operationLabels(limit);
  return (exchange) => {
    if (exchange.path !== graphqlPath) return;
    duration.observe({ operation: label(exchange.operationName), outcome: outcomeLabel(exchange) }, exchange.durationMs / 1000);
  };
}

/**
 * The service's PostgreSQL connection pool, read at each scrape:
 * `credit_graph_db_pool_connections` (open), `..._idle_connections`, `..._waiting_clients`
 * (queued for a connection) and `..._max_connections` (DATABASE_POOL_SIZE). An embedded PGlite
 * database has no pool: nothing is registered.
 */
export function databasePoolMetrics(registry: Registry, database: Pick<Database, 'poolStats'>): void {
  if (!database.poolStats) return;
  const stats = database.poolStats.bind(database);
  const gauge = (name: string, help: string, read: (s: NonNullable<ReturnType<typeof stats>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const current = stats();
        if (current) this.set(read(current));
      },
    });
  gauge('credit_graph_db_pool_connections', 'Open connections of the PostgreSQL pool', (s) => s.total);
  gauge('credit_graph_db_pool_idle_connections', 'Open connections of the pool not in use', (s) => s.idle);
  gauge('credit_graph_db_pool_waiting_clients', 'Queries waiting for a connection of the pool', (s) => s.waiting);
  gauge('credit_graph_db_pool_max_connections', 'Largest size of the pool (DATABASE_POOL_SIZE)', (s) => s.max);
}

/**
 * Serves `registry` in Prometheus' text format at GET /metrics on its own listener; any other
 * path answers 404 NOT_FOUND. Port 0: any free port (the returned `port` says which).
 */
export async function serveMetrics(registry: Registry, where: MetricsListen): Promise<Listening> {
  return listen(
    async (req, res) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
        return sendJson(res, ERROR_CATALOGUE.NOT_FOUND.status, errorBody('NOT_FOUND', 'Metrics are served at /metrics'));
      }
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    },
    { port: where.port, host: where.host, drainMs: 1000 },
  );
}
