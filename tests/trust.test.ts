// The trust layer end to end: who may read what, for which purpose, with whose consent, and
// the record every non-public read leaves.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor, tokenFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
// Enterprises with finance records that no test grants consent for, unless it says so.
const withFinance = universe.filter((e, i) => i > 10 && e.sectors.finance);
const [consenting, silent, otherPurpose, revoking] = withFinance as [typeof model, typeof model, typeof model, typeof model];
const OTHER_BANK = makeUscc('91', '410105', '70681001'); // another bank of the finance seed

const CHECK = 'query Check($u: USCC!) { enterprise(uscc: $u) { uscc name onSevereDishonestyList finance { currentTaxCreditLevel } } }';
const GRANT = 'mutation ($bank: USCC!, $purpose: Purpose!) { grantConsent(institution: $bank, purpose: $purpose, validForDays: 30) { id live } }';

async function grant(enterprise: typeof model, purpose = 'LOAN_APPROVAL', bank = DEMO_BANK.uscc): Promise<string> {
  const result = await graphql(gatewayUrl, GRANT, { bank, purpose }, await headersFor('ENTERPRISE', undefined, { uscc: enterprise.uscc }));
  expect(result.errors).toBeUndefined();
  return result.data.grantConsent.id;
}

let bank: Record<string, string>;
beforeAll(async () => {
  bank = await headersFor('BANK', 'LOAN_APPROVAL');
  await grant(consenting);
  await grant(model);
  await grant(otherPurpose, 'LOAN_MONITORING');
  await grant(silent, 'LOAN_APPROVAL', OTHER_BANK);
});

describe('identity', () => {
  it('refuses a forged token with 401 UNAUTHENTICATED and no data', async () => {
    const forged = (await tokenFor('BANK')).slice(0, -4) + 'AAAA';
    const result = await graphql(gatewayUrl, CHECK, { u: model.uscc }, { authorization: `Bearer ${forged}` });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
  });

  it('refuses an unknown purpose', async () => {
    const result = await graphql(gatewayUrl, CHECK, { u: model.uscc }, { ...bank, 'x-credit-purpose': 'CURIOSITY' });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/LOAN_APPROVAL/);
  });
});

describe('scopes before planning', () => {
  it('answers public fields to anyone and nulls the non-public ones, naming the field path', async () => {
    const result = await graphql(gatewayUrl, CHECK, { u: consenting.uscc });
    expect(result.data.enterprise).toMatchObject({ uscc: consenting.uscc, finance: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', field: 'Enterprise.finance', fieldPath: 'enterprise.finance' });
  });

  it('gives a developer FORBIDDEN on non-public fields and on the audit log', async () => {
    const result = await graphql(gatewayUrl, '{ auditRecords(first: 1) { edges { node { id } } } }', {}, await headersFor('DEVELOPER'));
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('every role against a table of fields', () => {
  type Expected = 'read' | 'UNAUTHENTICATED' | 'FORBIDDEN';
  const ROLES = ['PUBLIC', 'BANK', 'SECTOR_PLATFORM', 'REGULATOR', 'ENTERPRISE', 'DEVELOPER', 'AGENCY'] as const;
  // What each role gets on the model group (which consented to the demo bank for LOAN_APPROVAL);
  // the sector platform is the environment bureau's.
  const TABLE: [field: string, query: string, expected: Record<(typeof ROLES)[number], Expected>][] = [
    ['Enterprise.name (public)', 'query ($u: USCC!) { enterprise(uscc: $u) { name } }',
      { PUBLIC: 'read', BANK: 'read', SECTOR_PLATFORM: 'read', REGULATOR: 'read', ENTERPRISE: 'read', DEVELOPER: 'read', AGENCY: 'read' }],
    ['Enterprise.penalties (双公示, public)', 'query ($u: USCC!) { enterprise(uscc: $u) { penalties { decisionNumber } } }',
      { PUBLIC: 'read', BANK: 'read', SECTOR_PLATFORM: 'read', REGULATOR: 'read', ENTERPRISE: 'read', DEVELOPER: 'read', AGENCY: 'read' }],
    ['Enterprise.finance', 'query ($u: USCC!) { enterprise(uscc: $u) { finance { currentTaxCreditLevel } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'read', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'read', ENTERPRISE: 'read', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['EnvironmentProfile.emissions', 'query ($u: USCC!) { enterprise(uscc: $u) { environment { emissions { year } } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'read', SECTOR_PLATFORM: 'read', REGULATOR: 'read', ENTERPRISE: 'read', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['Query.auditRecords', '{ auditRecords(first: 1) { edges { node { seq } } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'read', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['Enterprise.supervision (regulators and sector platforms)', 'query ($u: USCC!) { enterprise(uscc: $u) { supervision { class rate basis } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'read', REGULATOR: 'read', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['Query.supervisionList (regulators)', '{ supervisionList(districtCode: "410105", first: 1) { edges { node { class } } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'read', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['Query.myConsents', '{ myConsents { id } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'FORBIDDEN', ENTERPRISE: 'read', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
    ['Enterprise.creditMeasures', 'query ($u: USCC!) { enterprise(uscc: $u) { creditMeasures(scenario: GOVERNMENT_PROCUREMENT) { verdict } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'FORBIDDEN', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'read' }],
    ['Mutation.creditVerification', 'mutation ($u: USCC!) { creditVerification(usccs: [$u], scenario: GOVERNMENT_PROCUREMENT) { number results { verdict } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'FORBIDDEN', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'FORBIDDEN', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'read' }],
    ['Query.consentsGrantedToMe (a bank\'s own consents)', '{ consentsGrantedToMe(first: 5) { edges { node { id enterpriseUscc purpose } } } }',
      { PUBLIC: 'UNAUTHENTICATED', BANK: 'read', SECTOR_PLATFORM: 'FORBIDDEN', REGULATOR: 'FORBIDDEN', ENTERPRISE: 'FORBIDDEN', DEVELOPER: 'FORBIDDEN', AGENCY: 'FORBIDDEN' }],
  ];
  const PURPOSE = { BANK: 'LOAN_APPROVAL', SECTOR_PLATFORM: 'SUPERVISION', REGULATOR: 'SUPERVISION', AGENCY: 'GOVERNMENT_PROCUREMENT' } as const;

  it.each(TABLE.flatMap(([field, query, expected]) => ROLES.map((role) => [field, role, expected[role], query] as const)))(
    '%s as %s: %s',
    async (_field, role, expected, query) => {
      const headers = role === 'PUBLIC' ? {} : await headersFor(role, PURPOSE[role as keyof typeof PURPOSE]);
      const result = await graphql(gatewayUrl, query, query.includes('$u') ? { u: model.uscc } : {}, headers);
      if (expected === 'read') {
        expect(result.errors).toBeUndefined();
        expect(JSON.stringify(result.data)).not.toMatch(/:null/);
      } else {
        expect(result.errors?.[0]?.extensions?.code).toBe(expected);
      }
    },
  );
});

describe('purpose and consent', () => {
  it('lets a bank read an enterprise that consented to it for this purpose', async () => {
    const result = await graphql(gatewayUrl, CHECK, { u: consenting.uscc }, bank);
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise.finance.currentTaxCreditLevel).toMatch(/^[ABMCD]$/);
  });

  it("lets a bank read an enterprise that consented, named by a variable's default value in the operation", async () => {
    const query = `query Check($u: USCC! = "${consenting.uscc}") { enterprise(uscc: $u) { uscc finance { currentTaxCreditLevel } } }`;
    const result = await graphql(gatewayUrl, query, {}, bank);
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise.finance.currentTaxCreditLevel).toMatch(/^[ABMCD]$/);
  });

  it.each([
    ['without any consent', () => withFinance[5]!],
    ['with consent for another purpose', () => otherPurpose],
    ['with consent granted to another bank', () => silent],
  ])('refuses the non-public fields %s, naming the enterprise', async (_case, enterprise) => {
    const { uscc } = enterprise();
    const result = await graphql(gatewayUrl, CHECK, { u: uscc }, bank);
    expect(result.data.enterprise).toMatchObject({ uscc, finance: null });
    expect(result.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
    expect(result.errors?.[0]?.message).toContain(uscc);
  });

  it('requires a declared purpose', async () => {
    const result = await graphql(gatewayUrl, CHECK, { u: consenting.uscc }, await headersFor('BANK'));
    expect(result.data.enterprise.finance).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  });

  it('stops at once when the enterprise revokes', async () => {
    const id = await grant(revoking);
    expect((await graphql(gatewayUrl, CHECK, { u: revoking.uscc }, bank)).data.enterprise.finance).not.toBeNull();
    const enterprise = await headersFor('ENTERPRISE', undefined, { uscc: revoking.uscc });
    const revoked = await graphql(gatewayUrl, 'mutation ($id: ID!) { revokeConsent(id: $id) { live revokedAt } }', { id }, enterprise);
    expect(revoked.data.revokeConsent.live).toBe(false);
    const after = await graphql(gatewayUrl, CHECK, { u: revoking.uscc }, bank);
    expect(after.data.enterprise.finance).toBeNull();
    expect(after.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
  });

  it('answers the consenting enterprises of a mixed portfolio and refuses the others', async () => {
    const usccs = [consenting.uscc, withFinance[6]!.uscc];
    const result = await graphql(gatewayUrl, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc finance { currentTaxCreditLevel } } }', { c: usccs }, bank);
    expect(result.data.enterprises[0].finance).not.toBeNull();
    expect(result.data.enterprises[1].finance).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.message).toContain(usccs[1]);
  });

  it("answers a bank's portfolio of 500 enterprises that all consented (their consents travel in the signed caller)", async () => {
    const portfolio = universe.slice(100, 600);
    for (let i = 0; i < portfolio.length; i += 5) await Promise.all(portfolio.slice(i, i + 5).map((enterprise) => grant(enterprise)));
    const query = 'query ($u: [USCC!]!) { enterprises(usccs: $u) { uscc finance { currentTaxCreditLevel } trade { customsCredit { category } } } }';
    const result = await graphql(gatewayUrl, query, { u: portfolio.map((e) => e.uscc) }, bank);
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprises).toHaveLength(500);
    const withFinanceRecords = portfolio.filter((e) => e.sectors.finance).map((e) => e.uscc);
    const answered = (result.data.enterprises as { uscc: string; finance: unknown }[]).filter((e) => e.finance !== null).map((e) => e.uscc);
    expect(answered).toEqual(withFinanceRecords);
  });

  it('lets an enterprise read itself without consent, and nobody else', async () => {
    const self = await headersFor('ENTERPRISE', undefined, { uscc: consenting.uscc });
    const own = await graphql(gatewayUrl, CHECK, { u: consenting.uscc }, self);
    expect(own.errors).toBeUndefined();
    const other = await graphql(gatewayUrl, CHECK, { u: silent.uscc }, self);
    expect(other.data.enterprise.finance).toBeNull();
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses an enterprise granting consent on behalf of another', async () => {
    const result = await graphql(gatewayUrl, GRANT, { bank: DEMO_BANK.uscc, purpose: 'LOAN_APPROVAL' }, await headersFor('REGULATOR', 'SUPERVISION'));
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('audit', () => {
  const AUDIT = 'query ($u: USCC) { auditRecords(filter: { enterpriseUscc: $u }, first: 100) { edges { node { seq subject role institution purpose consentIds subjects outcome hash previousHash } } } }';

  it('records every non-public read, with consent ids, and the enterprise sees who looked it up and why', async () => {
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const before = (await graphql(gatewayUrl, AUDIT, { u: consenting.uscc }, regulator)).data.auditRecords.edges.length;
    for (let i = 0; i < 3; i++) await graphql(gatewayUrl, CHECK, { u: consenting.uscc }, bank);
    const records = (await graphql(gatewayUrl, AUDIT, { u: consenting.uscc }, regulator)).data.auditRecords.edges;
    expect(records.length - before).toBe(3);
    const latest = records[0].node;
    expect(latest).toMatchObject({ role: 'BANK', institution: DEMO_BANK.uscc, purpose: 'LOAN_APPROVAL', outcome: 'ok' });
    expect(latest.subjects).toContain(consenting.uscc);
    expect(latest.consentIds).toHaveLength(1);
    expect(latest.previousHash).toBe(records[1].node.hash);

    const self = await headersFor('ENTERPRISE', undefined, { uscc: consenting.uscc });
    const seen = await graphql(gatewayUrl, '{ myQueryRecords(first: 5) { edges { node { role institution purpose outcome } } } }', {}, self);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.myQueryRecords.edges[0].node).toMatchObject({ role: 'BANK', institution: DEMO_BANK.uscc, purpose: 'LOAN_APPROVAL' });
  });

  it('names on the record only the consents of the enterprises read, not of one named under @include(if: false)', async () => {
    const [read, skipped] = universe.filter((e, i) => i > 300 && e.sectors.finance).slice(0, 2) as [typeof model, typeof model];
    await grant(read);
    await grant(skipped);
    const clerk = await headersFor('BANK', 'LOAN_APPROVAL', { sub: 'bank-clerk-conditions' });
    const query = 'query ($x: USCC!, $y: USCC!, $on: Boolean!) { a: enterprise(uscc: $y) { finance { currentTaxCreditLevel } } b: enterprise(uscc: $x) @include(if: $on) { finance { currentTaxCreditLevel } } }';
    const answer = await graphql(gatewayUrl, query, { y: read.uscc, x: skipped.uscc, on: false }, clerk);
    expect(answer.errors).toBeUndefined();
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const consentsOf = async (enterprise: typeof model) =>
      (await graphql(gatewayUrl, '{ myConsents { id } }', {}, await headersFor('ENTERPRISE', undefined, { uscc: enterprise.uscc }))).data.myConsents.map((consent: { id: string }) => consent.id);
    const record = (await graphql(gatewayUrl, 'query ($s: String!) { auditRecords(filter: { subject: $s }, first: 1) { edges { node { subjects consentIds } } } }', { s: 'bank-clerk-conditions' }, regulator)).data.auditRecords.edges[0].node;
    expect(record.subjects).toEqual([read.uscc]);
    expect(record.consentIds.length).toBeGreaterThan(0);
    const readConsents = await consentsOf(read);
    const skippedConsents = await consentsOf(skipped);
    for (const id of record.consentIds) {
      expect(readConsents).toContain(id);
      expect(skippedConsents).not.toContain(id);
    }
  });

  it('does not record public reads', async () => {
    const regulator = await headersFor('REGULATOR', 'SUPERVISION');
    const about = async () => (await graphql(gatewayUrl, AUDIT, { u: model.uscc }, regulator)).data.auditRecords.edges.length;
    const before = await about();
    const read = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { name penalties { severity } } }', { u: model.uscc });
    expect(read.errors).toBeUndefined();
    expect(await about()).toBe(before);
  });
});
