// The integrator's kit (issue 11 §9) against the live gateway: the API schema as a file, the
// codegen client of examples/ (fresh, and run with a real bank token), persisted-operation
// manifests imported with the CLI and run by hash alone, the consents granted to a bank, the
// audit record named in every audited answer, the RateLimit fields on every answer, and the
// deprecation policy on the composed API schema.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, print, type IntrospectionQuery } from 'graphql';
import { generate } from '@graphql-codegen/cli';
import { deprecationProblems, deprecations, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { AUTHORITIES, seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, isoDaysAgo, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { BANKS } from '@credit-graph/finance/seed';
import codegenConfig, { APOLLO_MANIFEST_FILE, CLIENT_FILE, EXAMPLES_DIR, HIVE_MANIFEST_FILE, SCHEMA_FILE } from '../examples/codegen.ts';
import { consentsGrantedToMe, createClient, creditCheck, portfolioCheck, readCreditChanges } from '../examples/src/bank.ts';
import { CreditGraphError } from '../examples/src/client.ts';
import { BankCreditCheckDocument, PortfolioCheckDocument } from '../examples/src/generated/graphql.ts';
import { headersFor, tokenFor } from './support/callers.ts';
import { cliArguments } from './support/processes.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { gatewayUrl, subgraphUrls, enterprises } = inject('stack');
const base = gatewayUrl.replace(/\/graphql$/, '');
const universe = seedUniverse(enterprises);
// A bank no other end-to-end file grants consents to, and enterprises from the middle of the
// seed that no other file changes.
const BANK = BANKS[7]!;
const [consenting, refusing, monitored] = universe.filter((e, i) => i >= 40 && i < 100 && e.sectors.finance && e.sectors.environment && e.risk === 'CLEAN') as [
  (typeof universe)[number],
  (typeof universe)[number],
  (typeof universe)[number],
];
const KEYS = `kit:${'cd'.repeat(32)}`;
const STACK_URLS = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));

const started: GatewayApp[] = [];
const databases: TestDatabase[] = [];
const folder = mkdtempSync(path.join(tmpdir(), 'integration-kit-'));
afterAll(async () => {
  await Promise.all(started.map((app) => app.stop()));
  await Promise.all(databases.map((database) => database.drop()));
  rmSync(folder, { recursive: true, force: true });
});

/** A gateway of its own on the stack's subgraphs, with `env` over the test settings. */
async function ownGateway(env: Record<string, string>, database?: TestDatabase['target']): Promise<GatewayApp> {
  let target = database;
  if (!target) {
    const created = await createTestDatabase('integration-kit');
    databases.push(created);
    target = created.target;
  }
  const config = loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: TEST_JWT_SECRET, AUDIT_HMAC_KEYS: KEYS, ...STACK_URLS, ...env });
  const app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: target }, { examples: [] });
  started.push(app);
  return app;
}

async function bankToken(sub = 'kit-credit-officer'): Promise<string> {
  return tokenFor('BANK', { sub, institution: BANK.uscc });
}

/** The enterprise grants BANK consent, in the database of the gateway at `url`. */
async function grant(uscc: string, purpose: string, url = gatewayUrl): Promise<string> {
  const result = await graphql(
    url,
    'mutation ($bank: USCC!, $purpose: Purpose!) { grantConsent(institution: $bank, purpose: $purpose, validForDays: 30) { id } }',
    { bank: BANK.uscc, purpose },
    await headersFor('ENTERPRISE', undefined, { uscc }),
  );
  expect(result.errors).toBeUndefined();
  return result.data.grantConsent.id;
}

/** The regulator's view of one audit record, found by id among the newest records about `uscc`. */
async function auditRecordById(id: string, filter: Record<string, unknown>) {
  const result = await graphql(
    gatewayUrl,
    'query ($filter: AuditFilter) { auditRecords(filter: $filter, first: 100) { edges { node { id seq institution purpose operationName subjects requestId } } } }',
    { filter },
    await headersFor('REGULATOR', 'SUPERVISION'),
  );
  expect(result.errors).toBeUndefined();
  return (result.data.auditRecords.edges as { node: Record<string, unknown> }[]).map((edge) => edge.node).find((node) => node.id === id);
}

describe('GET /schema.graphql', () => {
  let response: Response;
  let sdl: string;
  beforeAll(async () => {
    response = await fetch(`${base}/schema.graphql`);
    sdl = await response.text();
  });

  it('answers the API schema as text with a strong ETag, and nothing of the federation machinery', async () => {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('etag')).toMatch(/^"[\w-]{43}"$/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const schema = buildSchema(sdl);
    expect(schema.getQueryType()?.getFields()).toHaveProperty('consentsGrantedToMe');
    expect(sdl).not.toMatch(/join__|link__|_entities|_service|@inaccessible|@join|@link|requiresScopes__/);
    // Fields hidden with @inaccessible in the supergraph are not in the API schema.
    const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    const hidden = [...supergraph.matchAll(/^\s+(\w+)(?:\([^)]*\))?: [^\n]*@inaccessible/gm)].map((match) => match[1]!);
    expect(hidden.length).toBeGreaterThan(0);
    const visibleFields = new Set(Object.values(schema.getTypeMap()).flatMap((type) => ('getFields' in type ? Object.keys(type.getFields()) : [])));
    for (const field of hidden) expect(visibleFields.has(field), field).toBe(false);
  });

  it('is exactly what introspection shows a developer', async () => {
    const introspection = await graphql<IntrospectionQuery>(gatewayUrl, getIntrospectionQuery({ inputValueDeprecation: true }), {}, await headersFor('DEVELOPER'));
    expect(introspection.errors).toBeUndefined();
    expect(`${printSchema(lexicographicSortSchema(buildClientSchema(introspection.data!)))}\n`).toBe(sdl);
  });

  it('is the schema the examples are generated from (examples/schema.graphql)', () => {
    expect(readFileSync(path.join(EXAMPLES_DIR, SCHEMA_FILE), 'utf8')).toBe(sdl);
  });

  it('answers 304 to a client that has it, HEAD without a body, and refuses other methods', async () => {
    const etag = response.headers.get('etag')!;
    const again = await fetch(`${base}/schema.graphql`, { headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await fetch(`${base}/schema.graphql`, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
    const head = await fetch(`${base}/schema.graphql`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(sdl)));
    const post = await fetch(`${base}/schema.graphql`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(400);
    expect((await post.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('in production, follows introspection: developers and regulators only, 403 for others, 401 for a bad credential', async () => {
    const app = await ownGateway({ NODE_ENV: 'production' });
    const url = app.url.replace(/\/graphql$/, '/schema.graphql');
    const developer = await fetch(url, { headers: await headersFor('DEVELOPER') });
    expect(developer.status).toBe(200);
    expect(await developer.text()).toBe(sdl);
    expect(developer.headers.get('cache-control')).toBe('private, no-cache');
    expect(developer.headers.get('vary')).toMatch(/authorization/);
    expect((await fetch(url, { headers: await headersFor('REGULATOR') })).status).toBe(200);
    for (const headers of [{}, await headersFor('BANK')]) {
      const refused = await fetch(url, { headers });
      expect(refused.status).toBe(403);
      expect((await refused.json()).errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringContaining('schema:introspect') });
    }
    const forged = await fetch(url, { headers: { authorization: `Bearer ${(await tokenFor('DEVELOPER')).slice(0, -4)}AAAA` } });
    expect(forged.status).toBe(401);
    expect((await forged.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('the examples (graphql-codegen client)', () => {
  it('are what codegen generates from the committed schema and operations (regenerated and compared)', async () => {
    const files = (await generate(codegenConfig, false)) as { filename: string; content: string }[];
    const byName = new Map(files.map((file) => [path.relative(EXAMPLES_DIR, path.resolve(EXAMPLES_DIR, file.filename)), file.content]));
    expect([...byName.keys()].sort()).toEqual([APOLLO_MANIFEST_FILE, CLIENT_FILE, HIVE_MANIFEST_FILE].sort());
    for (const [name, content] of byName) expect(readFileSync(path.join(EXAMPLES_DIR, name), 'utf8'), `${name} is stale: run npm run codegen --workspace examples`).toBe(content);
  }, 120_000);

  it('manifests each operation exactly as the client sends it (print of the generated document)', () => {
    const manifest = JSON.parse(readFileSync(path.join(EXAMPLES_DIR, APOLLO_MANIFEST_FILE), 'utf8'));
    const bodies = new Map(manifest.operations.map((op: { name: string; body: string }) => [op.name, op.body]));
    expect(bodies.get('BankCreditCheck')).toBe(print(BankCreditCheckDocument));
    expect(bodies.get('PortfolioCheck')).toBe(print(PortfolioCheckDocument));
  });

  it("run a bank's credit check and portfolio check with a real bank token, typed, each answer naming its audit record", async () => {
    await grant(consenting.uscc, 'LOAN_APPROVAL');
    const client = createClient({ url: gatewayUrl, token: await bankToken(), purpose: 'LOAN_APPROVAL' });

    const check = await creditCheck(client, consenting.uscc);
    expect(check.errors).toEqual([]);
    const enterprise = check.data.enterprise!;
    expect(enterprise.uscc).toBe(consenting.uscc);
    expect(enterprise.name).toBe(consenting.name);
    expect(['A', 'B', 'M', 'C', 'D']).toContain(enterprise.finance?.currentTaxCreditLevel);
    expect(['A', 'B', 'C', 'D']).toContain(enterprise.evaluation?.grade);
    expect(check.requestId).toBeTruthy();
    expect(check.rateLimit).toEqual({ remaining: expect.any(Number), resetSeconds: expect.any(Number) });
    // The record the answer names is the stored one, and a regulator finds it.
    expect(check.auditRecord).toEqual({ id: expect.any(String), sequence: expect.stringMatching(/^\d+$/) });
    const record = await auditRecordById(check.auditRecord!.id, { enterpriseUscc: consenting.uscc });
    expect(record).toMatchObject({
      seq: check.auditRecord!.sequence,
      institution: BANK.uscc,
      purpose: 'LOAN_APPROVAL',
      operationName: 'BankCreditCheck',
      requestId: check.requestId,
    });
    expect(record!.subjects).toContain(consenting.uscc);

    const portfolio = await portfolioCheck(client, [consenting.uscc, refusing.uscc]);
    expect(portfolio.enterprises.map((e) => e?.uscc)).toEqual([consenting.uscc, refusing.uscc]);
    expect(portfolio.enterprises[0]!.finance).not.toBeNull();
    expect(portfolio.enterprises[1]!.finance).toBeNull();
    expect([...portfolio.refused]).toEqual([[refusing.uscc, 'CONSENT_REQUIRED']]);
    expect(portfolio.answer.auditRecord).toBeDefined();
    expect(Number(portfolio.answer.auditRecord!.sequence)).toBeGreaterThan(Number(check.auditRecord!.sequence));
  });

  it('follow the change feed with its cursor: new changes once, then nothing', async () => {
    await grant(monitored.uscc, 'LOAN_MONITORING');
    const client = createClient({ url: gatewayUrl, token: await bankToken(), purpose: 'LOAN_MONITORING' });
    const { cursor } = await readCreditChanges(client, null, 50);
    const violation = await graphql(
      gatewayUrl,
      'mutation ($input: EnvironmentalViolationInput!, $key: String!) { recordEnvironmentalViolation(input: $input, idempotencyKey: $key) { id } }',
      {
        input: {
          uscc: monitored.uscc,
          decisionNumber: `郑环罚〔2026〕K-${Date.now()}号`,
          occurredOn: isoDaysAgo(9),
          decidedOn: isoDaysAgo(3),
          kind: 'DUST_CONTROL',
          description: '扬尘防治不力 (integration kit)',
          penaltyAmount: 2,
          severity: 'MINOR',
          authority: '郑州市生态环境局',
          authorityUscc: AUTHORITIES.ECOLOGY_ENVIRONMENT.uscc,
        },
        key: `kit-feed-${Date.now()}`,
      },
      await headersFor('SECTOR_PLATFORM'),
    );
    expect(violation.errors).toBeUndefined();
    const next = await readCreditChanges(client, cursor, 50);
    const mine = next.changes.filter((change) => change.uscc === monitored.uscc);
    expect(mine.map((change) => change.kind)).toContain('NEGATIVE_RECORD');
    expect(mine[0]!.source).toBe('environment');
    expect(next.cursor).not.toBe(cursor);
    // Nothing again, and the same cursor holds.
    expect(await readCreditChanges(client, next.cursor, 50)).toEqual({ changes: [], cursor: next.cursor });
  });

  it('report a refused answer as a typed error with its code and request id', async () => {
    const client = createClient({ url: gatewayUrl, token: `${(await bankToken()).slice(0, -4)}AAAA`, purpose: 'LOAN_APPROVAL' });
    const error = await creditCheck(client, consenting.uscc).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CreditGraphError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, requestId: expect.any(String) });
  });
});

describe('consentsGrantedToMe', () => {
  it('lists the consents granted to the calling bank, newest first, page by page, live ones only on request', async () => {
    const first = await grant(refusing.uscc, 'LOAN_APPROVAL');
    const second = await grant(refusing.uscc, 'LOAN_MONITORING');
    const revokedId = await grant(monitored.uscc, 'LOAN_APPROVAL');
    const revoked = await graphql(gatewayUrl, 'mutation ($id: ID!) { revokeConsent(id: $id) { live } }', { id: revokedId }, await headersFor('ENTERPRISE', undefined, { uscc: monitored.uscc }));
    expect(revoked.errors).toBeUndefined();

    const bank = { authorization: `Bearer ${await bankToken()}` };
    const QUERY = 'query ($first: Int, $after: String, $live: Boolean, $purpose: Purpose) { consentsGrantedToMe(first: $first, after: $after, liveOnly: $live, purpose: $purpose) { edges { cursor node { id enterpriseUscc institution purpose grantedAt live } } pageInfo { hasNextPage endCursor } } }';
    // Page by page, one at a time: the same consents as in one page, in the same order.
    const all = await graphql(gatewayUrl, QUERY, { first: 100 }, bank);
    expect(all.errors).toBeUndefined();
    const nodes = all.data.consentsGrantedToMe.edges.map((edge: { node: { id: string } }) => edge.node);
    const paged: { id: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const result: { data?: any } = await graphql(gatewayUrl, QUERY, { first: 1, after }, bank);
      paged.push(...result.data.consentsGrantedToMe.edges.map((edge: { node: { id: string } }) => edge.node));
      if (!result.data.consentsGrantedToMe.pageInfo.hasNextPage) break;
      after = result.data.consentsGrantedToMe.pageInfo.endCursor;
    }
    expect(paged).toEqual(nodes);
    expect(nodes.every((node: { institution: string }) => node.institution === BANK.uscc)).toBe(true);
    const order = nodes.map((node: { grantedAt: string }) => node.grantedAt);
    expect([...order].sort().reverse()).toEqual(order);
    const ids = nodes.map((node: { id: string }) => node.id);
    expect(ids).toEqual(expect.arrayContaining([first, second, revokedId]));
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));

    const live = await graphql(gatewayUrl, QUERY, { first: 100, live: true, purpose: 'LOAN_APPROVAL' }, bank);
    const liveNodes = live.data.consentsGrantedToMe.edges.map((edge: { node: { id: string; live: boolean; purpose: string } }) => edge.node);
    expect(liveNodes.map((node: { id: string }) => node.id)).toContain(first);
    expect(liveNodes.map((node: { id: string }) => node.id)).not.toContain(revokedId);
    expect(liveNodes.map((node: { id: string }) => node.id)).not.toContain(second);
    expect(liveNodes.every((node: { live: boolean; purpose: string }) => node.live && node.purpose === 'LOAN_APPROVAL')).toBe(true);

    // The kit's helper follows the pages the same way.
    const client = createClient({ url: gatewayUrl, token: await bankToken() });
    expect((await consentsGrantedToMe(client, true)).map((consent) => consent.id)).toEqual(expect.arrayContaining([first, second]));
  });

  it('is audited like every non-public read (the answer names its record), without putting the enterprises on it as read', async () => {
    const result = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await bankToken()}` },
      body: JSON.stringify({ query: 'query MyConsents { consentsGrantedToMe(first: 5) { edges { node { enterpriseUscc } } } }' }),
    });
    const body = await result.json();
    expect(body.errors).toBeUndefined();
    const record = await auditRecordById(body.extensions.auditRecord.id, { institution: BANK.uscc });
    expect(record).toMatchObject({ operationName: 'MyConsents', seq: body.extensions.auditRecord.sequence, subjects: [] });
  });

  it.each([
    ['an enterprise', () => headersFor('ENTERPRISE', undefined, { uscc: consenting.uscc }), 'FORBIDDEN'],
    ['a regulator', () => headersFor('REGULATOR', 'SUPERVISION'), 'FORBIDDEN'],
    ['a developer', () => headersFor('DEVELOPER'), 'FORBIDDEN'],
    ['the public', async () => ({}), 'UNAUTHENTICATED'],
  ])('is refused to %s', async (_who, headers, code) => {
    const result = await graphql(gatewayUrl, '{ consentsGrantedToMe { edges { node { id } } } }', {}, await headers());
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
  });

  it('refuses a cursor it did not issue and a page size out of range', async () => {
    const bank = { authorization: `Bearer ${await bankToken()}` };
    for (const [args, name] of [['after: "bm90LWEtY3Vyc29y"', 'after'], ['first: 101', 'first']] as const) {
      const result = await graphql(gatewayUrl, `{ consentsGrantedToMe(${args}) { edges { cursor } } }`, {}, bank);
      expect(result.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
    }
  });
});

describe('RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  it('are on every answer, refusals included, and a refusal adds Retry-After', async () => {
    const app = await ownGateway({ RATE_LIMIT_CAPACITY: '5', RATE_LIMIT_PER_SECOND: '1' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await bankToken('kit-rate-limited')}` };
    const startedAt = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query: i % 2 ? '{ districts { code } }' : '{ districts { code ' }) }),
      ),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-policy')).toBe('"caller";q=5;w=5');
      expect(answer.headers.get('ratelimit')).toMatch(/^"caller";r=[0-4];t=[0-5]$/);
    }
    const refused = answers.filter((answer) => answer.status === 429);
    // Of the 20 valid operations, a burst of 5 and one more a second ran, however slowly the
    // machine served the 40 (a text that does not parse takes a token but is answered 400:
    // the refusal comes once an operation is resolved).
    const ran = answers.filter((answer) => answer.status === 200);
    expect(ran.length).toBeLessThanOrEqual(5 + Math.ceil(seconds));
    expect(ran.length + refused.length).toBe(20);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.headers.get('ratelimit')).toMatch(/^"caller";r=0;t=[1-5]$/);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await answer.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
    }
    // The ones let through, answered or failing to parse, say what was left.
    expect(answers.some((answer) => answer.status === 400)).toBe(true);
    expect(answers.some((answer) => answer.status === 200)).toBe(true);
  });

  it('are on the shared stack too, with its own policy, for an answer and for an error', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await bankToken('kit-shared-stack')}` };
    for (const query of ['{ districts { code } }', '{ districts { nope } }']) {
      const answer = await fetch(gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query }) });
      expect(answer.headers.get('ratelimit-policy')).toBe('"caller";q=10000;w=1');
      expect(answer.headers.get('ratelimit')).toMatch(/^"caller";r=\d{1,5};t=[01]$/);
    }
  });
});

/** Runs `credit-graph <args>` to its end, with `env` over the test process's environment. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliArguments(args), { cwd: ROOT, env: { ...process.env, ...env }, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('persisted-operation manifests imported with `credit-graph safelist import`', () => {
  it('bind a client to the manifests\' operations, which it then runs by hash alone', async () => {
    const dataDir = mkdtempSync(path.join(folder, 'persisted-'));
    const env = { DATA_DIR: dataDir, GATEWAY_DATABASE_URL: '', AUDIT_HMAC_KEYS: KEYS };
    const apollo = await cli(['safelist', 'import', path.join(EXAMPLES_DIR, APOLLO_MANIFEST_FILE), '--client', 'kit-apollo-client'], env);
    expect(apollo.code, apollo.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(EXAMPLES_DIR, APOLLO_MANIFEST_FILE), 'utf8'));
    expect(apollo.stdout.trim().split('\n')).toEqual(manifest.operations.map((op: { id: string; name: string }) => `${op.id}  ${op.name}`));
    const hive = await cli(['safelist', 'import', path.join(EXAMPLES_DIR, HIVE_MANIFEST_FILE), '--client', 'kit-hive-client'], env);
    expect(hive.code, hive.stderr).toBe(0);

    // Hostile manifests: refused whole with a clear message (exit 2), nothing imported.
    const tampered = { ...manifest, operations: manifest.operations.map((op: { body: string }, i: number) => (i === 0 ? { ...op, body: op.body.replace('name', 'name status') } : op)) };
    const bad = path.join(folder, 'tampered.json');
    writeFileSync(bad, JSON.stringify(tampered));
    const refused = await cli(['safelist', 'import', bad, '--client', 'kit-tampered'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not the SHA-256 of its body/);
    const notJson = path.join(folder, 'not-json.json');
    writeFileSync(notJson, '{"format": ');
    const broken = await cli(['safelist', 'import', notJson, '--client', 'kit-tampered'], env);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON/);
    const listed = await cli(['safelist', 'list'], env);
    expect(listed.stdout).not.toContain('kit-tampered');

    const app = await ownGateway({ ...env }, loadConfig({ ...env, CALLER_SIGNING_SECRET: TEST_CALLER_SECRET }).database);
    for (const client of ['kit-apollo-client', 'kit-hive-client']) {
      await grant(consenting.uscc, 'LOAN_APPROVAL', app.url);
      const byHash = createClient({ url: app.url, token: await bankToken(client), purpose: 'LOAN_APPROVAL', persisted: 'hash-only' });
      const check = await creditCheck(byHash, consenting.uscc);
      expect(check.errors).toEqual([]);
      expect(check.data.enterprise?.uscc).toBe(consenting.uscc);
      expect(check.data.enterprise?.finance).not.toBeNull();
      // Bound: an operation not on its list is refused, sent in full.
      const other = await graphql(app.url, '{ districts { code } }', {}, { authorization: `Bearer ${await bankToken(client)}` });
      expect(other.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    }
    // A client bound to nothing may send the hash of a registered operation too (the gateway
    // knows its text, as with automatic persisted queries); only bound clients are restricted.
    const unbound = createClient({ url: app.url, token: await bankToken('kit-unbound'), purpose: 'LOAN_APPROVAL', persisted: 'hash-only' });
    expect((await portfolioCheck(unbound, [consenting.uscc])).enterprises.map((e) => e?.uscc)).toEqual([consenting.uscc]);
  }, 300_000);
});

describe('the deprecation policy', () => {
  it('holds for the composed API schema: every deprecation has a reason ending with its removal date', async () => {
    const sdl = await (await fetch(`${base}/schema.graphql`)).text();
    expect(deprecationProblems(buildSchema(sdl))).toEqual([]);
  });

  it('finds every kind of deprecation that breaks it (so the check above can fail)', () => {
    const schema = buildSchema(`
      enum Grade { A B @deprecated(reason: "Use A. Removal: 2027-06-30.") C @deprecated }
      input Filter { name: String @deprecated(reason: "Use nameContains.") }
      type Query {
        good: Int @deprecated(reason: "Use better. Removal: 2027-06-30.")
        nodate: Int @deprecated(reason: "Use better.")
        baddate: Int @deprecated(reason: "Use better. Removal: 2027-02-30.")
        search(filter: Filter, old: Int @deprecated(reason: "Removal: 2027-01-15")): Grade
      }
    `);
    expect(deprecations(schema).map((d) => d.coordinate)).toEqual(['Grade.B', 'Grade.C', 'Filter.name', 'Query.good', 'Query.nodate', 'Query.baddate', 'Query.search(old:)']);
    expect(deprecationProblems(schema)).toEqual([
      'Grade.C is deprecated without a reason',
      'Filter.name: the reason "Use nameContains." does not end with "Removal: YYYY-MM-DD."',
      'Query.nodate: the reason "Use better." does not end with "Removal: YYYY-MM-DD."',
      'Query.baddate: the removal date Removal: 2027-02-30. is not a calendar date',
    ]);
  });
});
