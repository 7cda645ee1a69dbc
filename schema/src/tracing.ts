// OpenTelemetry traces for every service (gateway and subgraphs), set up in one place. Off unless
// an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or a traces
// exporter (OTEL_TRACES_EXPORTER) is configured; off, nothing of the SDK is even loaded.
//
// On, the standard Node SDK (@opentelemetry/sdk-node) runs with the standard environment
// variables (OpenTelemetry specification, "SDK configuration": exporter protocol, headers,
// sampler, propagators, resource attributes, batch sizes) and four instrumentations:
// - http: a server span per incoming request, continuing the caller's W3C `traceparent`;
// - undici: a client span per gateway-to-subgraph call, sending `traceparent` on (the caller
//   signature binds method, path and body, not this header: see caller-signature.ts);
// - graphql: parse, validate and execute spans (resolver spans off: thousands per portfolio);
// - pg: a span per SQL statement Prisma's pg driver adapter sends (PostgreSQL only; embedded
//   PGlite runs in the process and has no driver to instrument).
// Instrumentation patches packages as they load, so `startTracing` must run before anything
// imports them: the CLI entry (scripts/credit-graph.ts) calls it first and loads the rest after.
// Metrics and logs stay with prom-client and pino: the SDK's own are switched off here.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { NodeSDK } from '@opentelemetry/sdk-node';

/** Where spans go (OTLP base URL, `/v1/traces` appended), for every signal... */
const ENDPOINT_VARIABLE = 'OTEL_EXPORTER_OTLP_ENDPOINT';
/** ...or for traces alone (the full URL). Either, non-empty, switches tracing on. */
const TRACES_ENDPOINT_VARIABLE = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
/** Requests that are not work: probes and scrapes get no span (they would drown the traces). */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

let running: NodeSDK | undefined;

/**
 * Imports a package as this file's package (@credit-graph/contract) resolves it. The build
 * (scripts/build.ts) bundles this module into dist/ but keeps its import.meta.url pointing here,
 * so the SDK is found where npm installed it for this workspace, from tsx and the build alike.
 */
async function fromHere<Module>(name: string): Promise<Module> {
  return (await import(pathToFileURL(createRequire(import.meta.url).resolve(name)).href)) as Module;
}

/**
 * True when this environment asks for traces: OTEL_SDK_DISABLED is not `true`, and an OTLP
 * endpoint is set or OTEL_TRACES_EXPORTER names an exporter other than `none` (e.g. `console`).
 * OTEL_TRACES_EXPORTER=none switches traces off even with an endpoint.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return false;
  return exporters.length > 0 || [ENDPOINT_VARIABLE, TRACES_ENDPOINT_VARIABLE].some((name) => (env[name] ?? '').trim() !== '');
}

/**
 * The `service.name` of a Credit Graph process: `credit-graph-gateway` for `gateway`,
 * `credit-graph-<name>` for a subgraph (`credit-graph-supply-chain`). OTEL_SERVICE_NAME (or
 * service.name in OTEL_RESOURCE_ATTRIBUTES), when set, overrides it (OpenTelemetry's standard).
 */
export function serviceName(service: string): string {
  return `credit-graph-${service}`;
}

/** True when the operator named the service (OTEL_SERVICE_NAME, or service.name in OTEL_RESOURCE_ATTRIBUTES). */
function namedByOperator(): boolean {
  return (process.env.OTEL_SERVICE_NAME ?? '').trim() !== '' || /(^|,)\s*service\.name\s*=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
}

/**
 * Starts tracing for `service` (`gateway` or a subgraph's name) when process.env asks for it
 * (see tracingConfigured); resolves true once the SDK runs, false when tracing is off (then
 * nothing was loaded or registered). Call it before the service's modules are imported.
 * Throws only what the SDK throws on a broken installation; bad OTEL_* values are reported by
 * the SDK's diagnostics (OTEL_LOG_LEVEL) and fall back to its defaults.
 */
export async function startTracing(service: string): Promise<boolean> {
  if (running || !tracingConfigured()) return Boolean(running);
  // ES modules imported from now on pass through import-in-the-middle, so instrumentations see
  // them too (require-in-the-middle covers CommonJS `require` only).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ api, NodeSDK, tracing }, { HttpInstrumentation }, { UndiciInstrumentation }, { GraphQLInstrumentation }, { PgInstrumentation }] = await Promise.all([
    fromHere<typeof import('@opentelemetry/sdk-node')>('@opentelemetry/sdk-node'),
    fromHere<typeof import('@opentelemetry/instrumentation-http')>('@opentelemetry/instrumentation-http'),
    fromHere<typeof import('@opentelemetry/instrumentation-undici')>('@opentelemetry/instrumentation-undici'),
    fromHere<typeof import('@opentelemetry/instrumentation-graphql')>('@opentelemetry/instrumentation-graphql'),
    fromHere<typeof import('@opentelemetry/instrumentation-pg')>('@opentelemetry/instrumentation-pg'),
  ]);
  // Traces start where requests come in: a span with no parent that is not a server span (the
  // SDL parsed at start-up, a pool connecting) is dropped, unless OTEL_TRACES_SAMPLER says otherwise.
  const requestsOnly: import('@opentelemetry/sdk-node').tracing.Sampler = {
    shouldSample: (_context, _traceId, _name, kind) => ({
      decision: kind === api.SpanKind.SERVER ? tracing.SamplingDecision.RECORD_AND_SAMPLED : tracing.SamplingDecision.NOT_RECORD,
    }),
    toString: () => 'RequestsOnly',
  };
  const sdk = new NodeSDK({
    serviceName: namedByOperator() ? undefined : serviceName(service),
    sampler: process.env.OTEL_TRACES_SAMPLER ? undefined : new tracing.ParentBasedSampler({ root: requestsOnly }),
    // prom-client serves metrics and pino writes logs: no second pipeline for either.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
        // Outgoing node:http calls are the exporter's own; subgraph calls go through undici.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Only calls made while serving a request: schema loading and health checks start no trace.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new GraphQLInstrumentation({ ignoreResolveSpans: true, mergeItems: true }),
      // Only SQL sent for a request: migrations, seeding and background batches start no trace.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  running = sdk;
  return true;
}

/** Sends the spans still buffered and stops tracing; resolves at once when tracing is off. */
export async function stopTracing(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown();
}
