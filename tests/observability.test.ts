// Logs and metrics as an operator sees them. Metrics: each service's /metrics, scraped over HTTP
// from its own metrics port and parsed as Prometheus would, moves as a bank's credit check goes
// through the gateway and all six subgraphs; refusals are counted by kind. Logs: one access line
// per request at the gateway and at the subgraph it called, under one request id, and no
// credential or personal data in any line, whatever the request carried.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_OPERATION_LABELS, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse, SHOWCASE, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { captureLogs, createTestDatabase, graphql, startTestSubgraph, TEST_CALLER_SECRET, TEST_METRICS, type TestDatabase } from '@credit-graph/subgraph-kit/testing';
import { issueApiKey } from '../gateway/src/trust/api-keys.ts';
import { SUBGRAPH_DEFINITIONS } from '../scripts/subgraphs.ts';
import { DEMO_BANK, headersFor, tokenFor } from './support/callers.ts';
import { observations, scrape, seriesLabels, value, type MetricFamily } from './support/prometheus.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { gatewayUrl, subgraphUrls, metricsUrls, enterprises } = inject('stack');
const SUBGRAPHS = Object.keys(subgraphUrls);
const model = seedUniverse(enterprises)[SHOWCASE.MODEL_GROUP]!;
const examples = JSON.parse(readFileSync(new URL('../gateway/src/playground/examples.json', import.meta.url), 'utf8')) as {
  query: string;
  variables?: Record<string, unknown>;
}[];
const bankCheck = examples[0]!;
const grantConsent = examples.find((example) => example.query.includes('grantConsent'))!;

const started: { stop(): Promise<void> }[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const service of started.reverse()) await service.stop();
  await Promise.all(databases.map((database) => database.drop()));
});

/** A gateway of this file, on the stack's subgraphs except those in `urls`, with its own log. */
async function ownGateway(env: Record<string, string>, urls: Record<string, string> = {}) {
  const database = await createTestDatabase('observability');
  databases.push(database);
  const overrides = Object.fromEntries(Object.entries({ ...subgraphUrls, ...urls }).map(([name, url]) => [subgraphUrlVariable(name), url]));
  const logs = captureLogs('gateway');
  const config = loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: TEST_JWT_SECRET, ...overrides, ...env });
  const app: GatewayApp = await startGateway(
    { ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: database.target },
    { examples: [], logger: logs.logger },
  );
  started.push(app);
  return { app, logs };
}

async function scrapeAll(): Promise<Record<string, Map<string, MetricFamily>>> {
  const entries = await Promise.all(Object.entries(metricsUrls).map(async ([service, url]) => [service, await scrape(url)] as const));
  return Object.fromEntries(entries);
}

/** The access line of request `requestId` in `records`, once written (after the response went out). */
async function accessLine(records: () => Record<string, unknown>[], requestId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = records().find((record) => record.msg === 'request' && record.requestId === requestId);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no access line for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('metrics, scraped from every service after a credit check', () => {
  beforeAll(async () => {
    const granted = await graphql(gatewayUrl, grantConsent.query, grantConsent.variables, await headersFor('ENTERPRISE'));
    expect(granted.errors).toBeUndefined();
  });

  it('serves them on a port of their own, not on the GraphQL port', async () => {
    expect(new URL(metricsUrls.gateway!).port).not.toBe(new URL(gatewayUrl).port);
    expect((await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
    for (const name of SUBGRAPHS) expect((await fetch(subgraphUrls[name]!.replace(/\/graphql$/, '/metrics'))).status, name).toBe(404);
  });

  it("count a bank's credit check at the gateway, its call to each subgraph, the audit write, and each subgraph's request", async () => {
    const before = await scrapeAll();
    const check = await graphql(gatewayUrl, bankCheck.query, { uscc: model.uscc }, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(check.errors).toBeUndefined();
    const after = await scrapeAll();
    const delta = (service: string, name: string, labels: Record<string, string> = {}) => {
      const [a, b] = [observations(after[service]!, name, labels), observations(before[service]!, name, labels)];
      return { count: a.count - b.count, sum: a.sum - b.sum };
    };

    const request = delta('gateway', 'credit_graph_request_duration_seconds', { operation: 'BankCreditCheck', outcome: 'ok' });
    expect(request.count).toBe(1);
    expect(request.sum).toBeGreaterThan(0);
    expect(request.sum).toBeLessThan(60);
    for (const name of SUBGRAPHS) {
      expect(delta('gateway', 'credit_graph_subgraph_call_duration_seconds', { subgraph: name, outcome: 'ok' }).count, name).toBeGreaterThanOrEqual(1);
      expect(value(after.gateway!, 'credit_graph_subgraph_circuit_state', { subgraph: name, state: 'closed' }), name).toBe(1);
      expect(value(after.gateway!, 'credit_graph_subgraph_circuit_state', { subgraph: name, state: 'open' }), name).toBe(0);
      // Each subgraph counted the gateway's calls (named after the operation by the query planner) and their SQL.
      expect(delta(name, 'credit_graph_request_duration_seconds', { outcome: 'ok' }).count, name).toBeGreaterThanOrEqual(1);
      expect(value(after[name]!, 'credit_graph_sql_statements_total') - value(before[name]!, 'credit_graph_sql_statements_total'), name).toBeGreaterThan(0);
      // Labelled with the planner's operation name, unless the shared stack has already labelled
      // MAX_OPERATION_LABELS other names (files run in any order): then the call counts as `other`.
      const operations = new Set(seriesLabels(after[name]!, 'credit_graph_request_duration_seconds').map((labels) => labels.operation));
      const named = [...operations].filter((operation) => operation && !['other', 'anonymous', 'none'].includes(operation));
      if (named.some((operation) => operation!.startsWith('BankCreditCheck'))) continue;
      expect(named.length, name).toBeGreaterThanOrEqual(MAX_OPERATION_LABELS);
      expect(delta(name, 'credit_graph_request_duration_seconds', { operation: 'other' }).count, name).toBeGreaterThanOrEqual(1);
    }
    // The read is audited before the answer leaves: one more record, in a committed batch.
    expect(delta('gateway', 'credit_graph_audit_batch_records').sum).toBeGreaterThanOrEqual(1);
    expect(delta('gateway', 'credit_graph_audit_write_duration_seconds', { outcome: 'ok' }).count).toBeGreaterThanOrEqual(1);
    // prom-client's default process metrics, per service.
    for (const service of ['gateway', ...SUBGRAPHS]) {
      expect(value(after[service]!, 'process_resident_memory_bytes'), service).toBeGreaterThan(0);
      expect(after[service]!.has('nodejs_eventloop_lag_seconds'), service).toBe(true);
    }
    // The gateway's database pool, on PostgreSQL (embedded PGlite has none).
    if (process.env.TEST_DATABASE_URL) {
      expect(value(after.gateway!, 'credit_graph_db_pool_max_connections')).toBe(10);
      expect(value(after.gateway!, 'credit_graph_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(value(after.registry!, 'credit_graph_db_pool_connections')).toBeGreaterThanOrEqual(1);
    } else {
      expect(after.gateway!.has('credit_graph_db_pool_connections')).toBe(false);
    }
  });

  it('counts rate-limit refusals and limit refusals by the measure exceeded', async () => {
    const { app } = await ownGateway({ RATE_LIMIT_CAPACITY: '2', RATE_LIMIT_PER_SECOND: '1' });
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    // Eight at once against a burst of two: most are refused, however slow the machine.
    const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await graphql(app.url, 'query Districts { districts { code } }', {}, regulator)).status));
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(refused + statuses.filter((status) => status === 200).length).toBe(8);

    const wide = `query Wide { ${Array.from({ length: 11 }, (_, i) => `d${i}: districts { code }`).join(' ')} }`;
    const tooWide = await graphql(app.url, wide, {}, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(tooWide.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const measure = tooWide.errors![0]!.extensions!.measure as string;

    const metrics = await scrape(app.metricsUrl!);
    expect(value(metrics, 'credit_graph_rate_limit_refusals_total')).toBe(refused);
    expect(value(metrics, 'credit_graph_limit_refusals_total', { measure })).toBe(1);
    expect(value(metrics, 'credit_graph_limit_refusals_total', { measure: measure === 'depth' ? 'cost' : 'depth' })).toBe(0);
    expect(observations(metrics, 'credit_graph_request_duration_seconds', { operation: 'Districts', outcome: 'RATE_LIMITED' }).count).toBe(refused);
    expect(observations(metrics, 'credit_graph_request_duration_seconds', { operation: 'Wide', outcome: 'QUERY_TOO_COMPLEX' }).count).toBe(1);
  });
});

describe('admission over HTTP', () => {
  it('answers OVERLOADED (503, Retry-After) past ADMISSION_MAX_QUEUE, counts it, and holds nothing afterwards', async () => {
    // A budget of 1: one operation in flight at a time; no queue: every other one is refused at once.
    const { app } = await ownGateway({ ADMISSION_MAX_COST_IN_FLIGHT: '1', ADMISSION_MAX_QUEUE: '0', ADMISSION_MAX_WAIT_MS: '3000' });
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const send = async () => {
      const response = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...regulator }, body: JSON.stringify({ query: 'query Districts { districts { code } }' }) });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
    };
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    const overloaded = answers.filter((answer) => answer.status === 503);
    // Eight sent at once through one gateway whose every answer takes a subgraph call: they overlap.
    expect(overloaded.length).toBeGreaterThanOrEqual(1);
    expect(overloaded.length + answers.filter((answer) => answer.status === 200).length).toBe(8);
    for (const answer of overloaded) {
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
      expect(answer.retryAfter).toBe('3');
      expect(answer.body.data ?? null).toBeNull();
    }
    const metrics = await scrape(app.metricsUrl!);
    expect(value(metrics, 'credit_graph_admission_refusals_total')).toBe(overloaded.length);
    expect(value(metrics, 'credit_graph_admission_max_cost_in_flight')).toBe(1);
    expect(value(metrics, 'credit_graph_admission_cost_in_flight')).toBe(0);
    expect(value(metrics, 'credit_graph_admission_operations_in_flight')).toBe(0);
    expect(value(metrics, 'credit_graph_admission_waiting')).toBe(0);
  });
});

describe('logs: one access line per request, nothing secret or personal in any line', () => {
  const PERSON = { name: '王小明', idNumber: '410105199001011234', phone: '13912345678', legalRepresentative: '李四娘' };
  const SEARCH = 'query PersonSearch($name: String) { searchEnterprises(filter: { nameContains: $name }) { edges { node { uscc } } } }';
  let gateway: Awaited<ReturnType<typeof ownGateway>>;
  let registry: RunningSubgraph<unknown>;
  const registryLogs = captureLogs('registry');

  beforeAll(async () => {
    // A registry of this file's own (no seed: the lines matter here, not the data), with its log kept.
    registry = await startTestSubgraph(SUBGRAPH_DEFINITIONS.registry as never, 0, { logger: registryLogs.logger });
    started.push(registry);
    gateway = await ownGateway({}, { registry: registry.url });
  });

  it('writes the access line at the gateway and the subgraph under one request id, with operation, role, institution, duration and outcome', async () => {
    const requestId = `obs-${randomUUID()}`;
    const answer = await graphql(gateway.app.url, SEARCH, { name: PERSON.name }, { ...(await headersFor('BANK', 'LOAN_APPROVAL')), 'x-request-id': requestId });
    expect(answer.errors).toBeUndefined();
    const line = await accessLine(gateway.logs.records, requestId);
    expect(line).toMatchObject({
      service: 'gateway',
      level: 'info',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'PersonSearch',
      role: 'BANK',
      institution: DEMO_BANK.uscc,
      outcome: 'ok',
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line).not.toHaveProperty('errors');
    const subgraphLine = await accessLine(registryLogs.records, requestId);
    expect(subgraphLine).toMatchObject({ service: 'registry', status: 200, role: 'BANK', institution: DEMO_BANK.uscc, outcome: 'ok' });
    expect(subgraphLine.operationName).toMatch(/^PersonSearch/);
  });

  it('names the error codes and status of a refused request, and no caller', async () => {
    const requestId = `obs-${randomUUID()}`;
    const refused = await graphql(gateway.app.url, SEARCH, { name: PERSON.name }, { authorization: 'Bearer not-a-token', 'x-request-id': requestId });
    expect(refused.status).toBe(401);
    const line = await accessLine(gateway.logs.records, requestId);
    expect(line).toMatchObject({ status: 401, outcome: 'error', errors: ['UNAUTHENTICATED'] });
    expect(line).not.toHaveProperty('role');
    const malformed = `obs-${randomUUID()}`;
    await fetch(gateway.app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': malformed }, body: '{"query": ' });
    expect(await accessLine(gateway.logs.records, malformed)).toMatchObject({ status: 400, outcome: 'error', errors: ['BAD_REQUEST'] });
  });

  it('keeps bearer tokens, API keys and personal data in variables out of every line of the gateway and the subgraph', async () => {
    const token = await tokenFor('BANK');
    const { key } = await issueApiKey(gateway.app.database.db, { role: 'BANK', subject: 'observability-test', institution: DEMO_BANK.uscc });
    const ids = [`obs-${randomUUID()}`, `obs-${randomUUID()}`, `obs-${randomUUID()}`];
    const sent: Record<string, string>[] = [
      { authorization: `Bearer ${token}`, 'x-credit-purpose': 'LOAN_APPROVAL' },
      { 'x-api-key': key, 'x-credit-purpose': 'LOAN_APPROVAL' },
      { authorization: `Bearer ${token}`, 'x-api-key': key, 'x-credit-purpose': 'LOAN_APPROVAL' },
    ];
    for (const [i, headers] of sent.entries()) {
      await graphql(gateway.app.url, SEARCH, { ...PERSON }, { ...headers, 'x-request-id': ids[i]! });
      await accessLine(gateway.logs.records, ids[i]!);
    }
    // The first two reached the registry (the third may be refused for carrying two credentials).
    await accessLine(registryLogs.records, ids[0]!);
    await accessLine(registryLogs.records, ids[1]!);
    const everything = [...gateway.logs.lines, ...registryLogs.lines].join('\n');
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of [token, ...token.split('.'), key, key.slice(-16), ...Object.values(PERSON), 'observability-test', 'credit-officer-001']) {
      expect(everything, `"${secret}" appears in the log`).not.toContain(secret);
    }
  });
});
