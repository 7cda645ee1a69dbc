// Traces end to end (issue 11 §6): every service a process of its own (`credit-graph gateway`,
// `credit-graph subgraph <name>`: through tsx, or the production build with E2E_BUILD=1), set
// up only by the standard OTEL_* variables to export to a real OTLP/HTTP receiver in this test;
// one bank credit check that carries a caller's `traceparent` must come back as ONE trace: the
// gateway's server span under the caller's span, a call from the gateway to each of the six
// subgraphs, each subgraph's server span under the gateway's call, and (on PostgreSQL, with
// TEST_DATABASE_URL) SQL under each subgraph.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayHosted, readManifest } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { startProcessStack, type Stack } from './support/stack.ts';

/** The showcase enterprises are the first of the seed: a small universe is enough. */
const ENTERPRISES = 60;
const SUBGRAPHS = readManifest()
  .filter((entry) => !isGatewayHosted(entry))
  .map((entry) => entry.name);
const examples = JSON.parse(readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8')) as {
  query: string;
  variables?: Record<string, unknown>;
}[];
const bankCheck = examples[0]!;
const grantConsent = examples.find((example) => example.query.includes('grantConsent'))!;
const model = seedUniverse(ENTERPRISES)[SHOWCASE.MODEL_GROUP]!;

let receiver: OtlpReceiver;
let stack: Stack;
/** The caller's trace (W3C Trace Context ids) the bank check continues, and what came of it. */
const traceId = randomBytes(16).toString('hex');
const callerSpanId = randomBytes(8).toString('hex');
let trace: ReceivedSpan[];
let byId: Map<string, ReceivedSpan>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startProcessStack(ENTERPRISES, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export within a fifth of a second instead of five seconds (the batch processor's default).
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** Waits (bounded) until `done` holds for the spans received so far. */
async function spansUntil(done: (spans: ReceivedSpan[]) => boolean, timeoutMs = 20_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  while (!done(receiver.spans) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return receiver.spans;
}

describe('one trace across the gateway and all six subgraphs', () => {
  beforeAll(async () => {
    const granted = await graphql(stack.gatewayUrl, grantConsent.query, grantConsent.variables, await headersFor('ENTERPRISE'));
    expect(granted.errors).toBeUndefined();

    // The bank's own span: the check continues the bank's trace (sampled flag 01).
    const bank = { ...(await headersFor('BANK', 'LOAN_APPROVAL')), traceparent: `00-${traceId}-${callerSpanId}-01` };
    const { errors, data } = await graphql(stack.gatewayUrl, bankCheck.query, { uscc: model.uscc }, bank);
    expect(errors).toBeUndefined();
    expect(data.enterprise.trade.customsCredit.category).toBe('ADVANCED_CERTIFIED');

    const inTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    const services = (spans: ReceivedSpan[]) => new Set(inTrace(spans).filter((s) => s.kind === SPAN_KIND.SERVER).map((s) => s.service));
    // Spans are exported in batches, a child often before its parent: wait until every span's
    // parent has arrived too (the caller's own span aside), not only one server span per service.
    const complete = (spans: ReceivedSpan[]) => {
      const ids = new Set(inTrace(spans).map((span) => span.spanId));
      return inTrace(spans).every((span) => !span.parentSpanId || span.parentSpanId === callerSpanId || ids.has(span.parentSpanId));
    };
    const all = await spansUntil(
      (spans) => services(spans).size === SUBGRAPHS.length + 1 && inTrace(spans).some((s) => s.service === 'credit-graph-gateway' && s.kind === SPAN_KIND.CLIENT) && complete(spans),
    );
    trace = inTrace(all);
    byId = new Map(trace.map((span) => [span.spanId, span]));
  }, 120_000);

  it("continues the caller's traceparent through the gateway into every subgraph", () => {

    // The gateway's server span is the child of the caller's span.
    const gatewayServer = trace.filter((span) => span.service === 'credit-graph-gateway' && span.kind === SPAN_KIND.SERVER);
    expect(gatewayServer).toHaveLength(1);
    expect(gatewayServer[0]!.parentSpanId).toBe(callerSpanId);
    expect(gatewayServer[0]!.attributes['http.route'] ?? gatewayServer[0]!.attributes['url.path'] ?? gatewayServer[0]!.attributes['http.target']).toMatch(/\/graphql/);

    // Every span of the trace hangs, parent by parent, from the gateway's server span.
    const root = (span: ReceivedSpan): ReceivedSpan => {
      let current = span;
      for (let hops = 0; current.parentSpanId && byId.has(current.parentSpanId) && hops < 100; hops += 1) current = byId.get(current.parentSpanId)!;
      return current;
    };
    for (const span of trace) expect(root(span), `${span.service} ${span.name}`).toBe(gatewayServer[0]);

    for (const name of SUBGRAPHS) {
      const service = `credit-graph-${name}`;
      const servers = trace.filter((span) => span.service === service && span.kind === SPAN_KIND.SERVER);
      expect(servers.length, `${service} server spans`).toBeGreaterThan(0);
      for (const server of servers) {
        // Its parent is the gateway's client span of the call to this subgraph.
        const call = byId.get(server.parentSpanId!);
        expect(call?.service, `${service}: parent of its server span`).toBe('credit-graph-gateway');
        expect(call?.kind).toBe(SPAN_KIND.CLIENT);
        expect(String(call?.attributes['url.full'])).toBe(stack.subgraphUrls[name]);
      }
    }
    // The resource says which service, which process, which SDK (OpenTelemetry semantic conventions).
    for (const service of ['gateway', ...SUBGRAPHS]) {
      expect(receiver.resources.get(`credit-graph-${service}`)).toMatchObject({ 'telemetry.sdk.language': 'nodejs', 'process.runtime.name': 'nodejs' });
    }
  });

  // The pg instrumentation sees Prisma's pg driver adapter; embedded PGlite has no driver to see.
  it.runIf(process.env.TEST_DATABASE_URL)("puts each subgraph's SQL statements under its server span (PostgreSQL)", () => {
    for (const name of SUBGRAPHS) {
      const service = `credit-graph-${name}`;
      const servers = trace.filter((span) => span.service === service && span.kind === SPAN_KIND.SERVER);
      const sql = trace.filter((span) => span.service === service && span.attributes['db.system.name'] === 'postgresql' && span.kind === SPAN_KIND.CLIENT);
      expect(sql.length, `${service} SQL spans`).toBeGreaterThan(0);
      for (const statement of sql) {
        expect(servers, `${service}: ${statement.name} under its server span`).toContain(ancestorServer(statement, byId));
        // A pool's connect span carries no statement; a query's text holds placeholders, no values.
        if (statement.name.endsWith('connect')) continue;
        const text = statement.attributes['db.query.text'];
        expect(typeof text, `${service}: ${statement.name} text`).toBe('string');
        expect(text).not.toContain(model.uscc);
      }
    }
  });
});

/** The nearest server span above `span` (its own service's). */
function ancestorServer(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): ReceivedSpan | undefined {
  let current = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
  while (current && current.kind !== SPAN_KIND.SERVER) current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined;
  return current;
}
