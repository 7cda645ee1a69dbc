// The gateway is a product, not a fixture of this one graph: it serves any supergraph file
// given by path, takes subgraph URLs from the environment, stays ready when a subgraph does not
// answer (its /status names it) while the others keep answering.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isGatewayHosted, readManifest } from '@credit-graph/contract';
import { composeSupergraph } from '@credit-graph/contract/compose';
import { ConfigError, loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises } = inject('stack');
const model = seedUniverse(enterprises)[0]!;
const folder = mkdtempSync(path.join(tmpdir(), 'supergraph-'));
const started: GatewayApp[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await Promise.all(databases.map((database) => database.drop()));
});

/** The registry's evaluation requires every sector's signals (@requires): they come with it. */
const SECTORS_REQUIRED_BY_REGISTRY = readManifest()
  .filter((entry) => !isGatewayHosted(entry) && entry.name !== 'registry')
  .map((entry) => entry.name);

/** A supergraph of `names` (and what they require), without the gateway-hosted trust subgraph. */
function writeSupergraph(names: string[]): string {
  const composed = names.includes('registry') ? [...new Set([...names, ...SECTORS_REQUIRED_BY_REGISTRY])] : names;
  const file = path.join(folder, `${names.join('-')}.graphql`);
  writeFileSync(file, composeSupergraph(readManifest().filter((entry) => composed.includes(entry.name))));
  return file;
}

/** The test stack's subgraphs, as URL overrides; a test overrides one to break it. */
const STACK_URLS = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/graphql`;
}

async function gatewayFor(supergraphPath: string, env: Record<string, string>) {
  const database = await createTestDatabase('gateway-product');
  databases.push(database);
  const config = loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: TEST_JWT_SECRET, ...STACK_URLS, ...env });
  const app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath, database: database.target }, { examples: [] });
  started.push(app);
  return app;
}

describe('gateway as a product', () => {
  it('serves another supergraph file given by path, with the subgraph URL from the environment', async () => {
    const app = await gatewayFor(writeSupergraph(['registry']), { SUBGRAPH_REGISTRY_URL: subgraphUrls.registry! });
    const result = await graphql(app.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name } }', { u: model.uscc });
    expect(result.data).toEqual({ enterprise: { name: model.name } });
    // This supergraph has no trust subgraph, so its fields do not exist here.
    const missing = await graphql(app.url, '{ myConsents { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses to start when a URL override names no subgraph of the supergraph', async () => {
    await expect(gatewayFor(writeSupergraph(['registry']), { SUBGRAPH_LEDGER_URL: 'http://127.0.0.1:9/graphql' })).rejects.toThrow(ConfigError);
    await expect(gatewayFor(path.join(folder, 'missing.graphql'), {})).rejects.toThrow(/Cannot read the supergraph/);
  });

  it('stays ready with a subgraph down, names it on /status, and still answers the rest (partial result)', async () => {
    const app = await gatewayFor(writeSupergraph(['registry', 'finance']), {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      SUBGRAPH_FINANCE_URL: await closedPortUrl(),
    });
    const base = app.url.replace(/\/graphql$/, '');
    // One sector down must not take every gateway replica out of service.
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', supergraphLoaded: true, database: 'ok' });
    const status = await fetch(`${base}/status`);
    expect(status.status).toBe(200);
    const body = (await status.json()) as { failing: string[]; subgraphs: Record<string, { state: string; circuit: string }> };
    expect(body.failing).toEqual(['finance']);
    expect(body.subgraphs.registry).toEqual({ state: 'ok', circuit: 'closed' });
    expect(body.subgraphs.finance).toEqual({ state: 'ECONNREFUSED', circuit: 'closed' });
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|http:/);

    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const result = await graphql(app.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }', { u: model.uscc }, regulator);
    expect(result.data).toEqual({ enterprise: { name: model.name, finance: null } });
    expect(result.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(result.errors?.[0]?.extensions?.serviceName).toBe('finance');
    expect(result.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|http:/);
  });

  it('is ready when the supergraph is loaded and its database answers; /health asks nothing; /status shows every subgraph ok', async () => {
    const app = await gatewayFor(writeSupergraph(['registry']), { SUBGRAPH_REGISTRY_URL: subgraphUrls.registry! });
    const base = app.url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', supergraphLoaded: true, database: 'ok' });
    const status = (await (await fetch(`${base}/status`)).json()) as { status: string; failing: string[]; subgraphs: Record<string, { state: string }> };
    expect(status.status).toBe('running');
    expect(status.failing).toEqual([]);
    expect(Object.keys(status.subgraphs).sort()).toEqual(['registry', ...SECTORS_REQUIRED_BY_REGISTRY].sort());
    expect(Object.values(status.subgraphs).every((s) => s.state === 'ok')).toBe(true);
  });

  it('signs every subgraph call, /status probes too: with another secret than the subgraphs it gets UNAUTHENTICATED', async () => {
    const app = await gatewayFor(writeSupergraph(['registry']), {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      CALLER_SIGNING_SECRET: 'another-secret-of-at-least-32-characters!',
    });
    const result = await graphql(app.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name } }', { u: model.uscc });
    expect(result.data).toEqual({ enterprise: null });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', serviceName: 'registry' });
    const status = await fetch(app.url.replace(/\/graphql$/, '/status'));
    expect(await status.json()).toMatchObject({
      failing: expect.arrayContaining(['registry', 'finance']),
      subgraphs: { registry: { state: 'HTTP 401' }, finance: { state: 'HTTP 401' } },
    });
  });

  it('signs with the first of CALLER_SIGNING_KEYS: subgraphs holding that key answer', async () => {
    const app = await gatewayFor(writeSupergraph(['registry']), {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      CALLER_SIGNING_SECRET: '',
      CALLER_SIGNING_KEYS: `default:${TEST_CALLER_SECRET},next:another-secret-of-at-least-32-characters!`,
    });
    const result = await graphql(app.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name } }', { u: model.uscc });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: { name: model.name } });
  });

  it('refuses to start without a signing secret, or with one shorter than 32 characters', () => {
    expect(() => loadConfig({})).toThrow(/CALLER_SIGNING_SECRET is not set/);
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: 'x'.repeat(31) })).toThrow(/31 characters; at least 32/);
  });

  it('refuses the whole operation in reject mode, instead of nulling the field', async () => {
    const app = await gatewayFor(writeSupergraph(['registry', 'finance']), {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      SUBGRAPH_FINANCE_URL: subgraphUrls.finance!,
      AUTHORIZATION_MODE: 'reject',
    });
    const query = 'query ($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }';
    const refused = await graphql(app.url, query, { u: model.uscc });
    expect(refused.status).toBe(401);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', fieldPath: 'enterprise.finance' });
    const allowed = await graphql(app.url, query, { u: model.uscc }, await headersFor('REGULATOR', 'SUPERVISION'));
    expect(allowed.errors).toBeUndefined();
  });

  it('in production, answers introspection only to developers and regulators', async () => {
    const app = await gatewayFor(writeSupergraph(['registry']), { SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!, NODE_ENV: 'production', AUDIT_HMAC_KEYS: `k1:${'ab'.repeat(32)}` });
    const introspection = '{ __schema { queryType { name } } }';
    const anonymous = await graphql(app.url, introspection);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(app.url, introspection, {}, await headersFor('BANK'))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(app.url, introspection, {}, await headersFor('DEVELOPER'))).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    // Data queries are unaffected.
    expect((await graphql(app.url, '{ districts { code } }')).errors).toBeUndefined();
  });

  it('with TRUST_LAYER=off (benchmarks only), answers anyone as the fixed internal caller; refused in production', async () => {
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, TRUST_LAYER: 'off', NODE_ENV: 'production', AUDIT_HMAC_KEYS: `k1:${'ab'.repeat(32)}` })).toThrow(/refused when NODE_ENV=production/);
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, TRUST_LAYER: 'maybe' })).toThrow(ConfigError);
    const app = await gatewayFor(writeSupergraph(['registry', 'finance']), {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      SUBGRAPH_FINANCE_URL: subgraphUrls.finance!,
      TRUST_LAYER: 'off',
    });
    // No token, no purpose: the subgraphs see a regulator reading for supervision.
    const result = await graphql(app.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }', { u: model.uscc });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: { name: model.name, finance: { currentTaxCreditLevel: 'A' } } });
  });

  // CI sets REDIS_URL; without it this case shows as skipped, never as passed.
  it.runIf(process.env.REDIS_URL)('shares one rate limit between two gateways on one Redis', async () => {
    const env = {
      SUBGRAPH_REGISTRY_URL: subgraphUrls.registry!,
      REDIS_URL: process.env.REDIS_URL!,
      RATE_LIMIT_CAPACITY: '6',
      RATE_LIMIT_PER_SECOND: '1',
    };
    const supergraphPath = writeSupergraph(['registry']);
    const [first, second] = await Promise.all([gatewayFor(supergraphPath, env), gatewayFor(supergraphPath, env)]);
    // A caller of its own, so that no other test's traffic shares the bucket.
    const caller = await headersFor('DEVELOPER', undefined, { sub: `rate-limit-${Date.now()}` });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const app = i % 2 === 0 ? first : second;
      statuses.push((await graphql(app.url, '{ districts { code } }', {}, caller)).status);
    }
    // Six tokens in the shared bucket (one more may refill during the run), then 429s on both gateways.
    const allowed = statuses.filter((status) => status === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(6);
    expect(allowed).toBeLessThanOrEqual(7);
    expect(statuses.filter((status) => status === 429).length).toBe(10 - allowed);
    const refused = await graphql(second.url, '{ districts { code } }', {}, caller);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
  });
});

