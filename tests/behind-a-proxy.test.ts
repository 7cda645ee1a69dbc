// Behind a proxy (issue 11 §7), through the real gateway over HTTP: the client address that the
// audit record keeps and that the rate limit buckets anonymous callers by is the peer's, unless
// the peer is in TRUSTED_PROXIES; then X-Forwarded-For is walked from the right to the first
// untrusted hop. A spoofed header from an untrusted peer changes nothing.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, enterprises } = inject('stack');
const model = seedUniverse(enterprises)[0]!;
const STACK_URLS = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));
const started: GatewayApp[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await Promise.all(databases.map((database) => database.drop()));
});

/** A gateway on the test stack with a small bucket (3, refilled 1 a second) and `env`. */
async function gatewayWith(env: Record<string, string>): Promise<GatewayApp> {
  const database = await createTestDatabase('behind-a-proxy');
  databases.push(database);
  const config = loadConfig({
    CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_CAPACITY: '3',
    RATE_LIMIT_PER_SECOND: '1',
    ...STACK_URLS,
    ...env,
  });
  const app = await startGateway({ ...config, port: 0, host: '127.0.0.1', metrics: TEST_METRICS, database: database.target }, { examples: [] });
  started.push(app);
  return app;
}

let sequence = 0;

/** A regulator's audited read sent with `forwardedFor`; returns the client address its audit record keeps. */
async function auditedAddress(app: GatewayApp, forwardedFor?: string): Promise<string | null> {
  const sub = `behind-a-proxy-${process.pid}-${++sequence}`;
  const headers = await headersFor('REGULATOR', 'SUPERVISION', { sub });
  const read = await graphql(app.url, 'query ProxiedRead($u: USCC!) { enterprise(uscc: $u) { name finance { currentTaxCreditLevel } } }', { u: model.uscc }, {
    ...headers,
    ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
  });
  expect(read.errors).toBeUndefined();
  const records = await graphql(app.url, 'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 5) { edges { node { operationName clientAddress } } } }', { s: sub }, headers);
  expect(records.errors).toBeUndefined();
  const node = records.data.auditRecords.edges.map((edge: { node: { operationName: string; clientAddress: string | null } }) => edge.node).find((n: { operationName: string }) => n.operationName === 'ProxiedRead');
  expect(node, 'audit record of the read').toBeDefined();
  return node.clientAddress;
}

/** `count` anonymous requests at once, each with its X-Forwarded-For; the number refused RATE_LIMITED. */
async function refusedOf(app: GatewayApp, forwardedFor: (i: number) => string, count = 10): Promise<number> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor(i) },
        body: JSON.stringify({ query: '{ __typename }' }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] } })),
    ),
  );
  for (const answer of answers) if (answer.status !== 200) expect(answer.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  return answers.filter((answer) => answer.status === 429).length;
}

/** Sends raw headers (fetch would refuse some) and resolves with the status code. */
function rawStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('behind trusted proxies (TRUSTED_PROXIES=loopback: this test is the ingress)', () => {
  let app: GatewayApp;
  beforeAll(async () => {
    app = await gatewayWith({ TRUSTED_PROXIES: 'loopback,10.0.0.0/8,fd00::/8' });
  });

  it('audits the address the trusted proxy appended', async () => {
    expect(await auditedAddress(app, '198.51.100.7')).toBe('198.51.100.7');
  });

  it('walks a chain of proxies from the right, ignoring what the client wrote before the first untrusted hop', async () => {
    expect(await auditedAddress(app, '6.6.6.6, 198.51.100.8, 10.3.3.3, fd00::9')).toBe('198.51.100.8');
  });

  it('keeps IPv6 client addresses', async () => {
    expect(await auditedAddress(app, '2001:db8::7')).toBe('2001:db8::7');
  });

  it('never records garbage: the trusted hop that passed it on is the address', async () => {
    expect(await auditedAddress(app, "'; DROP TABLE audit; --")).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(await auditedAddress(app)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('rate-limits each real client on its own: one client past its bucket does not limit another', async () => {
    expect(await refusedOf(app, () => '198.51.100.20')).toBeGreaterThanOrEqual(4);
    expect(await refusedOf(app, () => '198.51.100.21', 3)).toBe(0);
  });

  it('refuses a header section larger than Node allows (431), and keeps serving', async () => {
    const huge = Array.from({ length: 3000 }, (_, i) => `10.0.${(i >> 8) & 255}.${i & 255}`).join(', ');
    expect(await rawStatus(app.url, { 'x-forwarded-for': huge })).toBe(431);
    expect(await refusedOf(app, () => '198.51.100.22', 1)).toBe(0);
  });
});

describe('trusting no proxy (the default)', () => {
  let app: GatewayApp;
  beforeAll(async () => {
    app = await gatewayWith({});
  });

  it('ignores a spoofed X-Forwarded-For in the audit record', async () => {
    expect(await auditedAddress(app, '198.51.100.9')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('rate-limits by the peer however the header varies: spoofing does not buy fresh buckets', async () => {
    expect(await refusedOf(app, (i) => `198.51.100.${100 + i}`)).toBeGreaterThanOrEqual(4);
  });
});
