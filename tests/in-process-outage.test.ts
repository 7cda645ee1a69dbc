// A sector's outage in the embedded shape (SUBGRAPH_TRANSPORT=in-process): a subgraph hosted in
// the gateway's process cannot stop answering on its own; what fails is its database. The
// gateway then answers as for a stopped service (sector-outage.test.ts): the registry's fields
// answer, the sector's are null with the transient SUBGRAPH_UNAVAILABLE naming it, HTTP 200.
// Finance runs here in-process on a database of its own; the other subgraphs are the stack's.
import { STATUS_MIN_INTERVAL_MS } from '../gateway/src/ops/readiness.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { SHOWCASE, seedUniverse, startInProcessSubgraph, type LocalSubgraph } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { SUBGRAPH_DEFINITIONS } from '../scripts/subgraphs.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises } = inject('stack');
const model = seedUniverse(enterprises)[SHOWCASE.MODEL_GROUP]!;
const QUERY = 'query ($u: USCC!) { enterprise(uscc: $u) { name financeSignals { grade } } }';

describe('an in-process sector whose database is down', () => {
  let financeDatabase: TestDatabase;
  let gatewayDatabase: TestDatabase;
  let finance: LocalSubgraph<unknown>;
  let app: GatewayApp;

  beforeAll(async () => {
    financeDatabase = await createTestDatabase('finance-in-process');
    finance = await startInProcessSubgraph(SUBGRAPH_DEFINITIONS.finance as never, {
      database: financeDatabase.target,
      seedEnterprises: enterprises,
      callerSecret: TEST_CALLER_SECRET,
    });
    gatewayDatabase = await createTestDatabase('gateway-in-process-outage');
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])),
      CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      // Each failed read is tried three times (SUBGRAPH_RETRIES=2): the circuit opens on the fourth request.
      SUBGRAPH_CIRCUIT_THRESHOLD: '10',
    });
    app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: gatewayDatabase.target }, { examples: [], inProcessSubgraphs: [finance] });
  });

  afterAll(async () => {
    await app?.stop();
    await finance?.stop().catch(() => undefined); // its database was closed by the test
    await gatewayDatabase?.drop();
    await financeDatabase?.drop();
  });

  it('answers from the in-process subgraph while its database is up', async () => {
    const result = await graphql(app.url, QUERY, { u: model.uscc });
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise).toEqual({ name: model.name, financeSignals: { grade: expect.any(String) } });
    const status = await (await fetch(app.url.replace(/\/graphql$/, '/status'))).json();
    expect(status.subgraphs.finance).toEqual({ state: 'ok', circuit: 'closed' });
  });

  it("keeps the registry's fields and answers the sector's as SUBGRAPH_UNAVAILABLE once its database is down", async () => {
    await finance.database.close();
    const result = await graphql(app.url, QUERY, { u: model.uscc });
    expect(result.status).toBe(200);
    expect(result.data.enterprise).toEqual({ name: model.name, financeSignals: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.path).toEqual(['enterprise']);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'finance', reason: 'unreachable' });
    expect(result.errors![0]!.message).not.toMatch(/PGlite|pool|prisma/i);
    // /status reuses a round of probes for STATUS_MIN_INTERVAL_MS: read it after the last round expired.
    await new Promise((resolve) => setTimeout(resolve, STATUS_MIN_INTERVAL_MS + 50));
    const status = await (await fetch(app.url.replace(/\/graphql$/, '/status'))).json();
    expect(status.subgraphs.finance.state).toMatch(/^database unreachable/);
    expect(status.failing).toEqual(['finance']);
  });

  it('opens the circuit after repeated failures, as for a stopped service', async () => {
    for (let i = 0; i < 3; i++) await graphql(app.url, QUERY, { u: model.uscc });
    expect((await (await fetch(app.url.replace(/\/graphql$/, '/status'))).json()).subgraphs.finance.circuit).toBe('open');
    const result = await graphql(app.url, QUERY, { u: model.uscc });
    expect(result.data.enterprise).toEqual({ name: model.name, financeSignals: null });
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'finance', reason: 'circuit open' });
  });
});
