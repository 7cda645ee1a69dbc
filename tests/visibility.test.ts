// Non-public data stays non-public through every path (issue 9 §8): the lifecycle of a
// non-public record (objections, repairs, states) is as guarded as the record; purposes are bound
// to roles; in production the schema is shown to developers and regulators only, and the
// playground carries demo tokens only in an explicit demo mode.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { makeUscc, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { ConfigError, loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { gatewayUrl, subgraphUrls, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
/** A bank of this file only. */
const BANK = makeUscc('91', '410105', '70710011');
const REASON = 'The social insurance office booked our March contribution twice (visibility test)';

let regulator: Record<string, string>;
beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
});

/** The first enterprise in `range` with a published record the `selection` finds, and that record's reference. */
async function findRecord(range: [number, number], selection: string, pick: (enterprise: any) => string | undefined) {
  const usccs = universe.slice(...range).map((e) => e.uscc);
  const result = await graphql(gatewayUrl, `query ($u: [USCC!]!) { enterprises(usccs: $u) { uscc ${selection} } }`, { u: usccs }, regulator);
  expect(result.errors).toBeUndefined();
  for (const enterprise of result.data.enterprises) {
    const reference = enterprise && pick(enterprise);
    if (reference) return { uscc: enterprise.uscc as string, reference };
  }
  throw new Error(`no enterprise in ${range} has such a record`);
}

async function fileObjection(uscc: string, reference: string, reason: string) {
  const result = await graphql(
    gatewayUrl,
    'mutation ($input: ObjectionInput!, $key: String!) { fileObjection(input: $input, idempotencyKey: $key) { id recordKey status } }',
    { input: { reference, reason, evidence: 'DOC-2026-001' }, key: `visibility-${Date.now()}-${Math.random()}` },
    await headersFor('ENTERPRISE', undefined, { uscc }),
  );
  expect(result.errors).toBeUndefined();
  return result.data.fileObjection as { id: string; recordKey: string; status: string };
}

const LIFECYCLE = 'query Lifecycle($u: USCC!) { enterprise(uscc: $u) { objections { recordKey recordKind recordSeverity reason } creditRecordStates { key state } } }';

describe('the lifecycle of a non-public record is as guarded as the record', () => {
  let arrears: { uscc: string; reference: string };
  let objection: { id: string; recordKey: string };

  beforeAll(async () => {
    arrears = await findRecord([200, 320], 'finance { arrears { kind publication { status reference } } }', (e) =>
      e.finance?.arrears.find((a: any) => a.kind === 'SOCIAL_INSURANCE' && a.publication.status === 'PUBLISHED')?.publication.reference,
    );
    objection = await fileObjection(arrears.uscc, arrears.reference, REASON);
    expect(objection.recordKey).toMatch(/^finance:/);
  });

  it("hides the issue's objection against social-insurance arrears (kind, severity, reason) and its state from the public", async () => {
    for (const headers of [{}, await headersFor('BANK', 'LOAN_APPROVAL', { institution: BANK }), await headersFor('DEVELOPER')]) {
      const result = await graphql(gatewayUrl, LIFECYCLE, { u: arrears.uscc }, headers);
      expect(result.errors).toBeUndefined();
      const text = JSON.stringify(result.data);
      expect(text).not.toContain(REASON);
      expect(text).not.toContain(objection.recordKey);
      expect(text).not.toContain('PaymentArrears');
      // The state is still there, sealed: it names neither the record nor its sector.
      const sealed = (result.data.enterprise.creditRecordStates as { key: string; state: string }[]).filter((s) => s.key.startsWith('sealed:'));
      expect(sealed).toContainEqual({ key: expect.stringMatching(/^sealed:[\w-]{32}$/), state: 'UNDER_OBJECTION' });
    }
  });

  it('shows it to those who may read the record: the enterprise, a consented bank, a regulator (audited under the enterprise)', async () => {
    await graphql(gatewayUrl, 'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_APPROVAL, validForDays: 30) { id } }', { bank: BANK },
      await headersFor('ENTERPRISE', undefined, { uscc: arrears.uscc }));
    const sub = 'visibility-inspector';
    for (const headers of [
      await headersFor('ENTERPRISE', undefined, { uscc: arrears.uscc }),
      await headersFor('BANK', 'LOAN_APPROVAL', { institution: BANK }),
      await headersFor('REGULATOR', 'SUPERVISION', { sub }),
    ]) {
      const result = await graphql(gatewayUrl, LIFECYCLE, { u: arrears.uscc }, headers);
      expect(result.errors).toBeUndefined();
      expect(result.data.enterprise.objections).toContainEqual({ recordKey: objection.recordKey, recordKind: 'PaymentArrears', recordSeverity: expect.any(String), reason: REASON });
      expect(result.data.enterprise.creditRecordStates).toContainEqual({ key: objection.recordKey, state: 'UNDER_OBJECTION' });
    }
    const records = await graphql(gatewayUrl, 'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 1) { edges { node { operationName subjects } } } }', { s: sub }, regulator);
    expect(records.data.auditRecords.edges[0].node).toEqual({ operationName: 'Lifecycle', subjects: [arrears.uscc] });
  });

  it("keeps it out of another sector platform's view and in the regulators' work list", async () => {
    const environment = await headersFor('SECTOR_PLATFORM', 'SUPERVISION');
    const result = await graphql(gatewayUrl, LIFECYCLE, { u: arrears.uscc }, environment);
    expect(JSON.stringify(result.data)).not.toContain(REASON);
    const open = await graphql(gatewayUrl, '{ openObjections { id reason } }', {}, regulator);
    expect(open.data.openObjections).toContainEqual({ id: objection.id, reason: REASON });
    // A regulator without a declared purpose does not see non-public records' objections.
    const noPurpose = await graphql(gatewayUrl, '{ openObjections { id } }', {}, await headersFor('REGULATOR'));
    expect(noPurpose.data.openObjections.map((o: { id: string }) => o.id)).not.toContain(objection.id);
  });

  it('keeps the objection to a public record (an environmental violation) public', async () => {
    const violation = await findRecord([320, 440], 'environment { violations { publication { status reference } } }', (e) =>
      e.environment?.violations.find((v: any) => v.publication.status === 'PUBLISHED')?.publication.reference,
    );
    const reason = `The violation was corrected before the inspection (visibility test ${Date.now()})`;
    const filed = await fileObjection(violation.uscc, violation.reference, reason);
    const result = await graphql(gatewayUrl, LIFECYCLE, { u: violation.uscc });
    expect(result.data.enterprise.objections).toContainEqual(expect.objectContaining({ recordKey: filed.recordKey, recordKind: 'EnvironmentalViolation', reason }));
    expect(result.data.enterprise.creditRecordStates).toContainEqual({ key: filed.recordKey, state: 'UNDER_OBJECTION' });
  });
});

describe("the registry's evaluation inputs stay inside the graph", () => {
  it('refuses to answer a sector evaluation input (keys and severities of non-public records), while the evaluation it feeds answers', async () => {
    const u = universe[5]!.uscc;
    for (const field of ['financeEvaluationInput', 'supplyChainEvaluationInput', 'housekeepingEvaluationInput', 'environmentEvaluationInput', 'tradeEvaluationInput']) {
      const result = await graphql(gatewayUrl, `query ($u: USCC!) { enterprise(uscc: $u) { ${field} { records { key severity } } } }`, { u });
      expect(result.errors?.[0]?.extensions?.code, field).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const evaluation = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { evaluation { grade score } } }', { u });
    expect(evaluation.errors).toBeUndefined();
    expect(evaluation.data.enterprise.evaluation.grade).toMatch(/^[ABCD]$/);
  });
});

describe('purposes are bound to roles', () => {
  const CHECK = 'query ($u: USCC!) { enterprise(uscc: $u) { name } }';
  const u = universe[5]!.uscc;

  it.each([
    ['BANK', 'SUPERVISION'],
    ['BANK', 'SELF_QUERY'],
    ['ENTERPRISE', 'LOAN_APPROVAL'],
    ['ENTERPRISE', 'SUPERVISION'],
    ['SECTOR_PLATFORM', 'LOAN_APPROVAL'],
    ['REGULATOR', 'LOAN_MONITORING'],
    ['DEVELOPER', 'SUPERVISION'],
    ['BANK', 'GOVERNMENT_PROCUREMENT'],
    ['AGENCY', 'LOAN_APPROVAL'],
    ['AGENCY', 'SUPERVISION'],
  ] as const)('refuses a %s declaring %s with 403 FORBIDDEN naming the allowed ones', async (role, purpose) => {
    const result = await graphql(gatewayUrl, CHECK, { u }, await headersFor(role, purpose));
    expect(result.status).toBe(403);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', header: 'x-credit-purpose' });
    expect(result.data ?? null).toBeNull();
  });

  it('refuses an anonymous caller declaring a purpose, and lets an enterprise default to SELF_QUERY', async () => {
    const anonymous = await graphql(gatewayUrl, CHECK, { u }, { 'x-credit-purpose': 'SUPERVISION' });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const self = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { finance { currentTaxCreditLevel } } }', { u }, await headersFor('ENTERPRISE', undefined, { uscc: u }));
    expect(self.errors).toBeUndefined();
  });
});

describe('production: schema details for developers and regulators only; demo tokens only in demo mode', () => {
  const started: GatewayApp[] = [];
  const databases: TestDatabase[] = [];
  const STACK_URLS = Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url]));
  const TOKENS = { BANK: 'demo-bank-token-visibility-test' };
  const EXAMPLE = { title: 'Check', query: '{ districts { code } }', headers: { authorization: 'Bearer ${BANK_TOKEN}' } };

  /** A gateway on the test stack. Apollo Server reads NODE_ENV from the process: set while it starts, as in production. */
  async function gateway(env: Record<string, string>): Promise<GatewayApp> {
    const database = await createTestDatabase('visibility');
    databases.push(database);
    const config = loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: TEST_JWT_SECRET, AUDIT_HMAC_KEYS: `vis:${'cd'.repeat(32)}`, ...STACK_URLS, ...env });
    const previous = process.env.NODE_ENV;
    if (env.NODE_ENV) process.env.NODE_ENV = env.NODE_ENV;
    try {
      const app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: database.target }, { examples: [EXAMPLE], playgroundTokens: TOKENS });
      started.push(app);
      return app;
    } finally {
      process.env.NODE_ENV = previous;
    }
  }

  afterAll(async () => {
    for (const app of started) await app.stop();
    for (const database of databases) await database.drop();
  });

  let production: GatewayApp;
  beforeAll(async () => {
    production = await gateway({ NODE_ENV: 'production' });
  });

  it("answers GraphiQL's full introspection query to a developer and a regulator, and refuses it to others", async () => {
    const query = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });
    for (const role of ['DEVELOPER', 'REGULATOR'] as const) {
      const result = await graphql(production.url, query, {}, await headersFor(role));
      expect(result.errors).toBeUndefined();
      expect(result.data.__schema.queryType.name).toBe('Query');
    }
    for (const headers of [{}, await headersFor('BANK', 'LOAN_APPROVAL'), await headersFor('ENTERPRISE')]) {
      const result = await graphql(production.url, '{ __type(name: "Enterprise") { name } }', {}, headers);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data ?? null).toBeNull();
    }
  });

  it('hides "Did you mean" suggestions from other callers, and keeps them for developers', async () => {
    const typo = 'query ($u: USCC!) { enterprise(uscc: $u) { financ { currentTaxCreditLevel } } }';
    const u = universe[5]!.uscc;
    for (const headers of [{}, await headersFor('BANK', 'LOAN_APPROVAL')]) {
      const result = await graphql(production.url, typo, { u }, headers);
      expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.errors?.[0]?.message).toBe('Cannot query field "financ" on type "Enterprise".');
    }
    const badEnum = await graphql(production.url, 'query ($p: Purpose!) { auditRecords(filter: { purpose: $p }) { edges { cursor } } }', { p: 'SUPERVISON' });
    expect(JSON.stringify(badEnum.errors)).not.toMatch(/Did you mean/);
    const developer = await graphql(production.url, typo, { u }, await headersFor('DEVELOPER'));
    expect(developer.errors?.[0]?.message).toMatch(/Did you mean "finance"\?$/);
  });

  it('refuses PLAYGROUND_DEMO_TOKENS=true in production, and carries no tokens outside demo mode', async () => {
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, NODE_ENV: 'production', PLAYGROUND_DEMO_TOKENS: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, PLAYGROUND_DEMO_TOKENS: 'yes' })).toThrow(/PLAYGROUND_DEMO_TOKENS/);
    const pageOf = async (app: GatewayApp) => (await fetch(app.url.replace(/\/graphql$/, '/playground'))).text();
    expect(await pageOf(production)).not.toContain(TOKENS.BANK);
    const development = await gateway({});
    expect(await pageOf(development)).not.toContain(TOKENS.BANK);
    const demo = await gateway({ PLAYGROUND_DEMO_TOKENS: 'true' });
    expect(await pageOf(demo)).toContain(TOKENS.BANK);
  });
});
