// The environment sector platform's writes: validated field by field, idempotent, its own
// sector only, and the records' publication as the registry's states and the calendar decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, CREDIT_CHANGES_EXTENSION, fixedClock, makeUscc, useClock, type Caller } from '@credit-graph/contract';
import { seedUniverse, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank, testCaller, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { environment } from '../src/index.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(40);
const PLATFORM: Caller = testCaller('SECTOR_PLATFORM', {
  sector: 'environment',
  institution: makeUscc('11', '410100', '00000101'),
  scopes: ['credit:read', writeScope('environment')],
});
const REGULATOR = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
const PUBLIC = testCaller('PUBLIC');
const AUTHORITY_USCC = makeUscc('11', '410100', '00000101');
let subgraph: RunningSubgraph<PrismaClient>;

const RECORD = `mutation ($input: EnvironmentalViolationInput!, $key: String!) {
  recordEnvironmentalViolation(input: $input, idempotencyKey: $key) {
    id severity decidedOn publication { status publishedFrom publishedUntil repairableFrom reference }
  }
}`;

function violation(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    decisionNumber: `郑环罚〔2026〕${Math.floor(Math.random() * 1e9)}号`,
    occurredOn: isoDaysAgo(20),
    decidedOn: isoDaysAgo(10),
    kind: 'EXCESS_EMISSION',
    description: '废气排放超标 (test)',
    penaltyAmount: 12.5,
    severity: 'GENERAL',
    authority: '郑州市生态环境局',
    authorityUscc: AUTHORITY_USCC,
    ...overrides,
  };
}

async function violationsSeenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = []) {
  const query = entitiesQuery('Enterprise', 'environment { violations { id publication { status } } } environmentSignals { grade minorRecords generalRecords severeRecords }');
  const { data, errors } = await subgraphGraphql(subgraph.url, query, {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

async function countViolations(): Promise<number> {
  return subgraph.db.environmentalViolation.count();
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(environment, universe.length);
});
afterAll(() => subgraph?.stop());

describe('environment writes', () => {
  const uscc = universe[5]!.uscc;

  it('records a violation, published by its severity, with a reference and a change report', async () => {
    const result = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc), key: 'env-test-0001' }, PLATFORM);
    expect(result.errors).toBeUndefined();
    const recorded = result.data.recordEnvironmentalViolation;
    expect(recorded.publication).toMatchObject({ status: 'PUBLISHED', publishedFrom: isoDaysAgo(10) });
    expect(recorded.publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    const changes = (result as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION];
    expect(changes).toEqual([expect.objectContaining({ uscc, kind: 'NEGATIVE_RECORD', source: 'environment', recordId: recorded.id })]);

    const seen = await violationsSeenBy(uscc, PUBLIC);
    expect(seen.environment.violations.map((v: { id: string }) => v.id)).toContain(recorded.id);
    expect(seen.environmentSignals.generalRecords).toBeGreaterThanOrEqual(1);
  });

  it("takes today from Zhengzhou's calendar: at 2026-11-30T22:46Z a violation of 2026-12-01 is recorded, one of 2026-12-02 is not", async () => {
    const restore = useClock(fixedClock('2026-11-30T22:46:00Z'));
    try {
      const today = { occurredOn: '2026-12-01', decidedOn: '2026-12-01', severity: 'MINOR' };
      const result = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc, today), key: 'env-test-business-day' }, PLATFORM);
      expect(result.errors).toBeUndefined();
      expect(result.data.recordEnvironmentalViolation.publication).toMatchObject({ status: 'PUBLISHED', publishedFrom: '2026-12-01', publishedUntil: '2027-02-28' });
      const tomorrow = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc, { ...today, occurredOn: '2026-12-02' }), key: 'env-test-business-day-2' }, PLATFORM);
      expect(tomorrow.errors?.[0]).toMatchObject({
        message: 'input.occurredOn: 2026-12-02 is in the future; today is 2026-12-01',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.occurredOn' },
      });
    } finally {
      restore();
    }
  });

  it('returns the first record for a retried key, and refuses the key with other input', async () => {
    const input = violation(uscc);
    const before = await countViolations();
    const first = await subgraphGraphql(subgraph.url, RECORD, { input, key: 'env-test-retry-1' }, PLATFORM);
    const retry = await subgraphGraphql(subgraph.url, RECORD, { input, key: 'env-test-retry-1' }, PLATFORM);
    expect(retry.data.recordEnvironmentalViolation.id).toBe(first.data.recordEnvironmentalViolation.id);
    expect(await countViolations()).toBe(before + 1);
    // A retry reports the first write's changes again (nothing new happened): the gateway files them once per write.
    expect((retry as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION]).toEqual((first as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION]);

    const reused = await subgraphGraphql(subgraph.url, RECORD, { input: { ...input, penaltyAmount: 99 }, key: 'env-test-retry-1' }, PLATFORM);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countViolations()).toBe(before + 1);
  });

  it('stores one record when the same write arrives many times at once', async () => {
    const input = violation(uscc);
    const before = await countViolations();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => subgraphGraphql(subgraph.url, RECORD, { input, key: 'env-test-concurrent' }, PLATFORM)),
    );
    const ids = new Set(results.map((r) => r.data?.recordEnvironmentalViolation?.id));
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await countViolations()).toBe(before + 1);
  });

  it.each([
    ['a decision date in the future', { decidedOn: isoDaysAgo(-2) }, 'input.decidedOn'],
    ['a negative fine', { penaltyAmount: -1 }, 'input.penaltyAmount'],
    ['a decision before the violation', { occurredOn: isoDaysAgo(5), decidedOn: isoDaysAgo(9) }, 'input.decidedOn'],
    ['an empty description', { description: '  ' }, 'input.description'],
  ])('refuses %s with a field-level error and stores nothing', async (_label, overrides, field) => {
    const before = await countViolations();
    const result = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc, overrides), key: `env-bad-${field}-${Math.random()}` }, PLATFORM);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await countViolations()).toBe(before);
  });

  it('refuses a wrong enum and a malformed code before any resolver runs', async () => {
    const before = await countViolations();
    const badEnum = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc, { kind: 'LITTERING' }), key: 'env-bad-enum-1' }, PLATFORM);
    expect(badEnum.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badUscc = await subgraphGraphql(subgraph.url, RECORD, { input: violation('91410100MA44XWJ01X'), key: 'env-bad-uscc-1' }, PLATFORM);
    expect(badUscc.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await countViolations()).toBe(before);
  });

  it.each<[string, Caller]>([
    ['another sector platform', testCaller('SECTOR_PLATFORM', { sector: 'trade', scopes: ['credit:read', writeScope('trade')] })],
    ['a platform without the write scope', { ...PLATFORM, scopes: ['credit:read'] }],
    ['a bank', testBank([uscc])],
    ['a regulator', REGULATOR],
  ])('refuses %s, storing nothing', async (_label, caller) => {
    const before = await countViolations();
    const result = await subgraphGraphql(subgraph.url, RECORD, { input: violation(uscc), key: 'env-test-forbidden' }, caller);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await countViolations()).toBe(before);
  });

  it('shows a record under objection as marked, hides a revoked one from everyone and an expired one from the public', async () => {
    const target = universe[7]!.uscc;
    const write = async (overrides: Record<string, unknown>, key: string) =>
      (await subgraphGraphql(subgraph.url, RECORD, { input: violation(target, overrides), key }, PLATFORM)).data.recordEnvironmentalViolation.id as string;
    const disputed = await write({}, 'env-states-disputed');
    const revoked = await write({}, 'env-states-revoked');
    // A GENERAL record is published for 12 months: decided 12 months and a day ago it has expired.
    const lastYear = businessToday();
    lastYear.setUTCFullYear(lastYear.getUTCFullYear() - 1);
    lastYear.setUTCDate(lastYear.getUTCDate() - 1);
    const expired = await write({ occurredOn: lastYear.toISOString().slice(0, 10), decidedOn: lastYear.toISOString().slice(0, 10) }, 'env-states-expired');
    const states = [
      { key: `environment:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `environment:${revoked}`, state: 'REVOKED' },
    ];
    const statusById = (seen: { environment: { violations: { id: string; publication: { status: string } }[] } }) =>
      Object.fromEntries(seen.environment.violations.map((v) => [v.id, v.publication.status]));

    const publicView = statusById(await violationsSeenBy(target, PUBLIC, states));
    expect(publicView[disputed]).toBe('UNDER_OBJECTION');
    expect(publicView[revoked]).toBeUndefined();
    expect(publicView[expired]).toBeUndefined();

    const regulatorView = statusById(await violationsSeenBy(target, REGULATOR, states));
    expect(regulatorView[expired]).toBe('EXPIRED');
    expect(regulatorView[revoked]).toBeUndefined();
  });
});
