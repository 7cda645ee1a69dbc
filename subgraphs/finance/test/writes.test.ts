// The finance sector platform's writes: validated field by field, idempotent, its own sector
// only, and the negative records' publication (payment arrears, overdue and defaulted loans) as
// the registry's states and the calendar decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, CREDIT_CHANGES_EXTENSION, makeUscc, type Caller } from '@credit-graph/contract';
import { seedUniverse, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank, testCaller, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { finance } from '../src/index.ts';
import type { LoanStatus, PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(40);
const PLATFORM: Caller = testCaller('SECTOR_PLATFORM', {
  sector: 'finance',
  institution: makeUscc('11', '410100', '00000102'),
  scopes: ['credit:read', writeScope('finance')],
});
const REGULATOR = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
const PUBLIC = testCaller('PUBLIC');
let subgraph: RunningSubgraph<PrismaClient>;

const PUBLICATION = 'publication { status severity publishedFrom publishedUntil repairableFrom reference }';
const RECORD_ARREARS = `mutation ($input: PaymentArrearsInput!, $key: String!) {
  recordPaymentArrears(input: $input, idempotencyKey: $key) {
    id kind amount since reportedOn severity reportedBy settled settledOn ${PUBLICATION}
  }
}`;
const SETTLE = `mutation ($id: ID!, $on: Date!, $key: String!) {
  recordArrearsSettled(arrearsId: $id, settledOn: $on, idempotencyKey: $key) { id settled settledOn ${PUBLICATION} }
}`;
const RECORD_TAX = `mutation ($input: TaxCreditLevelInput!, $key: String!) {
  recordTaxCreditLevel(input: $input, idempotencyKey: $key) { year level score }
}`;
const RECORD_LOAN = `mutation ($input: LoanOutcomeInput!, $key: String!) {
  recordLoanOutcome(input: $input, idempotencyKey: $key) {
    id status statusOn overdueDays severity delinquencyReportedOn ${PUBLICATION}
  }
}`;

/** A day `months` months and one more day before today: just past a window of that many months. */
function isoJustPast(months: number): string {
  const now = businessToday();
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate() - 1));
  return date.toISOString().slice(0, 10);
}

let keys = 0;
const key = (label: string) => `fin-test-${label}-${++keys}-${Math.random().toString(36).slice(2, 10)}`;

function arrears(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    kind: 'SOCIAL_INSURANCE',
    amount: 12.5,
    since: isoDaysAgo(90),
    reportedOn: isoDaysAgo(10),
    severity: 'GENERAL',
    reportedBy: '郑州市人力资源和社会保障局',
    ...overrides,
  };
}

async function write(query: string, variables: Record<string, unknown>, caller: Caller = PLATFORM) {
  return subgraphGraphql(subgraph.url, query, variables, caller);
}

const changesOf = (result: unknown) => (result as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION];

interface Seen {
  finance: {
    authorizedOn: string | null;
    currentTaxCreditLevel: string | null;
    arrears: { id: string; settled: boolean; publication: { status: string } }[];
    loans: { id: string; status: string; severity: string | null; publication: { status: string } | null }[];
  } | null;
  financeSignals: { grade: string | null; minorRecords: number; generalRecords: number; severeRecords: number };
}

async function seenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = []): Promise<Seen> {
  const query = entitiesQuery('Enterprise', `finance {
      authorizedOn currentTaxCreditLevel
      arrears { id settled publication { status } }
      loans { id status severity publication { status } }
    }
    financeSignals { grade minorRecords generalRecords severeRecords }`);
  const { data, errors } = await subgraphGraphql(subgraph.url, query, {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

async function signalsSeenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = []) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'financeSignals { grade minorRecords generalRecords severeRecords }'), {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0].financeSignals as Seen['financeSignals'];
}

const countArrears = () => subgraph.db.paymentArrears.count();

/** A loan on the platform in `status`, granted `grantedDaysAgo` days ago: the setup of the loan outcome tests. */
async function loanFixture(uscc: string, status: LoanStatus, grantedDaysAgo: number): Promise<string> {
  const product = await subgraph.db.financingProduct.findFirstOrThrow({ orderBy: { id: 'asc' } });
  const grantedOn = new Date(`${isoDaysAgo(grantedDaysAgo)}T00:00:00Z`);
  const id = `XYD-test-${++keys}`;
  await subgraph.db.financeProfile.upsert({ where: { uscc }, create: { uscc, authorizedOn: grantedOn }, update: {} });
  await subgraph.db.xinYiDaiLoan.create({
    data: {
      id,
      uscc,
      productId: product.id,
      bankName: product.bankName,
      bankUscc: product.bankUscc,
      productName: product.name,
      amount: 50,
      appliedOn: new Date(grantedOn.getTime() - 7 * 86_400_000),
      grantedOn,
      maturesOn: new Date(grantedOn.getTime() + 365 * 86_400_000),
      status,
      statusOn: grantedOn,
      overdueDays: 0,
    },
  });
  return id;
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(finance, universe.length);
});
afterAll(() => subgraph?.stop());

describe('finance writes', () => {
  const withFinance = universe.filter((enterprise) => enterprise.sectors.finance);
  // Enterprises the platform holds nothing on: the seeded ones without finance records, then
  // codes beyond the seeded universe.
  const seeded = new Set(universe.filter((enterprise) => enterprise.sectors.finance).map((enterprise) => enterprise.uscc));
  const withoutFinance = seedUniverse(80).filter((enterprise) => !seeded.has(enterprise.uscc));
  const uscc = withFinance[3]!.uscc;

  it('records payment arrears, published by its severity, with a reference and a change report', async () => {
    const signalsBefore = await signalsSeenBy(uscc, PUBLIC);
    const result = await write(RECORD_ARREARS, { input: arrears(uscc), key: key('arrears') });
    expect(result.errors).toBeUndefined();
    const recorded = result.data.recordPaymentArrears;
    expect(recorded).toMatchObject({ kind: 'SOCIAL_INSURANCE', amount: 12.5, severity: 'GENERAL', settled: false, settledOn: null });
    expect(recorded.publication).toMatchObject({ status: 'PUBLISHED', severity: 'GENERAL', publishedFrom: isoDaysAgo(10) });
    expect(recorded.publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'NEGATIVE_RECORD', source: 'finance', recordId: recorded.id })]);

    // A bank holding the enterprise's consent sees it; the public signals do not count it:
    // social insurance arrears are not published, only tax arrears are (欠税公告).
    const seen = await seenBy(uscc, testBank([uscc]));
    expect(seen.finance!.arrears.map((a) => a.id)).toContain(recorded.id);
    expect(seen.financeSignals).toEqual(signalsBefore);
  });

  it('records a tax credit level, creating the profile of an enterprise the platform did not know, and re-rates a year', async () => {
    const newcomer = withoutFinance[0]!.uscc;
    expect(await subgraph.db.financeProfile.count({ where: { uscc: newcomer } })).toBe(0);
    const year = businessToday().getUTCFullYear() - 1;
    const first = await write(RECORD_TAX, { input: { uscc: newcomer, year, level: 'B', score: 85 }, key: key('tax') });
    expect(first.errors).toBeUndefined();
    expect(first.data.recordTaxCreditLevel).toEqual({ year, level: 'B', score: 85 });
    expect(changesOf(first)).toEqual([expect.objectContaining({ uscc: newcomer, kind: 'SECTOR_RECORD', source: 'finance' })]);

    const seen = await seenBy(newcomer, REGULATOR);
    // No written authorization yet: the records are held all the same.
    expect(seen.finance).toMatchObject({ authorizedOn: null, currentTaxCreditLevel: 'B' });
    expect(seen.financeSignals).toEqual({ grade: 'B', minorRecords: 0, generalRecords: 0, severeRecords: 0 });

    const rerated = await write(RECORD_TAX, { input: { uscc: newcomer, year, level: 'A', score: 93 }, key: key('tax') });
    expect(rerated.data.recordTaxCreditLevel).toEqual({ year, level: 'A', score: 93 });
    expect(await subgraph.db.taxCreditRating.count({ where: { uscc: newcomer, year } })).toBe(1);
    expect((await signalsSeenBy(newcomer, PUBLIC)).grade).toBe('A');
    // A level worse than the score earns is the authority's call (a D assigned directly).
    const direct = await write(RECORD_TAX, { input: { uscc: newcomer, year: year - 1, level: 'D', score: 75 }, key: key('tax') });
    expect(direct.data.recordTaxCreditLevel).toEqual({ year: year - 1, level: 'D', score: 75 });
    // The grade is the latest year's level.
    expect((await signalsSeenBy(newcomer, PUBLIC)).grade).toBe('A');
  });

  it('marks arrears settled: the record stays and still counts until its window ends', async () => {
    const target = withoutFinance[1]!.uscc;
    const recorded = (await write(RECORD_ARREARS, { input: arrears(target, { kind: 'TAX', severity: 'SEVERE', reportedBy: '国家税务总局郑州市税务局' }), key: key('settle') })).data.recordPaymentArrears;
    const settleKey = key('settle');
    const settled = await write(SETTLE, { id: recorded.id, on: isoDaysAgo(2), key: settleKey });
    expect(settled.errors).toBeUndefined();
    expect(settled.data.recordArrearsSettled).toMatchObject({ id: recorded.id, settled: true, settledOn: isoDaysAgo(2), publication: { status: 'PUBLISHED' } });
    expect(changesOf(settled)).toEqual([expect.objectContaining({ uscc: target, kind: 'SECTOR_RECORD', recordId: recorded.id })]);

    const seen = await seenBy(target, testBank([target]));
    expect(seen.finance!.arrears).toEqual([{ id: recorded.id, settled: true, publication: { status: 'PUBLISHED' } }]);
    expect(seen.financeSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 1 });

    // Settled on another day: contradicts the record. Unknown arrears: a field error.
    const again = await write(SETTLE, { id: recorded.id, on: isoDaysAgo(1), key: key('settle') });
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    const unknown = await write(SETTLE, { id: 'pa_unknown', on: isoDaysAgo(1), key: key('settle') });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'arrearsId' });
    const early = await write(SETTLE, { id: recorded.id, on: isoDaysAgo(200), key: key('settle') });
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'settledOn' });
    expect((await subgraph.db.paymentArrears.findUniqueOrThrow({ where: { id: recorded.id } })).settledOn?.toISOString().slice(0, 10)).toBe(isoDaysAgo(2));
  });

  it('records loan outcomes: overdue loans become negative records whose severity only rises, and stay once repaid', async () => {
    const target = withoutFinance[2]!.uscc;
    const loanId = await loanFixture(target, 'DISBURSED', 200);
    const report = (status: string, daysAgo: number, overdueDays = 0) =>
      write(RECORD_LOAN, { input: { loanId, status, reportedOn: isoDaysAgo(daysAgo), overdueDays }, key: key('loan') });

    const overdue = await report('OVERDUE', 40, 10);
    expect(overdue.errors).toBeUndefined();
    expect(overdue.data.recordLoanOutcome).toMatchObject({
      status: 'OVERDUE', statusOn: isoDaysAgo(40), overdueDays: 10, severity: 'MINOR', delinquencyReportedOn: isoDaysAgo(40),
      publication: { status: 'PUBLISHED', severity: 'MINOR', publishedFrom: isoDaysAgo(40) },
    });
    expect(changesOf(overdue)).toEqual([expect.objectContaining({ uscc: target, kind: 'NEGATIVE_RECORD', source: 'finance', recordId: loanId })]);

    // 30 days on it is GENERAL: the window restarts from this report.
    const worse = await report('OVERDUE', 20, 30);
    expect(worse.data.recordLoanOutcome).toMatchObject({ severity: 'GENERAL', delinquencyReportedOn: isoDaysAgo(20) });
    expect(changesOf(worse)).toEqual([expect.objectContaining({ kind: 'NEGATIVE_RECORD' })]);
    // Fewer days after a partial payment: still overdue, the severity stays.
    const better = await report('OVERDUE', 10, 5);
    expect(better.data.recordLoanOutcome).toMatchObject({ overdueDays: 5, severity: 'GENERAL', delinquencyReportedOn: isoDaysAgo(20) });
    expect(changesOf(better)).toEqual([expect.objectContaining({ kind: 'SECTOR_RECORD' })]);

    const repaid = await report('REPAID', 5);
    expect(repaid.errors).toBeUndefined();
    expect(repaid.data.recordLoanOutcome).toMatchObject({
      status: 'REPAID', overdueDays: 0, severity: 'GENERAL', delinquencyReportedOn: isoDaysAgo(20), publication: { status: 'PUBLISHED' },
    });
    const seen = await seenBy(target, testBank([target]));
    expect(seen.finance!.loans).toEqual([{ id: loanId, status: 'REPAID', severity: 'GENERAL', publication: { status: 'PUBLISHED' } }]);
    // Loan delinquency is credit-reporting data: it never moves the public signals.
    expect(seen.financeSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 0 });

    // A repaid loan takes no further report; nothing changes.
    const after = await report('OVERDUE', 1, 3);
    expect(after.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    expect(await subgraph.db.xinYiDaiLoan.findUniqueOrThrow({ where: { id: loanId } })).toMatchObject({ status: 'REPAID', overdueDays: 0, severity: 'GENERAL' });
  });

  it('reports a default as SEVERE, and a loan never overdue without a publication', async () => {
    const target = withoutFinance[3]!.uscc;
    const defaulted = await loanFixture(target, 'DISBURSED', 400);
    const result = await write(RECORD_LOAN, { input: { loanId: defaulted, status: 'DEFAULTED', reportedOn: isoDaysAgo(3), overdueDays: 120 }, key: key('loan') });
    expect(result.data.recordLoanOutcome).toMatchObject({ status: 'DEFAULTED', severity: 'SEVERE', publication: { status: 'PUBLISHED', severity: 'SEVERE' } });

    const approved = await loanFixture(target, 'APPROVED', 20);
    const disbursed = await write(RECORD_LOAN, { input: { loanId: approved, status: 'DISBURSED', reportedOn: isoDaysAgo(15) }, key: key('loan') });
    expect(disbursed.errors).toBeUndefined();
    expect(disbursed.data.recordLoanOutcome).toMatchObject({ status: 'DISBURSED', severity: null, delinquencyReportedOn: null, publication: null });
    expect(changesOf(disbursed)).toEqual([expect.objectContaining({ kind: 'SECTOR_RECORD', recordId: approved })]);

    const seen = await seenBy(target, testBank([target]));
    expect(new Set(seen.finance!.loans.map((loan) => loan.id))).toEqual(new Set([defaulted, approved]));
    expect(seen.financeSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 0 });
  });

  it('returns the first record for a retried key, and refuses the key with other input', async () => {
    const input = arrears(uscc);
    const retryKey = key('retry');
    const before = await countArrears();
    const first = await write(RECORD_ARREARS, { input, key: retryKey });
    const retry = await write(RECORD_ARREARS, { input, key: retryKey });
    expect(retry.data.recordPaymentArrears.id).toBe(first.data.recordPaymentArrears.id);
    expect(await countArrears()).toBe(before + 1);
    // A retry reports the first write's changes again (nothing new happened): the gateway files them once per write.
    expect(changesOf(retry)).toEqual(changesOf(first));

    const reused = await write(RECORD_ARREARS, { input: { ...input, amount: 99 }, key: retryKey });
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countArrears()).toBe(before + 1);
  });

  it('stores one record when the same write arrives many times at once', async () => {
    const input = arrears(uscc);
    const concurrentKey = key('concurrent');
    const before = await countArrears();
    const results = await Promise.all(Array.from({ length: 6 }, () => write(RECORD_ARREARS, { input, key: concurrentKey })));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(new Set(results.map((r) => r.data?.recordPaymentArrears?.id)).size).toBe(1);
    expect(await countArrears()).toBe(before + 1);
  });

  it.each([
    ['a reporting day in the future', { reportedOn: isoDaysAgo(-2) }, 'input.reportedOn'],
    ['a first unpaid day in the future', { since: isoDaysAgo(-1), reportedOn: isoDaysAgo(0) }, 'input.since'],
    ['a negative amount', { amount: -1 }, 'input.amount'],
    ['a report before the first unpaid day', { since: isoDaysAgo(5), reportedOn: isoDaysAgo(9) }, 'input.reportedOn'],
    ['an empty reporter', { reportedBy: '  ' }, 'input.reportedBy'],
  ])('refuses arrears with %s with a field-level error and stores nothing', async (_label, overrides, field) => {
    const before = await countArrears();
    const result = await write(RECORD_ARREARS, { input: arrears(uscc, overrides), key: key('bad') });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await countArrears()).toBe(before);
  });

  it.each([
    ['a score above 100', { score: 101 }, 'input.score'],
    ['a level better than the score earns', { level: 'A', score: 85 }, 'input.level'],
    ['a year not rated yet', { year: businessToday().getUTCFullYear() }, 'input.year'],
    ['a year before the scheme', { year: 2010 }, 'input.year'],
  ])('refuses a tax credit level with %s, storing nothing', async (_label, overrides, field) => {
    const target = withoutFinance[4]!.uscc;
    const result = await write(RECORD_TAX, { input: { uscc: target, year: 2024, level: 'B', score: 80, ...overrides }, key: key('bad-tax') });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await subgraph.db.taxCreditRating.count({ where: { uscc: target } })).toBe(0);
    expect(await subgraph.db.financeProfile.count({ where: { uscc: target } })).toBe(0);
  });

  it.each([
    ['an unknown loan', { loanId: 'XYD-nope' }, 'input.loanId'],
    ['a status banks do not report', { status: 'APPROVED', overdueDays: 0 }, 'input.status'],
    ['an overdue loan without overdue days', { overdueDays: 0 }, 'input.overdueDays'],
    ['negative overdue days', { overdueDays: -3 }, 'input.overdueDays'],
    ['a report in the future', { reportedOn: isoDaysAgo(-1) }, 'input.reportedOn'],
    ['a report before the grant', { reportedOn: isoDaysAgo(70) }, 'input.reportedOn'],
    ['a first missed payment before the grant', { overdueDays: 90 }, 'input.overdueDays'],
  ])('refuses a loan outcome with %s, changing nothing', async (_label, overrides, field) => {
    const target = withoutFinance[5]!.uscc;
    const loanId = await loanFixture(target, 'DISBURSED', 60);
    const result = await write(RECORD_LOAN, { input: { loanId, status: 'OVERDUE', reportedOn: isoDaysAgo(2), overdueDays: 10, ...overrides }, key: key('bad-loan') });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await subgraph.db.xinYiDaiLoan.findUniqueOrThrow({ where: { id: loanId } })).toMatchObject({ status: 'DISBURSED', overdueDays: 0, severity: null });
  });

  it('refuses a wrong enum and a malformed code before any resolver runs', async () => {
    const before = await countArrears();
    const badEnum = await write(RECORD_ARREARS, { input: arrears(uscc, { kind: 'RENT' }), key: key('bad-enum') });
    expect(badEnum.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badUscc = await write(RECORD_ARREARS, { input: arrears('91410100MA44XWJ01X'), key: key('bad-uscc') });
    expect(badUscc.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await countArrears()).toBe(before);
  });

  it.each<[string, Caller]>([
    ['another sector platform', testCaller('SECTOR_PLATFORM', { sector: 'environment', scopes: ['credit:read', writeScope('environment')] })],
    ['a platform without the write scope', { ...PLATFORM, scopes: ['credit:read'] }],
    ['a bank', testBank([uscc])],
    ['a regulator', REGULATOR],
  ])('refuses %s, storing nothing', async (_label, caller) => {
    const before = await countArrears();
    const result = await write(RECORD_ARREARS, { input: arrears(uscc), key: key('forbidden') }, caller);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await countArrears()).toBe(before);
    // Every finance write is the platform's alone: a bank reports loan outcomes through it.
    const loan = await write(RECORD_LOAN, { input: { loanId: 'XYD-any', status: 'REPAID', reportedOn: isoDaysAgo(1) }, key: key('forbidden') }, caller);
    expect(loan.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tax = await write(RECORD_TAX, { input: { uscc, year: 2024, level: 'D', score: 10 }, key: key('forbidden') }, caller);
    expect(tax.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows records under objection as marked, hides revoked ones from everyone and expired ones from all but regulators', async () => {
    const target = withoutFinance[6]!.uscc;
    const record = async (overrides: Record<string, unknown>) =>
      (await write(RECORD_ARREARS, { input: arrears(target, { kind: 'TAX', ...overrides }), key: key('states') })).data.recordPaymentArrears.id as string;
    const disputed = await record({ severity: 'MINOR' });
    const revoked = await record({ severity: 'SEVERE' });
    const published = await record({ severity: 'SEVERE' });
    // Decided just past each severity's window: 3, 12 and 36 months.
    const expired = {
      MINOR: await record({ severity: 'MINOR', since: isoJustPast(4), reportedOn: isoJustPast(3) }),
      GENERAL: await record({ severity: 'GENERAL', since: isoJustPast(13), reportedOn: isoJustPast(12) }),
      SEVERE: await record({ severity: 'SEVERE', since: isoJustPast(37), reportedOn: isoJustPast(36) }),
    };
    // A delinquent loan, revoked after an objection: gone for everyone.
    const revokedLoan = await loanFixture(target, 'DISBURSED', 100);
    expect((await write(RECORD_LOAN, { input: { loanId: revokedLoan, status: 'OVERDUE', reportedOn: isoDaysAgo(5), overdueDays: 40 }, key: key('states') })).errors).toBeUndefined();
    const states = [
      { key: `finance:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `finance:${revoked}`, state: 'REVOKED' },
      { key: `finance:${revokedLoan}`, state: 'REVOKED' },
    ];
    const statusById = (seen: Seen) => Object.fromEntries(seen.finance!.arrears.map((a) => [a.id, a.publication.status]));

    const bankView = await seenBy(target, testBank([target]), states);
    const bankStatuses = statusById(bankView);
    expect(bankStatuses[disputed]).toBe('UNDER_OBJECTION');
    expect(bankStatuses[published]).toBe('PUBLISHED');
    expect(bankStatuses[revoked]).toBeUndefined();
    for (const id of Object.values(expired)) expect(bankStatuses[id]).toBeUndefined();
    expect(bankView.finance!.loans.map((loan) => loan.id)).not.toContain(revokedLoan);

    const regulatorView = await seenBy(target, REGULATOR, states);
    const regulatorStatuses = statusById(regulatorView);
    for (const id of Object.values(expired)) expect(regulatorStatuses[id]).toBe('EXPIRED');
    expect(regulatorStatuses[revoked]).toBeUndefined();
    expect(regulatorView.finance!.loans.map((loan) => loan.id)).not.toContain(revokedLoan);

    // The signals count what is published (the disputed one included), whoever asks.
    const counted = { grade: null, minorRecords: 1, generalRecords: 0, severeRecords: 1 };
    expect(regulatorView.financeSignals).toEqual(counted);
    expect(await signalsSeenBy(target, PUBLIC, states)).toEqual(counted);
    // Without the registry's states the revoked records would count: the states decide.
    expect(await signalsSeenBy(target, PUBLIC)).toEqual({ grade: null, minorRecords: 1, generalRecords: 0, severeRecords: 2 });
  });
});
