// The supply-chain sector platform's writes: validated field by field, idempotent, its own
// sector only, and the incidents' publication as the registry's states and the calendar decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, CREDIT_CHANGES_EXTENSION, makeUscc, type Caller } from '@credit-graph/contract';
import { addMonths, SHOWCASE, seedUniverse, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank, testCaller, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { traceabilityCodeFor } from '../prisma/seed.ts';
import { supplyChain } from '../src/index.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(40);
const members = universe.filter((enterprise) => enterprise.sectors.supplyChain);
const outsiders = universe.filter((enterprise) => !enterprise.sectors.supplyChain);
const model = universe[SHOWCASE.MODEL_GROUP]!;
const PLATFORM: Caller = testCaller('SECTOR_PLATFORM', {
  sector: 'supply-chain',
  institution: makeUscc('12', '410100', '00000301'),
  scopes: ['credit:read', writeScope('supply-chain')],
  purpose: 'SUPERVISION',
});
const REGULATOR = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
const PUBLIC = testCaller('PUBLIC');
let subgraph: RunningSubgraph<PrismaClient>;

const RECORD_INCIDENT = `mutation ($input: LogisticsIncidentInput!, $key: String!) {
  recordLogisticsIncident(input: $input, idempotencyKey: $key) {
    id category kind severity occurredOn decidedOn losses description
    publication { status severity publishedFrom publishedUntil repairableFrom reference }
  }
}`;
const RECORD_RATING = `mutation ($input: LogisticsCreditRatingInput!, $key: String!) {
  recordLogisticsCreditRating(input: $input, idempotencyKey: $key) { id category rating ratedBy ratedOn validUntil }
}`;
const RECORD_STEP = `mutation ($input: TraceabilityStepInput!, $key: String!) {
  recordTraceabilityStep(input: $input, idempotencyKey: $key) { sequence stage operator { uscc } location at temperatureCelsius note }
}`;

/** The changes a write reported to the gateway in its response's extensions. */
const changesOf = (result: object) => (result as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION];

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function dayBefore(date: Date): Date {
  return new Date(date.getTime() - 86_400_000);
}

function incident(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    category: 'COLD_CHAIN',
    kind: 'TEMPERATURE_BREACH',
    occurredOn: isoDaysAgo(12),
    decidedOn: isoDaysAgo(10),
    description: '冷藏车厢温度升至12℃，超出0-4℃要求约6小时 (test)',
    losses: 3.25,
    severity: 'GENERAL',
    ...overrides,
  };
}

function rating(uscc: string, overrides: Record<string, unknown> = {}) {
  return { uscc, category: 'GENERAL', rating: 'B', ratedBy: '中国物流与采购联合会', ratedOn: isoDaysAgo(1), ...overrides };
}

/** The model group's latest batch: six seeded steps, the last one before the seed's reference day. */
const MODEL_CODE = traceabilityCodeFor(model.uscc, 0);

function step(overrides: Record<string, unknown> = {}) {
  return {
    code: MODEL_CODE,
    stage: 'RETAIL',
    operatorUscc: members[3]!.uscc,
    location: '河南省郑州市金水区门店 (test)',
    at: new Date(Date.now() - 60 * 60_000).toISOString(),
    temperatureCelsius: 3.5,
    note: '到店验收，冷藏柜上架',
    ...overrides,
  };
}

const count = {
  incidents: () => subgraph.db.logisticsIncident.count(),
  ratings: () => subgraph.db.logisticsCredit.count(),
  steps: () => subgraph.db.traceabilityStep.count(),
  profiles: () => subgraph.db.supplyChainProfile.count(),
  all: async () => [await count.incidents(), await count.ratings(), await count.steps(), await count.profiles()],
};

interface SeenIncident { id: string; category: string; publication: { status: string } }
interface Seen {
  supplyChain: { incidents: SeenIncident[]; logisticsCredits: { category: string; rating: string; incidents: SeenIncident[] }[] } | null;
  supplyChainSignals: { grade: string | null; minorRecords: number; generalRecords: number; severeRecords: number };
}

async function seenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = []): Promise<Seen> {
  const query = entitiesQuery(
    'Enterprise',
    `supplyChain { incidents { id category publication { status } } logisticsCredits { category rating incidents { id category publication { status } } } }
     supplyChainSignals { grade minorRecords generalRecords severeRecords }`,
  );
  const { data, errors } = await subgraphGraphql(subgraph.url, query, {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

async function signalsSeenBy(uscc: string, caller: Caller, states: { key: string; state: string }[] = []) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'supplyChainSignals { grade minorRecords generalRecords severeRecords }'), {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0].supplyChainSignals as Seen['supplyChainSignals'];
}

async function routeOf(code: string) {
  const { data, errors } = await subgraphGraphql(subgraph.url, 'query ($code: String!) { traceabilityCode(code: $code) { steps { sequence stage at note } } }', { code });
  expect(errors).toBeUndefined();
  return data.traceabilityCode.steps as { sequence: number; stage: string; at: string; note: string | null }[];
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(supplyChain, universe.length);
});
afterAll(() => subgraph?.stop());

describe('supply-chain writes: logistics incidents', () => {
  const uscc = members[2]!.uscc;

  it('records an incident, published by its severity, with a reference and a change report', async () => {
    const result = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input: incident(uscc), key: 'sc-incident-0001' }, PLATFORM);
    expect(result.errors).toBeUndefined();
    const recorded = result.data.recordLogisticsIncident;
    expect(recorded).toMatchObject({ category: 'COLD_CHAIN', kind: 'TEMPERATURE_BREACH', severity: 'GENERAL', losses: 3.25, decidedOn: isoDaysAgo(10) });
    expect(recorded.id).toMatch(/^lgi_/);
    // GENERAL: published 12 months from the decision, repairable after 3.
    expect(recorded.publication).toMatchObject({
      status: 'PUBLISHED',
      severity: 'GENERAL',
      publishedFrom: isoDaysAgo(10),
      publishedUntil: isoDate(dayBefore(addMonths(new Date(isoDaysAgo(10)), 12))),
      repairableFrom: isoDate(addMonths(new Date(isoDaysAgo(10)), 3)),
    });
    expect(recorded.publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc, kind: 'NEGATIVE_RECORD', source: 'supply-chain', recordId: recorded.id })]);

    const seen = await seenBy(uscc, testBank([uscc]));
    expect(seen.supplyChain!.incidents.map((i) => i.id)).toContain(recorded.id);
    // Listed under the category's rating too, when the enterprise is rated in that category.
    const coldChain = seen.supplyChain!.logisticsCredits.find((credit) => credit.category === 'COLD_CHAIN');
    if (coldChain) expect(coldChain.incidents.map((i) => i.id)).toContain(recorded.id);
    for (const credit of seen.supplyChain!.logisticsCredits) {
      expect(credit.incidents.every((i) => i.category === credit.category)).toBe(true);
    }
    expect((await signalsSeenBy(uscc, PUBLIC)).generalRecords).toBeGreaterThanOrEqual(1);
  });

  it('creates the profile of an enterprise the sector held no records of, in the same write', async () => {
    const newcomer = outsiders[0]!.uscc;
    expect((await seenBy(newcomer, REGULATOR)).supplyChain).toBeNull();
    const result = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input: incident(newcomer, { category: 'HAZARDOUS_GOODS', kind: 'LEAK' }), key: 'sc-incident-newcomer' }, PLATFORM);
    expect(result.errors).toBeUndefined();
    const seen = await seenBy(newcomer, REGULATOR);
    // No rating in any category, yet the incident is on the profile.
    expect(seen.supplyChain!.logisticsCredits).toEqual([]);
    expect(seen.supplyChain!.incidents.map((i) => i.id)).toEqual([result.data.recordLogisticsIncident.id]);
    expect(seen.supplyChainSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 1, severeRecords: 0 });
  });

  it('returns the first record for a retried key, and refuses the key with other input', async () => {
    const input = incident(uscc);
    const before = await count.incidents();
    const first = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input, key: 'sc-incident-retry-1' }, PLATFORM);
    const retry = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input, key: 'sc-incident-retry-1' }, PLATFORM);
    expect(retry.data.recordLogisticsIncident.id).toBe(first.data.recordLogisticsIncident.id);
    expect(await count.incidents()).toBe(before + 1);
    // A retry reports the first write's changes again (nothing new happened): the gateway files them once per write.
    expect(changesOf(retry)).toEqual(changesOf(first));

    const reused = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input: { ...input, losses: 99 }, key: 'sc-incident-retry-1' }, PLATFORM);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // A key is bound to its operation, too.
    const otherOperation = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(uscc), key: 'sc-incident-retry-1' }, PLATFORM);
    expect(otherOperation.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count.incidents()).toBe(before + 1);
  });

  it('stores one record when the same write arrives many times at once', async () => {
    const input = incident(uscc);
    const before = await count.incidents();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input, key: 'sc-incident-concurrent' }, PLATFORM)),
    );
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(new Set(results.map((r) => r.data?.recordLogisticsIncident?.id)).size).toBe(1);
    expect(await count.incidents()).toBe(before + 1);
  });

  it.each([
    ['a decision date in the future', { decidedOn: isoDaysAgo(-2) }, 'input.decidedOn'],
    ['an occurrence in the future', { occurredOn: isoDaysAgo(-1), decidedOn: isoDaysAgo(0) }, 'input.occurredOn'],
    ['a decision before the incident', { occurredOn: isoDaysAgo(5), decidedOn: isoDaysAgo(9) }, 'input.decidedOn'],
    ['negative losses', { losses: -0.5 }, 'input.losses'],
    ['losses beyond what can be stored', { losses: 1e12 }, 'input.losses'],
    ['an empty description', { description: '  ' }, 'input.description'],
    ['a malformed idempotency key', {}, 'idempotencyKey'],
  ])('refuses %s with a field-level error and stores nothing', async (_label, overrides, field) => {
    const before = await count.all();
    const key = field === 'idempotencyKey' ? 'short' : `sc-bad-${field}-${Math.random()}`;
    const result = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input: incident(outsiders[1]!.uscc, overrides), key }, PLATFORM);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    // Not even the profile of the enterprise the write named.
    expect(await count.all()).toEqual(before);
  });

  it('refuses a wrong enum and a malformed code before any resolver runs', async () => {
    const before = await count.all();
    for (const input of [
      incident(uscc, { kind: 'THEFT' }),
      incident(uscc, { severity: 'CATASTROPHIC' }),
      incident(uscc, { category: 'AIR_FREIGHT' }),
      incident('91410100MA44XWJ01X'),
    ]) {
      const result = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input, key: `sc-bad-input-${Math.random()}` }, PLATFORM);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await count.all()).toEqual(before);
  });
});

describe('supply-chain writes: logistics credit ratings', () => {
  const uscc = members[4]!.uscc;

  it('replaces the category’s current rating, keeps its id, and the signals grade follows', async () => {
    const first = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(uscc, { rating: 'B', ratedOn: isoDaysAgo(2) }), key: 'sc-rating-0001' }, PLATFORM);
    expect(first.errors).toBeUndefined();
    const recorded = first.data.recordLogisticsCreditRating;
    // Valid three years from the assessment when the input says nothing.
    expect(recorded).toMatchObject({ category: 'GENERAL', rating: 'B', ratedOn: isoDaysAgo(2), validUntil: isoDate(addMonths(new Date(isoDaysAgo(2)), 36)) });
    expect(changesOf(first)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'supply-chain', recordId: recorded.id })]);
    expect((await signalsSeenBy(uscc, PUBLIC)).grade).toBe('B');

    const before = await count.ratings();
    const validUntil = isoDate(addMonths(businessToday(), 24));
    const second = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(uscc, { rating: 'AA', ratedOn: isoDaysAgo(0), validUntil }), key: 'sc-rating-0002' }, PLATFORM);
    expect(second.errors).toBeUndefined();
    expect(second.data.recordLogisticsCreditRating).toMatchObject({ id: recorded.id, rating: 'AA', validUntil });
    expect(await count.ratings()).toBe(before);
    expect((await signalsSeenBy(uscc, PUBLIC)).grade).toBe('AA');
    const general = (await seenBy(uscc, PLATFORM)).supplyChain!.logisticsCredits.filter((credit) => credit.category === 'GENERAL');
    expect(general.map((credit) => credit.rating)).toEqual(['AA']);
  });

  it('rates an enterprise the sector held no records of, creating its profile', async () => {
    const newcomer = outsiders[2]!.uscc;
    const result = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(newcomer, { category: 'COLD_CHAIN', rating: 'A' }), key: 'sc-rating-newcomer' }, PLATFORM);
    expect(result.errors).toBeUndefined();
    const seen = await seenBy(newcomer, REGULATOR);
    expect(seen.supplyChain!.logisticsCredits).toEqual([{ category: 'COLD_CHAIN', rating: 'A', incidents: [] }]);
    expect(seen.supplyChainSignals).toEqual({ grade: 'A', minorRecords: 0, generalRecords: 0, severeRecords: 0 });
  });

  it('returns the first rating for a retried key, reporting only what the first write reported', async () => {
    const input = rating(members[5]!.uscc, { category: 'HAZARDOUS_GOODS', rating: 'A' });
    const before = await count.ratings();
    const first = await subgraphGraphql(subgraph.url, RECORD_RATING, { input, key: 'sc-rating-retry-1' }, PLATFORM);
    const retry = await subgraphGraphql(subgraph.url, RECORD_RATING, { input, key: 'sc-rating-retry-1' }, PLATFORM);
    expect(retry.data.recordLogisticsCreditRating.id).toBe(first.data.recordLogisticsCreditRating.id);
    expect(changesOf(retry)).toEqual(changesOf(first)); // reported again: the gateway files them once per write
    expect(await count.ratings()).toBeLessThanOrEqual(before + 1);
    const reused = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: { ...input, rating: 'C' }, key: 'sc-rating-retry-1' }, PLATFORM);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it.each([
    ['an empty rating body', { ratedBy: ' ' }, 'input.ratedBy'],
    ['an assessment in the future', { ratedOn: isoDaysAgo(-3) }, 'input.ratedOn'],
    ['an assessment before the current rating of the category', { ratedOn: isoDaysAgo(30) }, 'input.ratedOn'],
    ['a validity ending before the assessment', { ratedOn: isoDaysAgo(1), validUntil: isoDaysAgo(2) }, 'input.validUntil'],
    // Rated four years ago, valid until last year: it cannot become the category's current rating.
    ['a validity already over', { ratedOn: isoDaysAgo(4 * 365), validUntil: isoDaysAgo(365) }, 'input.validUntil'],
  ])('refuses %s with a field-level error and stores nothing', async (_label, overrides, field) => {
    // members[4] was rated GENERAL today by the first test of this block.
    const target = members[4]!.uscc;
    const before = await count.all();
    const stored = await subgraph.db.logisticsCredit.findUnique({ where: { uscc_category: { uscc: target, category: 'GENERAL' } } });
    const result = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(target, overrides), key: `sc-bad-rating-${Math.random()}` }, PLATFORM);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await count.all()).toEqual(before);
    expect(await subgraph.db.logisticsCredit.findUnique({ where: { uscc_category: { uscc: target, category: 'GENERAL' } } })).toEqual(stored);
  });

  it('refuses a rating outside AAA..C', async () => {
    const before = await count.all();
    const result = await subgraphGraphql(subgraph.url, RECORD_RATING, { input: rating(uscc, { rating: 'AAAA' }), key: 'sc-bad-rating-enum' }, PLATFORM);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count.all()).toEqual(before);
  });
});

describe('supply-chain writes: traceability steps', () => {
  it('appends a step to an existing route with the next sequence number, and reads it back', async () => {
    const before = await routeOf(MODEL_CODE);
    const input = step();
    const result = await subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: 'sc-step-0001' }, PLATFORM);
    expect(result.errors).toBeUndefined();
    expect(result.data.recordTraceabilityStep).toEqual({
      sequence: before.length + 1,
      stage: 'RETAIL',
      operator: { uscc: input.operatorUscc },
      location: input.location,
      at: input.at,
      temperatureCelsius: 3.5,
      note: input.note,
    });
    expect(changesOf(result)).toEqual([expect.objectContaining({ uscc: model.uscc, kind: 'SECTOR_RECORD', source: 'supply-chain' })]);
    const after = await routeOf(MODEL_CODE);
    expect(after.map((s) => s.sequence)).toEqual([...before.map((s) => s.sequence), before.length + 1]);
    expect(after.at(-1)).toMatchObject({ stage: 'RETAIL', note: input.note });
  });

  it('appends once for a retried key, and refuses the key with other input', async () => {
    const input = step({ at: new Date(Date.now() - 30 * 60_000).toISOString(), note: null, temperatureCelsius: null });
    const before = await count.steps();
    const first = await subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: 'sc-step-retry-1' }, PLATFORM);
    const retry = await subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: 'sc-step-retry-1' }, PLATFORM);
    expect(first.errors).toBeUndefined();
    expect(retry.data.recordTraceabilityStep).toEqual(first.data.recordTraceabilityStep);
    expect(await count.steps()).toBe(before + 1);
    const reused = await subgraphGraphql(subgraph.url, RECORD_STEP, { input: { ...input, stage: 'WHOLESALE' }, key: 'sc-step-retry-1' }, PLATFORM);
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count.steps()).toBe(before + 1);
  });

  it('appends one step for six identical writes at once, and numbers different steps at once in turn', async () => {
    const code = traceabilityCodeFor(model.uscc, 1);
    const length = (await routeOf(code)).length;
    const input = step({ code, at: new Date(Date.now() - 20 * 60_000).toISOString() });
    const same = await Promise.all(Array.from({ length: 6 }, () => subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: 'sc-step-concurrent' }, PLATFORM)));
    expect(same.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(new Set(same.map((r) => r.data.recordTraceabilityStep.sequence))).toEqual(new Set([length + 1]));

    const different = await Promise.all(
      Array.from({ length: 4 }, (_, i) => subgraphGraphql(subgraph.url, RECORD_STEP, { input: { ...input, note: `check ${i}` }, key: `sc-step-parallel-${i}` }, PLATFORM)),
    );
    expect(different.map((r) => r.errors)).toEqual(Array(4).fill(undefined));
    expect(different.map((r) => r.data.recordTraceabilityStep.sequence as number).sort((a, b) => a - b)).toEqual([length + 2, length + 3, length + 4, length + 5]);
    expect((await routeOf(code)).map((s) => s.sequence)).toEqual(Array.from({ length: length + 5 }, (_, i) => i + 1));
  });

  it.each([
    ['an unknown code', { code: 'ZZ-TRC-000000000000' }, 'input.code'],
    ['a malformed code', { code: 'ZZ-TRC-123' }, 'input.code'],
    ['a time in the future', { at: new Date(Date.now() + 86_400_000).toISOString() }, 'input.at'],
    ['a time before the route’s last step', { at: '2020-01-01T08:00:00.000Z' }, 'input.at'],
    ['an empty location', { location: '' }, 'input.location'],
    ['an empty note', { note: ' ' }, 'input.note'],
    ['an impossible temperature', { temperatureCelsius: 250 }, 'input.temperatureCelsius'],
  ])('refuses %s with a field-level error and stores nothing', async (_label, overrides, field) => {
    const before = await count.all();
    const result = await subgraphGraphql(subgraph.url, RECORD_STEP, { input: step(overrides), key: `sc-bad-step-${Math.random()}` }, PLATFORM);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await count.all()).toEqual(before);
  });

  it('refuses a wrong stage and a malformed operator code before any resolver runs', async () => {
    const before = await count.all();
    for (const input of [step({ stage: 'SMUGGLING' }), step({ operatorUscc: '91410100MA44XWJ01X' })]) {
      const result = await subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: `sc-bad-step-${Math.random()}` }, PLATFORM);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await count.all()).toEqual(before);
  });
});

describe('supply-chain writes: who may write', () => {
  const uscc = members[6]!.uscc;
  const writes: [string, string, Record<string, unknown>][] = [
    ['recordLogisticsIncident', RECORD_INCIDENT, incident(uscc)],
    ['recordLogisticsCreditRating', RECORD_RATING, rating(uscc)],
    ['recordTraceabilityStep', RECORD_STEP, step()],
  ];
  const callers: [string, Caller][] = [
    ['another sector platform', testCaller('SECTOR_PLATFORM', { sector: 'trade', scopes: ['credit:read', writeScope('trade')] })],
    ['another sector platform holding this sector’s scope', testCaller('SECTOR_PLATFORM', { sector: 'environment', scopes: ['credit:read', writeScope('supply-chain')] })],
    ['a platform without the write scope', { ...PLATFORM, scopes: ['credit:read'] }],
    ['a bank', testBank([uscc])],
    ['a regulator', REGULATOR],
    ['an enterprise writing about itself', testCaller('ENTERPRISE', { uscc })],
    ['the public', PUBLIC],
  ];

  it.each(writes.flatMap(([name, mutation, input]) => callers.map(([label, caller]) => [name, label, mutation, input, caller] as const)))(
    '%s: refuses %s, storing nothing',
    async (name, _label, mutation, input, caller) => {
      const before = await count.all();
      const result = await subgraphGraphql(subgraph.url, mutation, { input, key: 'sc-test-forbidden' }, caller);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.errors?.[0]?.path).toEqual([name]);
      expect(changesOf(result)).toBeUndefined();
      expect(await count.all()).toEqual(before);
    },
  );
});

describe('supply-chain writes: publication of incidents', () => {
  // Enterprises with no seeded supply-chain records: every count below is exact.
  const target = outsiders[3]!.uscc;
  const windows = outsiders[4]!.uscc;
  const write = async (uscc: string, overrides: Record<string, unknown>, key: string) => {
    const result = await subgraphGraphql(subgraph.url, RECORD_INCIDENT, { input: incident(uscc, overrides), key }, PLATFORM);
    expect(result.errors).toBeUndefined();
    return result.data.recordLogisticsIncident.id as string;
  };
  const statusById = (incidents: SeenIncident[]) => Object.fromEntries(incidents.map((i) => [i.id, i.publication.status]));

  it('shows a record under objection as marked, hides a revoked one from everyone and a repaired one from all but regulators', async () => {
    const published = await write(target, { severity: 'MINOR' }, 'sc-states-published');
    const disputed = await write(target, { severity: 'GENERAL' }, 'sc-states-disputed');
    const revoked = await write(target, { severity: 'SEVERE' }, 'sc-states-revoked');
    const repaired = await write(target, { severity: 'GENERAL', category: 'GENERAL', kind: 'DELAY' }, 'sc-states-repaired');
    const states = [
      { key: `supply-chain:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `supply-chain:${revoked}`, state: 'REVOKED' },
      { key: `supply-chain:${repaired}`, state: 'REPAIRED' },
    ];

    // A consented bank: the widest non-regulator view of this non-public profile.
    const bankView = await seenBy(target, testBank([target]), states);
    expect(statusById(bankView.supplyChain!.incidents)).toEqual({ [published]: 'PUBLISHED', [disputed]: 'UNDER_OBJECTION' });
    const regulatorView = await seenBy(target, REGULATOR, states);
    expect(statusById(regulatorView.supplyChain!.incidents)).toEqual({
      [published]: 'PUBLISHED',
      [disputed]: 'UNDER_OBJECTION',
      [repaired]: 'REPAIRED',
    });

    // The signals count what the public sees: the published and the disputed record.
    expect(await signalsSeenBy(target, PUBLIC, states)).toEqual({ grade: null, minorRecords: 1, generalRecords: 1, severeRecords: 0 });
    // Without the registry's states every record counts as its sector reported it.
    expect(await signalsSeenBy(target, PUBLIC)).toEqual({ grade: null, minorRecords: 1, generalRecords: 2, severeRecords: 1 });
  });

  it.each([
    ['MINOR', 3],
    ['GENERAL', 12],
    ['SEVERE', 36],
  ] as const)('keeps a %s record in public view for %i months, then archives it for regulators only', async (severity, months) => {
    const today = businessToday();
    // Decided just past the window: its last day of view was yesterday or earlier.
    const expiredOn = isoDate(dayBefore(addMonths(today, -months)));
    // Decided a day later than that: today is still inside the window.
    const insideOn = isoDate(new Date(addMonths(today, -months).getTime() + 86_400_000));
    const expired = await write(windows, { severity, occurredOn: expiredOn, decidedOn: expiredOn }, `sc-window-${severity}-expired`);
    const inside = await write(windows, { severity, occurredOn: insideOn, decidedOn: insideOn }, `sc-window-${severity}-inside`);

    const bankView = statusById((await seenBy(windows, testBank([windows]))).supplyChain!.incidents);
    expect(bankView[inside]).toBe('PUBLISHED');
    expect(bankView[expired]).toBeUndefined();
    const platformView = statusById((await seenBy(windows, PLATFORM)).supplyChain!.incidents);
    expect(platformView[expired]).toBeUndefined();
    const regulatorView = statusById((await seenBy(windows, REGULATOR)).supplyChain!.incidents);
    expect(regulatorView[expired]).toBe('EXPIRED');
    expect(regulatorView[inside]).toBe('PUBLISHED');
  });

  it('counts only the records still in their window in the signals', async () => {
    // The three severities' tests each left one expired and one published record.
    expect(await signalsSeenBy(windows, PUBLIC)).toEqual({ grade: null, minorRecords: 1, generalRecords: 1, severeRecords: 1 });
  });
});
