// Sector reporting through the gateway: each sector platform writes its own sector and no
// other, every write is on the audit record, and the regulators' list and commitment steps
// reach the bank's change feed and the evaluation.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { makeUscc, SECTORS, type Sector } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
// A clean enterprise known to customs (trade writes need its customs code), taken from the end
// of the seed so that the other end-to-end files' enterprises are left as seeded.
const subject = [...universe].reverse().find((e) => e.sectors.trade && e.risk === 'CLEAN' && e.index !== SHOWCASE.MODEL_GROUP);
if (!subject) throw new Error('the seed has no clean enterprise known to customs');
const AUTHORITY = makeUscc('11', '410100', '00000101');

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

/** One negative-record write per sector: the mutation, its input type and an input. */
const WRITES: Record<Sector, { operation: string; field: string; inputType: string; input: (uscc: string) => Record<string, unknown> }> = {
  finance: {
    operation: 'RecordArrears',
    field: 'recordPaymentArrears',
    inputType: 'PaymentArrearsInput',
    input: (uscc) => ({ uscc, kind: 'TAX', amount: 8, since: isoDaysAgo(90), reportedOn: isoDaysAgo(3), severity: 'GENERAL', reportedBy: '国家税务总局郑州市税务局' }),
  },
  'supply-chain': {
    operation: 'RecordIncident',
    field: 'recordLogisticsIncident',
    inputType: 'LogisticsIncidentInput',
    input: (uscc) => ({ uscc, category: 'COLD_CHAIN', kind: 'TEMPERATURE_BREACH', occurredOn: isoDaysAgo(5), decidedOn: isoDaysAgo(3), description: '冷链温度超标 (e2e)', losses: 1.5, severity: 'MINOR' }),
  },
  environment: {
    operation: 'RecordViolation',
    field: 'recordEnvironmentalViolation',
    inputType: 'EnvironmentalViolationInput',
    input: (uscc) => ({ uscc, decisionNumber: `郑环罚〔2026〕S-${digits(9)}号`, occurredOn: isoDaysAgo(9), decidedOn: isoDaysAgo(3), kind: 'DUST_CONTROL', description: '扬尘防治不力 (e2e)', penaltyAmount: 2, severity: 'MINOR', authority: '郑州市生态环境局', authorityUscc: AUTHORITY }),
  },
  housekeeping: {
    operation: 'RecordComplaint',
    field: 'recordHousekeepingComplaint',
    inputType: 'HousekeepingComplaintInput',
    input: (uscc) => ({ uscc, category: 'NO_SHOW', receivedOn: isoDaysAgo(3), summary: '未按约上门 (e2e)', severity: 'MINOR' }),
  },
  trade: {
    operation: 'RecordDeclarationViolation',
    field: 'recordDeclarationViolation',
    inputType: 'DeclarationViolationInput',
    input: (uscc) => ({ uscc, decisionNumber: `郑关缉违字〔2026〕S-${digits(9)}号`, declarationNumber: `460020261${digits(9)}`, kind: 'LATE_DECLARATION', occurredOn: isoDaysAgo(20), decidedOn: isoDaysAgo(3), description: '逾期申报 (e2e)', penaltyAmount: 0.5, severity: 'MINOR' }),
  },
};

const mutation = (sector: Sector) =>
  `mutation ${WRITES[sector].operation}($input: ${WRITES[sector].inputType}!, $key: String!) { ${WRITES[sector].field}(input: $input, idempotencyKey: $key) { id } }`;

const platformOf = (sector: Sector) =>
  headersFor('SECTOR_PLATFORM', undefined, { sub: `${sector}-platform`, sector, institution: AUTHORITY });

let regulator: Record<string, string>;
let bank: Record<string, string>;
beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
  bank = await headersFor('BANK', 'LOAN_MONITORING');
  const enterprise = await headersFor('ENTERPRISE', undefined, { uscc: subject.uscc });
  const granted = await graphql(gatewayUrl, 'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_MONITORING, validForDays: 30) { id } }', { bank: DEMO_BANK.uscc }, enterprise);
  expect(granted.errors).toBeUndefined();
});

async function auditedOperations(uscc: string): Promise<string[]> {
  const audit = await graphql(
    gatewayUrl,
    'query ($u: USCC!) { auditRecords(filter: { enterpriseUscc: $u }, first: 100) { edges { node { operationName outcome } } } }',
    { u: uscc },
    regulator,
  );
  expect(audit.errors).toBeUndefined();
  return audit.data.auditRecords.edges.filter((e: { node: { outcome: string } }) => e.node.outcome === 'ok').map((e: { node: { operationName: string } }) => e.node.operationName);
}

describe('sector reporting through the gateway', () => {
  it.each(SECTORS.map((sector) => [sector]))('%s: its platform writes, and the write is on the audit record', async (sector) => {
    const result = await graphql(gatewayUrl, mutation(sector), { input: WRITES[sector].input(subject.uscc), key: `e2e-${sector}-${Date.now()}` }, await platformOf(sector));
    expect(result.errors).toBeUndefined();
    expect(result.data[WRITES[sector].field].id).toEqual(expect.any(String));
    expect(await auditedOperations(subject.uscc)).toContain(WRITES[sector].operation);
  });

  it.each(SECTORS.map((sector) => [sector]))('%s: every other sector’s platform is refused, nothing written', async (sector) => {
    for (const other of SECTORS.filter((s) => s !== sector)) {
      const result = await graphql(gatewayUrl, mutation(sector), { input: WRITES[sector].input(subject.uscc), key: `e2e-cross-${sector}-${other}-${Date.now()}` }, await platformOf(other));
      expect(result.errors?.[0]?.extensions?.code, `${other} writing ${sector}`).toBe('FORBIDDEN');
      expect(result.data?.[WRITES[sector].field] ?? null).toBeNull();
    }
  });
});

describe('lists and commitments through the gateway', () => {
  const FEED = 'query ($after: String) { creditChanges(after: $after, first: 500) { cursor changes { uscc kind summary gradeAfter } } }';
  const GRADE = 'query ($u: USCC!) { enterprise(uscc: $u) { onSevereDishonestyList evaluation { grade score } } }';

  it('a severe-dishonesty entry lists the enterprise publicly, lowers its grade, and tells the consented bank', async () => {
    const start = (await graphql(gatewayUrl, FEED, {}, bank)).data.creditChanges.cursor as string;
    const before = (await graphql(gatewayUrl, GRADE, { u: subject.uscc })).data.enterprise;
    const added = await graphql(
      gatewayUrl,
      `mutation AddListEntry($input: ListEntryInput!, $key: String!) { addListEntry(input: $input, idempotencyKey: $key) { id measures } }`,
      {
        input: {
          uscc: subject.uscc,
          listType: 'SEVERE_DISHONESTY',
          authority: '郑州市发展和改革委员会',
          legalBasis: '河南省社会信用条例 第三十三条',
          reason: '拒不履行生效判决 (e2e)',
          listedOn: isoDaysAgo(0),
          expiresOn: isoDaysAgo(-365),
          measures: ['限制参与政府采购'],
        },
        key: `e2e-list-${Date.now()}`,
      },
      regulator,
    );
    expect(added.errors).toBeUndefined();
    const after = (await graphql(gatewayUrl, GRADE, { u: subject.uscc })).data.enterprise;
    expect(after.onSevereDishonestyList).toBe(true);
    expect(after.evaluation.score).toBe(Math.max(0, before.evaluation.score - 40));
    expect(await auditedOperations(subject.uscc)).toContain('AddListEntry');

    const feed = await graphql(gatewayUrl, FEED, { after: start }, bank);
    const kinds = feed.data.creditChanges.changes.filter((c: { uscc: string }) => c.uscc === subject.uscc).map((c: { kind: string }) => c.kind);
    expect(kinds[0]).toBe('LIST_ENTRY');
    if (after.evaluation.grade !== before.evaluation.grade) expect(kinds).toContain('GRADE');

    // A regular enterprise cannot list anyone, and a bank cannot either.
    for (const caller of [await headersFor('ENTERPRISE', undefined, { uscc: subject.uscc }), bank]) {
      const refused = await graphql(gatewayUrl, 'mutation ($key: String!) { removeListEntry(entryId: "x", reason: REPAIRED, removedOn: "2026-01-01", idempotencyKey: $key) { id } }', { key: `e2e-rm-${Date.now()}` }, caller);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('a breached commitment becomes a negative record of the enterprise', async () => {
    const enterprise = await headersFor('ENTERPRISE', undefined, { uscc: subject.uscc });
    const made = await graphql(
      gatewayUrl,
      `mutation MakeCommitment($key: String!) { makeCreditCommitment(input: { type: "主动型", content: "三个月内完成整改 (e2e)", termEnd: "${isoDaysAgo(-90)}", sector: ENVIRONMENT }, idempotencyKey: $key) { id status } }`,
      { key: `e2e-commit-${Date.now()}` },
      enterprise,
    );
    expect(made.data.makeCreditCommitment.status).toBe('IN_FORCE');
    const breached = await graphql(
      gatewayUrl,
      `mutation RecordCommitmentOutcome($id: ID!, $key: String!) { recordCommitmentOutcome(commitmentId: $id, outcome: BREACHED, breachSeverity: MINOR, note: "未按期整改", outcomeOn: "${isoDaysAgo(0)}", idempotencyKey: $key) { status publication { status severity } } }`,
      { id: made.data.makeCreditCommitment.id, key: `e2e-breach-${Date.now()}` },
      await platformOf('environment'),
    );
    expect(breached.errors).toBeUndefined();
    expect(breached.data.recordCommitmentOutcome).toEqual({ status: 'BREACHED', publication: { status: 'PUBLISHED', severity: 'MINOR' } });
    expect(await auditedOperations(subject.uscc)).toEqual(expect.arrayContaining(['MakeCommitment', 'RecordCommitmentOutcome']));
  });
});
