// The gateway's own database partitioned away (issue 9 §5): requests fail or pass within a
// bounded time, never hang. The gateway's PostgreSQL is reached through a proxy the test
// freezes (connections stay open, nothing answers): without the pool's timeouts every request
// would wait on TCP for hours. Today each fails closed once its bounded wait gives up (the
// safelist cannot be read: INTERNAL_SERVER_ERROR; the audit record cannot be written:
// AUDIT_UNAVAILABLE), with a catalogued code, a request id and no internals.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, startTcpProxy, TEST_CALLER_SECRET, type TcpProxy, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises } = inject('stack');
const enterprise = seedUniverse(enterprises)[0]!;

// Needs a PostgreSQL server to partition (CI sets TEST_DATABASE_URL); PGlite runs in the process.
describe.runIf(process.env.TEST_DATABASE_URL)("the gateway with its database partitioned away", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let app: GatewayApp;

  beforeAll(async () => {
    database = await createTestDatabase('gateway-partitioned');
    const url = new URL((database.target as { url: string }).url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    const config = loadConfig({
      CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, subgraphUrl]) => [subgraphUrlVariable(name), subgraphUrl])),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
      DATABASE_STATEMENT_TIMEOUT_MS: '1000',
    });
    app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: { kind: 'postgres', url: url.toString() } }, { examples: [] });
  });

  afterAll(async () => {
    await proxy?.close();
    await app?.stop().catch(() => undefined);
    await database?.drop();
  });

  it('answers every request within its bounds, failing closed with a catalogued code', { timeout: 30_000 }, async () => {
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const audited = 'query ($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }';
    expect((await graphql(app.url, audited, { u: enterprise.uscc }, regulator)).status).toBe(200);

    proxy.freeze();
    const [publicRead, auditedRead, ownRecords] = await Promise.all([
      graphql(app.url, '{ districts { code } }'),
      graphql(app.url, audited, { u: enterprise.uscc }, regulator),
      graphql(app.url, '{ myQueryRecords { edges { cursor } } }', {}, await headersFor('ENTERPRISE')),
    ]);
    for (const answer of [publicRead, auditedRead, ownRecords]) {
      const code = answer.errors?.[0]?.extensions?.code;
      expect(['AUDIT_UNAVAILABLE', 'INTERNAL_SERVER_ERROR']).toContain(code);
      expect(answer.status).toBe(code === 'AUDIT_UNAVAILABLE' ? 503 : 500);
      expect(answer.data ?? undefined).toBeUndefined();
      expect(answer.errors?.[0]?.extensions?.requestId).toBeTruthy();
      expect(JSON.stringify(answer)).not.toMatch(/prisma|invocation|timeout exceeded|\.ts:\d+/i);
    }
  });
});
