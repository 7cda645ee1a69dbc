// The trade sector platform's writes: validated field by field, idempotent, its own sector
// only, and the declaration violations' publication as the registry's states and the calendar
// decide; the sector's signals for the evaluation count only what is published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, CREDIT_CHANGES_EXTENSION, makeUscc, type Caller, type Severity } from '@credit-graph/contract';
import { addMonths, publicationWindow, seedUniverse, SHOWCASE, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank, testCaller, type GraphQLResponse, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { trade } from '../src/index.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(40);
/** Enterprises customs knows (seeded with a record) and ones it does not (no trade profile yet). */
const traders = universe.filter((enterprise) => enterprise.sectors.trade);
const newcomers = universe.filter((enterprise) => !enterprise.sectors.trade);
const PLATFORM: Caller = testCaller('SECTOR_PLATFORM', {
  sector: 'trade',
  institution: makeUscc('11', '410100', '00000201'),
  scopes: ['credit:read', writeScope('trade')],
});
const REGULATOR = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
const PUBLIC = testCaller('PUBLIC');
let subgraph: RunningSubgraph<PrismaClient>;

const RECORD_VIOLATION = `mutation ($input: DeclarationViolationInput!, $key: String!) {
  recordDeclarationViolation(input: $input, idempotencyKey: $key) {
    id decisionNumber declarationNumber occurredOn decidedOn kind description penaltyAmount severity
    publication { status severity publishedFrom publishedUntil repairableFrom reference }
  }
}`;
const RECORD_CATEGORY = `mutation ($input: CustomsCategoryChangeInput!, $key: String!) {
  recordCustomsCategoryChange(input: $input, idempotencyKey: $key) {
    customsCode category since aeoCertificateNumber history { category from to reason }
  }
}`;
const RECORD_INVESTMENT = `mutation ($input: InvestmentFilingInput!, $key: String!) {
  recordInvestmentFiling(input: $input, idempotencyKey: $key) {
    id direction country countryName amount sector filedOn negativeListCheck approvalNumber
  }
}`;

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function randomDigits(count: number): string {
  return Array.from({ length: count }, () => Math.floor(Math.random() * 10)).join('');
}

let keys = 0;
/** A fresh idempotency key. */
function key(label: string): string {
  return `trade-${label}-${++keys}-${randomDigits(6)}`;
}

function violation(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    decisionNumber: `郑关缉违字〔2026〕${randomDigits(9)}号`,
    declarationNumber: `460020261${randomDigits(9)}`,
    kind: 'MISDECLARED_VALUE',
    occurredOn: isoDaysAgo(40),
    decidedOn: isoDaysAgo(10),
    description: '进口货物申报价格低于实际成交价格，影响国家税款征收 (test)',
    penaltyAmount: 12.5,
    severity: 'GENERAL',
    ...overrides,
  };
}

function categoryChange(uscc: string, category: string, overrides: Record<string, unknown> = {}) {
  return { uscc, category, effectiveOn: isoDaysAgo(3), reason: '有走私行为，认定为失信企业 (test)', ...overrides };
}

function investment(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    direction: 'OUTBOUND',
    country: 'VN',
    countryName: '越南',
    amount: 850.5,
    sector: '制造业',
    filedOn: isoDaysAgo(15),
    negativeListCheck: 'PERMITTED',
    approvalNumber: `境外投资证第N41002026${randomDigits(5)}号`,
    ...overrides,
  };
}

type Response = GraphQLResponse<any> & { extensions?: Record<string, unknown> };

const write = (query: string, input: Record<string, unknown>, idempotencyKey: string, caller: Caller = PLATFORM): Promise<Response> =>
  subgraphGraphql(subgraph.url, query, { input, key: idempotencyKey }, caller);

const ENTERPRISE = `uscc
  trade {
    customsCredit { customsCode category since aeoCertificateNumber history { category from to reason } }
    declarationViolations { id decisionNumber declarationNumber occurredOn decidedOn severity publication { status } }
  }
  tradeSignals { grade minorRecords generalRecords severeRecords }`;

async function enterpriseSeenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = [], selection = ENTERPRISE) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', selection), {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

/** Every table a write may touch: a refused write must leave them all as they were. */
async function counts() {
  const db = subgraph.db;
  const [credits, history, violations, investments, idempotencyKeys] = await Promise.all([
    db.customsCredit.count(),
    db.customsCreditChange.count(),
    db.declarationViolation.count(),
    db.crossBorderInvestment.count(),
    db.idempotencyKey.count(),
  ]);
  return { credits, history, violations, investments, idempotencyKeys };
}

function changesOf(result: Response) {
  return result.extensions?.[CREDIT_CHANGES_EXTENSION];
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(trade, universe.length);
});
afterAll(() => subgraph?.stop());

describe('trade writes', () => {
  it('records a declaration violation, published by its severity, with a reference and a change report', async () => {
    const uscc = traders[2]!.uscc;
    const input = violation(uscc);
    const result = await write(RECORD_VIOLATION, input, key('violation'));
    expect(result.errors).toBeUndefined();
    const recorded = result.data.recordDeclarationViolation;
    expect(recorded).toMatchObject({
      decisionNumber: input.decisionNumber,
      declarationNumber: input.declarationNumber,
      occurredOn: input.occurredOn,
      decidedOn: input.decidedOn,
      kind: 'MISDECLARED_VALUE',
      penaltyAmount: 12.5,
      severity: 'GENERAL',
    });
    expect(recorded.publication).toMatchObject({ status: 'PUBLISHED', severity: 'GENERAL', publishedFrom: input.decidedOn });
    expect(recorded.publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'NEGATIVE_RECORD', source: 'trade', recordId: recorded.id })]);

    const seen = await enterpriseSeenBy(uscc, PUBLIC);
    const read = seen.trade.declarationViolations.find((v: { id: string }) => v.id === recorded.id);
    expect(read).toMatchObject({ decisionNumber: input.decisionNumber, declarationNumber: input.declarationNumber, occurredOn: input.occurredOn, publication: { status: 'PUBLISHED' } });
    expect(seen.tradeSignals.generalRecords).toBeGreaterThanOrEqual(1);
  });

  it('records a customs category change: the current period ends the day before, the history keeps the grounds', async () => {
    const uscc = traders[3]!.uscc;
    const before = (await enterpriseSeenBy(uscc, PUBLIC)).trade.customsCredit;
    const category = before.category === 'DISHONEST' ? 'ROUTINE' : 'DISHONEST';
    const input = categoryChange(uscc, category);
    const result = await write(RECORD_CATEGORY, input, key('category'));
    expect(result.errors).toBeUndefined();
    const credit = result.data.recordCustomsCategoryChange;
    expect(credit).toMatchObject({ customsCode: before.customsCode, category, since: input.effectiveOn, aeoCertificateNumber: null });
    expect(credit.history).toHaveLength(before.history.length + 1);
    expect(credit.history[0]).toEqual({ category, from: input.effectiveOn, to: null, reason: input.reason });
    expect(credit.history[1]).toMatchObject({ category: before.category, from: before.since, to: isoDaysAgo(4) });
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'trade' })]);

    const seen = await enterpriseSeenBy(uscc, PUBLIC);
    expect(seen.trade.customsCredit).toEqual(credit);
    expect(seen.tradeSignals.grade).toBe(category);
    const list = await subgraphGraphql(subgraph.url, `query ($c: CustomsCreditCategory!) { customsCreditList(category: $c, first: 100) { edges { node { enterprise { uscc } since } } } }`, { c: category });
    expect(list.data.customsCreditList.edges.map((e: { node: { enterprise: { uscc: string } } }) => e.node.enterprise.uscc)).toContain(uscc);

    // Certified as an AEO today: the certificate number follows from the customs code.
    const certified = await write(RECORD_CATEGORY, categoryChange(uscc, 'ADVANCED_CERTIFIED', { effectiveOn: isoDaysAgo(0), reason: '经海关认证，符合高级认证企业标准' }), key('aeo'));
    expect(certified.errors).toBeUndefined();
    expect(certified.data.recordCustomsCategoryChange).toMatchObject({
      category: 'ADVANCED_CERTIFIED',
      since: isoDaysAgo(0),
      aeoCertificateNumber: `AEOCN${before.customsCode}`,
    });
    expect(certified.data.recordCustomsCategoryChange.history[1]).toMatchObject({ category, from: input.effectiveOn, to: isoDaysAgo(1) });
  });

  it('records a cross-border investment filing, read back as non-public credit data', async () => {
    const uscc = traders[4]!.uscc;
    const input = investment(uscc);
    const result = await write(RECORD_INVESTMENT, input, key('investment'));
    expect(result.errors).toBeUndefined();
    const recorded = result.data.recordInvestmentFiling;
    const { uscc: _uscc, ...fields } = input;
    expect(recorded).toMatchObject(fields);
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'trade', recordId: recorded.id })]);

    const seen = await enterpriseSeenBy(uscc, REGULATOR, [], 'trade { investments { id country amount filedOn negativeListCheck approvalNumber } }');
    expect(seen.trade.investments).toContainEqual({
      id: recorded.id, country: 'VN', amount: 850.5, filedOn: input.filedOn, negativeListCheck: 'PERMITTED', approvalNumber: input.approvalNumber,
    });

    // A rejected inbound filing: no number, and still a filing on record (not a negative record).
    const rejected = await write(RECORD_INVESTMENT, investment(uscc, { direction: 'INBOUND', country: 'HK', countryName: '中国香港', negativeListCheck: 'PROHIBITED_REJECTED', approvalNumber: null }), key('rejected'));
    expect(rejected.errors).toBeUndefined();
    expect(rejected.data.recordInvestmentFiling).toMatchObject({ direction: 'INBOUND', negativeListCheck: 'PROHIBITED_REJECTED', approvalNumber: null });
    expect(changesOf(rejected)).toEqual([expect.objectContaining({ kind: 'SECTOR_RECORD' })]);
  });

  it('gives an enterprise customs holds no record of a record of its own in the same write, once it names its customs code', async () => {
    const uscc = newcomers[3]!.uscc;
    expect(await enterpriseSeenBy(uscc, PUBLIC)).toEqual({ uscc, trade: null, tradeSignals: { grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 0 } });

    const before = await counts();
    const nameless = await write(RECORD_VIOLATION, violation(uscc), key('nameless'));
    expect(nameless.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.customsCode' });
    expect(await counts()).toEqual(before);

    const input = violation(uscc, { customsCode: '4101912345', severity: 'MINOR', kind: 'LATE_DECLARATION' });
    const result = await write(RECORD_VIOLATION, input, key('first-record'));
    expect(result.errors).toBeUndefined();
    expect(await counts()).toMatchObject({ credits: before.credits + 1, history: before.history + 1, violations: before.violations + 1 });
    const seen = await enterpriseSeenBy(uscc, PUBLIC);
    expect(seen.trade.customsCredit).toMatchObject({
      customsCode: '4101912345',
      category: 'ROUTINE',
      since: input.occurredOn,
      aeoCertificateNumber: null,
      history: [{ category: 'ROUTINE', from: input.occurredOn, to: null, reason: expect.any(String) }],
    });
    expect(seen.trade.declarationViolations.map((v: { id: string }) => v.id)).toEqual([result.data.recordDeclarationViolation.id]);
    expect(seen.tradeSignals).toEqual({ grade: 'ROUTINE', minorRecords: 1, generalRecords: 0, severeRecords: 0 });

    // Once on record, the code may be left out; another code is refused.
    const filed = await write(RECORD_INVESTMENT, investment(uscc), key('later-filing'));
    expect(filed.errors).toBeUndefined();
    const mismatch = await write(RECORD_INVESTMENT, investment(uscc, { customsCode: '4101900000' }), key('mismatch'));
    expect(mismatch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.customsCode' });
  });

  it('starts a newcomer in the category its first category change gives', async () => {
    const uscc = newcomers[4]!.uscc;
    const input = categoryChange(uscc, 'ADVANCED_CERTIFIED', { customsCode: '410152A001', reason: '经海关认证，符合高级认证企业标准' });
    const result = await write(RECORD_CATEGORY, input, key('newcomer-aeo'));
    expect(result.errors).toBeUndefined();
    expect(result.data.recordCustomsCategoryChange).toEqual({
      customsCode: '410152A001',
      category: 'ADVANCED_CERTIFIED',
      since: input.effectiveOn,
      aeoCertificateNumber: 'AEOCN410152A001',
      history: [{ category: 'ADVANCED_CERTIFIED', from: input.effectiveOn, to: null, reason: input.reason }],
    });
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'trade' })]);
  });

  it('returns the first record for a retried key, and refuses the key with other input', async () => {
    const uscc = traders[2]!.uscc;
    const input = violation(uscc);
    const idempotencyKey = key('retry');
    const before = await counts();
    const first = await write(RECORD_VIOLATION, input, idempotencyKey);
    const retry = await write(RECORD_VIOLATION, input, idempotencyKey);
    expect(retry.data.recordDeclarationViolation.id).toBe(first.data.recordDeclarationViolation.id);
    expect((await counts()).violations).toBe(before.violations + 1);
    // A retry reports the first write's changes again (nothing new happened): the gateway files them once per write.
    expect(changesOf(retry)).toEqual(changesOf(first));

    const reused = await write(RECORD_VIOLATION, { ...input, penaltyAmount: 99 }, idempotencyKey);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The key is bound to its operation too.
    const otherOperation = await write(RECORD_INVESTMENT, investment(uscc), idempotencyKey);
    expect(otherOperation.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await counts()).toEqual({ ...before, violations: before.violations + 1, idempotencyKeys: before.idempotencyKeys + 1 });
  });

  it('does not repeat a category change or a filing on retry', async () => {
    const uscc = traders[5]!.uscc;
    const current = (await enterpriseSeenBy(uscc, PUBLIC)).trade.customsCredit.category;
    const change = categoryChange(uscc, current === 'ROUTINE' ? 'DISHONEST' : 'ROUTINE');
    const changeKey = key('retry-category');
    const before = await counts();
    const first = await write(RECORD_CATEGORY, change, changeKey);
    const retry = await write(RECORD_CATEGORY, change, changeKey);
    expect(first.errors).toBeUndefined();
    expect(retry.data.recordCustomsCategoryChange).toEqual(first.data.recordCustomsCategoryChange);
    expect(changesOf(retry)).toEqual(changesOf(first)); // reported again: the gateway files them once per write
    const reused = await write(RECORD_CATEGORY, { ...change, reason: '另一理由' }, changeKey);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const filing = investment(uscc);
    const filingKey = key('retry-filing');
    const filed = await write(RECORD_INVESTMENT, filing, filingKey);
    const refiled = await write(RECORD_INVESTMENT, filing, filingKey);
    expect(refiled.data.recordInvestmentFiling.id).toBe(filed.data.recordInvestmentFiling.id);
    expect(await counts()).toEqual({
      ...before,
      history: before.history + 1,
      investments: before.investments + 1,
      idempotencyKeys: before.idempotencyKeys + 2,
    });
  });

  it('stores one record when the same write arrives many times at once', async () => {
    const input = violation(traders[2]!.uscc);
    const idempotencyKey = key('concurrent');
    const before = await counts();
    const results = await Promise.all(Array.from({ length: 6 }, () => write(RECORD_VIOLATION, input, idempotencyKey)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(new Set(results.map((r) => r.data?.recordDeclarationViolation?.id)).size).toBe(1);
    expect((await counts()).violations).toBe(before.violations + 1);
  });

  it('stores one category period when the same change arrives many times at once', async () => {
    const uscc = traders[0]!.uscc;
    const change = categoryChange(uscc, 'ROUTINE', { reason: '海关重新认证未达到高级认证企业标准 (test)' });
    const idempotencyKey = key('concurrent-category');
    const before = await counts();
    const results = await Promise.all(Array.from({ length: 6 }, () => write(RECORD_CATEGORY, change, idempotencyKey)));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect((await counts()).history).toBe(before.history + 1);
    expect((await enterpriseSeenBy(uscc, PUBLIC)).trade.customsCredit).toMatchObject({ category: 'ROUTINE', aeoCertificateNumber: null });
  });

  it('creates one customs record when first writes about a newcomer arrive at once under different keys', async () => {
    const uscc = newcomers[5]!.uscc;
    const before = await counts();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, n) => write(RECORD_INVESTMENT, investment(uscc, { customsCode: '4101955555', amount: 100 + n }), key(`first-filings-${n}`))),
    );
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(await counts()).toMatchObject({ credits: before.credits + 1, history: before.history + 1, investments: before.investments + 4 });
  });

  describe('refuses invalid input with a field-level error, storing nothing', () => {
    const uscc = traders[2]!.uscc;
    const seededRisky = universe[SHOWCASE.RISKY_SUPPLIER]!.uscc;
    it.each<[string, string, () => Promise<Record<string, unknown>>, string]>([
      ['a decision date in the future', RECORD_VIOLATION, async () => violation(uscc, { decidedOn: isoDaysAgo(-2) }), 'input.decidedOn'],
      ['an occurrence in the future', RECORD_VIOLATION, async () => violation(uscc, { occurredOn: isoDaysAgo(-1), decidedOn: isoDaysAgo(0) }), 'input.occurredOn'],
      ['a negative fine', RECORD_VIOLATION, async () => violation(uscc, { penaltyAmount: -1 }), 'input.penaltyAmount'],
      ['a decision before the violation', RECORD_VIOLATION, async () => violation(uscc, { occurredOn: isoDaysAgo(5), decidedOn: isoDaysAgo(9) }), 'input.decidedOn'],
      ['an empty description', RECORD_VIOLATION, async () => violation(uscc, { description: '  ' }), 'input.description'],
      ['an empty decision number', RECORD_VIOLATION, async () => violation(uscc, { decisionNumber: '' }), 'input.decisionNumber'],
      ['a malformed declaration number', RECORD_VIOLATION, async () => violation(uscc, { declarationNumber: '4600-2026-1' }), 'input.declarationNumber'],
      ['a malformed customs code', RECORD_VIOLATION, async () => violation(uscc, { customsCode: '41-019' }), 'input.customsCode'],
      ['a decision number already recorded', RECORD_VIOLATION, async () => {
        const seeded = await subgraph.db.declarationViolation.findFirstOrThrow({ where: { uscc: seededRisky } });
        return violation(uscc, { decisionNumber: seeded.decisionNumber });
      }, 'input.decisionNumber'],
      ['a category change in the future', RECORD_CATEGORY, async () => categoryChange(uscc, 'DISHONEST', { effectiveOn: isoDaysAgo(-1) }), 'input.effectiveOn'],
      ['a category change without grounds', RECORD_CATEGORY, async () => categoryChange(uscc, 'DISHONEST', { reason: ' ' }), 'input.reason'],
      ['a change to the current category', RECORD_CATEGORY, async () => categoryChange(seededRisky, 'DISHONEST'), 'input.category'],
      ['a change dated before the current category began', RECORD_CATEGORY, async () => {
        const credit = await subgraph.db.customsCredit.findUniqueOrThrow({ where: { uscc: seededRisky } });
        return categoryChange(seededRisky, 'ROUTINE', { effectiveOn: isoDate(credit.since) });
      }, 'input.effectiveOn'],
      ['a category change for a newcomer without its customs code', RECORD_CATEGORY, async () => categoryChange(newcomers[6]!.uscc, 'ROUTINE'), 'input.customsCode'],
      ['a negative investment', RECORD_INVESTMENT, async () => investment(uscc, { amount: -0.01 }), 'input.amount'],
      ['a filing in the future', RECORD_INVESTMENT, async () => investment(uscc, { filedOn: isoDaysAgo(-3) }), 'input.filedOn'],
      ['a country that is not an ISO code', RECORD_INVESTMENT, async () => investment(uscc, { country: 'VNM' }), 'input.country'],
      ['an empty country name', RECORD_INVESTMENT, async () => investment(uscc, { countryName: '' }), 'input.countryName'],
      ['an industry outside GB/T 4754', RECORD_INVESTMENT, async () => investment(uscc, { sector: '钢铁' }), 'input.sector'],
      ['a number on a rejected filing', RECORD_INVESTMENT, async () => investment(uscc, { negativeListCheck: 'PROHIBITED_REJECTED' }), 'input.approvalNumber'],
      ['an outbound filing without its certificate', RECORD_INVESTMENT, async () => investment(uscc, { approvalNumber: null }), 'input.approvalNumber'],
      ['an investment for a newcomer without its customs code', RECORD_INVESTMENT, async () => investment(newcomers[6]!.uscc), 'input.customsCode'],
    ])('%s', async (_label, query, input, field) => {
      const variables = await input();
      const before = await counts();
      const result = await write(query, variables, key('bad'));
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await counts()).toEqual(before);
    });

    it.each<[string, string, (over: Record<string, unknown>) => Record<string, unknown>, Record<string, unknown>]>([
      ['recordDeclarationViolation', RECORD_VIOLATION, (over) => violation(uscc, over), { kind: 'LITTERING' }],
      ['recordCustomsCategoryChange', RECORD_CATEGORY, (over) => categoryChange(uscc, 'DISHONEST', over), { category: 'TRUSTED' }],
      ['recordInvestmentFiling', RECORD_INVESTMENT, (over) => investment(uscc, over), { direction: 'SIDEWAYS' }],
    ])('%s: a wrong enum and a malformed code, before any resolver runs', async (_name, query, input, badEnum) => {
      const before = await counts();
      const wrongEnum = await write(query, input(badEnum), key('bad-enum'));
      expect(wrongEnum.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const badUscc = await write(query, input({ uscc: '91410100MA44XWJ01X' }), key('bad-uscc'));
      expect(badUscc.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const badKey = await write(query, input({}), 'short');
      expect(badKey.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
      expect(await counts()).toEqual(before);
    });
  });

  describe('refuses every caller but the trade platform with its write scope, storing nothing', () => {
    const uscc = traders[2]!.uscc;
    const writes: [string, string, () => Record<string, unknown>][] = [
      ['recordDeclarationViolation', RECORD_VIOLATION, () => violation(uscc)],
      ['recordCustomsCategoryChange', RECORD_CATEGORY, () => categoryChange(uscc, 'SEVERELY_DISHONEST')],
      ['recordInvestmentFiling', RECORD_INVESTMENT, () => investment(uscc)],
    ];
    const callers: [string, Caller][] = [
      ['another sector platform', testCaller('SECTOR_PLATFORM', { sector: 'environment', scopes: ['credit:read', writeScope('environment')] })],
      ['a platform without the write scope', { ...PLATFORM, scopes: ['credit:read'] }],
      ['a bank', testBank([uscc])],
      ['a regulator', REGULATOR],
      ['the public', PUBLIC],
    ];
    it.each(writes.flatMap(([name, query, input]) => callers.map(([label, caller]) => [name, label, query, input, caller] as const)))(
      '%s by %s',
      async (_name, _label, query, input, caller) => {
        const before = await counts();
        const result = await write(query, input(), key('forbidden'), caller);
        expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(result.data?.[_name] ?? null).toBeNull();
        expect(await counts()).toEqual(before);
      },
    );
  });
});

describe('publication of declaration violations', () => {
  const target = newcomers[7]!.uscc;
  const ids: Record<string, string> = {};
  const WINDOW_MONTHS: Record<Severity, number> = { MINOR: 3, GENERAL: 12, SEVERE: 36 };

  /** The earliest decision day still in view today: the record's last day in public view is today. */
  function lastDayInView(severity: Severity): Date {
    let decidedOn = addMonths(businessToday(), -WINDOW_MONTHS[severity]);
    while (publicationWindow(severity, decidedOn).publishedUntil < businessToday()) decidedOn = new Date(decidedOn.getTime() + 86_400_000);
    return decidedOn;
  }

  const record = async (name: string, overrides: Record<string, unknown>) => {
    const result = await write(RECORD_VIOLATION, violation(target, { customsCode: '4101977777', ...overrides }), key(`states-${name}`));
    expect(result.errors).toBeUndefined();
    ids[name] = result.data.recordDeclarationViolation.id;
  };
  const states = () => [
    { key: `trade:${ids.disputed}`, state: 'UNDER_OBJECTION' },
    { key: `trade:${ids.revoked}`, state: 'REVOKED' },
    { key: `trade:${ids.repaired}`, state: 'REPAIRED' },
    // Another sector's record with the same id is not this one.
    { key: `environment:${ids.published}`, state: 'REVOKED' },
  ];
  const statusById = (seen: { trade: { declarationViolations: { id: string; publication: { status: string } }[] } }) =>
    Object.fromEntries(seen.trade.declarationViolations.map((v) => [v.id, v.publication.status]));

  beforeAll(async () => {
    await record('published', { severity: 'GENERAL' });
    await record('disputed', { severity: 'GENERAL' });
    await record('revoked', { severity: 'SEVERE' });
    await record('repaired', { severity: 'MINOR' });
    for (const severity of ['MINOR', 'GENERAL', 'SEVERE'] as const) {
      const inView = lastDayInView(severity);
      // Decided the day before the last one still in view: its window ended yesterday.
      const expired = new Date(inView.getTime() - 86_400_000);
      await record(`lastDay-${severity}`, { severity, occurredOn: isoDate(inView), decidedOn: isoDate(inView) });
      await record(`expired-${severity}`, { severity, occurredOn: isoDate(expired), decidedOn: isoDate(expired) });
      // The expired record was decided just past its window's months.
      const monthsBack = addMonths(businessToday(), -WINDOW_MONTHS[severity]);
      expect(Math.abs(expired.getTime() - monthsBack.getTime())).toBeLessThanOrEqual(3 * 86_400_000);
    }
  });

  it('marks a record under objection, hides a revoked one from everyone and archived ones from the public', async () => {
    const publicView = statusById(await enterpriseSeenBy(target, PUBLIC, states()));
    expect(publicView[ids.published!]).toBe('PUBLISHED');
    expect(publicView[ids.disputed!]).toBe('UNDER_OBJECTION');
    expect(publicView[ids.revoked!]).toBeUndefined();
    expect(publicView[ids.repaired!]).toBeUndefined();
    for (const severity of ['MINOR', 'GENERAL', 'SEVERE']) {
      expect(publicView[ids[`lastDay-${severity}`]!]).toBe('PUBLISHED');
      expect(publicView[ids[`expired-${severity}`]!]).toBeUndefined();
    }

    const regulatorView = statusById(await enterpriseSeenBy(target, REGULATOR, states()));
    expect(regulatorView[ids.disputed!]).toBe('UNDER_OBJECTION');
    expect(regulatorView[ids.revoked!]).toBeUndefined();
    expect(regulatorView[ids.repaired!]).toBe('REPAIRED');
    for (const severity of ['MINOR', 'GENERAL', 'SEVERE']) {
      expect(regulatorView[ids[`lastDay-${severity}`]!]).toBe('PUBLISHED');
      expect(regulatorView[ids[`expired-${severity}`]!]).toBe('EXPIRED');
    }
  });

  it('counts only published records (under objection included) in the signals, whoever asks', async () => {
    // Published: the GENERAL one, the disputed GENERAL one and each severity's last day in view.
    const expected = { grade: 'ROUTINE', minorRecords: 1, generalRecords: 3, severeRecords: 1 };
    expect((await enterpriseSeenBy(target, PUBLIC, states())).tradeSignals).toEqual(expected);
    expect((await enterpriseSeenBy(target, REGULATOR, states())).tradeSignals).toEqual(expected);
    // Without the registry's states, the revoked SEVERE and repaired MINOR records count again.
    expect((await enterpriseSeenBy(target, PUBLIC)).tradeSignals).toEqual({ grade: 'ROUTINE', minorRecords: 2, generalRecords: 3, severeRecords: 2 });
  });
});

describe('trade signals and seeded records', () => {
  it('grades by the current customs category, null for an enterprise customs does not know', async () => {
    const model = await enterpriseSeenBy(universe[SHOWCASE.MODEL_GROUP]!.uscc, PUBLIC, [], 'tradeSignals { grade minorRecords generalRecords severeRecords }');
    // The model group may have been re-assessed by a test above; its signals have no records either way.
    expect(model.tradeSignals).toMatchObject({ minorRecords: 0, generalRecords: 0, severeRecords: 0 });
    const risky = await enterpriseSeenBy(universe[SHOWCASE.RISKY_SUPPLIER]!.uscc, PUBLIC, [], 'tradeSignals { grade severeRecords }');
    expect(risky.tradeSignals.grade).toBe('DISHONEST');
    const careHome = await enterpriseSeenBy(universe[SHOWCASE.CARE_HOME]!.uscc, PUBLIC, [], 'tradeSignals { grade minorRecords generalRecords severeRecords }');
    expect(careHome.tradeSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 0, severeRecords: 0 });
  });

  it('gives seeded violations a declaration number, an occurrence before the decision, and history periods their grounds', async () => {
    const seeded = await subgraph.db.declarationViolation.findMany({ where: { id: { startsWith: 'DVL-' } } });
    expect(seeded.length).toBeGreaterThan(0);
    for (const row of seeded) {
      expect(row.declarationNumber).toMatch(/^4600\d{4}[01]\d{9}$/);
      expect(row.declarationNumber!.slice(4, 8)).toBe(String(row.occurredOn.getUTCFullYear()));
      expect(row.occurredOn.getTime()).toBeLessThan(row.decidedOn.getTime());
    }
    const periods = await subgraph.db.customsCreditChange.findMany({ where: { id: { startsWith: 'CCH-' } } });
    expect(periods.every((period) => typeof period.reason === 'string' && period.reason.length > 0)).toBe(true);
  });
});
