// The housekeeping sector platform's writes: validated field by field, idempotent, its own
// sector only, workers known by an opaque id and masked on read, and the negative records
// (complaints, failed inspections, penalties) published as the registry's states and the
// calendar decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, CREDIT_CHANGES_EXTENSION, WORKER_ID_PATTERN, makeUscc, type Caller } from '@credit-graph/contract';
import {
  SHOWCASE,
  addMonths,
  maskName,
  seedUniverse,
 
  writeScope,
  type RunningSubgraph,
} from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank, testCaller, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { workerIdFor } from '../prisma/seed.ts';
import { housekeeping } from '../src/index.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(40);
const PLATFORM: Caller = testCaller('SECTOR_PLATFORM', {
  sector: 'housekeeping',
  institution: makeUscc('11', '410100', '00000102'),
  scopes: ['credit:read', writeScope('housekeeping')],
});
/** The platform reading its own sector's non-public records (complaints) declares a purpose. */
const PLATFORM_READING: Caller = { ...PLATFORM, purpose: 'SUPERVISION' };
const REGULATOR = testCaller('REGULATOR', { purpose: 'SUPERVISION' });
const PUBLIC = testCaller('PUBLIC');
const CIVIL_AFFAIRS_USCC = makeUscc('11', '410100', '00000103');
let subgraph: RunningSubgraph<PrismaClient>;

/** Enterprises the sector holds no record of: each test that counts takes its own. */
const fresh = universe.filter((e) => !e.sectors.housekeeping && !e.sectors.elderlyCare && e.index > SHOWCASE.CARE_HOME);
const company = universe.find((e) => e.sectors.housekeeping && e.index !== SHOWCASE.MODEL_GROUP)!;
/** A seeded worker whose ratings the tests record. */
const ratedWorker = workerIdFor(company.uscc, 0);

const REGISTER = `mutation ($input: WorkerRegistrationInput!, $key: String!) {
  registerWorker(input: $input, idempotencyKey: $key) {
    id name sex ageBand serviceTypes backgroundCheck { outcome checkedOn flaggedCategories }
    serviceHistory { employer { uscc } serviceType from to } rating { average count } employer { uscc }
  }
}`;
const RATE = `mutation ($input: WorkerServiceRatingInput!, $key: String!) {
  recordWorkerServiceRating(input: $input, idempotencyKey: $key) { id score ratedOn serviceType worker { id rating { average count } } }
}`;
const COMPLAIN = `mutation ($input: HousekeepingComplaintInput!, $key: String!) {
  recordHousekeepingComplaint(input: $input, idempotencyKey: $key) {
    id category receivedOn summary severity resolved publication { status severity publishedFrom publishedUntil repairableFrom reference }
  }
}`;
const INSPECT = `mutation ($input: ElderlyCareInspectionInput!, $key: String!) {
  recordElderlyCareInspection(input: $input, idempotencyKey: $key) {
    id inspectedOn result findings severity publication { status severity publishedFrom publishedUntil reference }
  }
}`;

/** The day `months` months before today, plus `days` days: the window boundaries. */
function monthsAgo(months: number, days = 0): string {
  const date = addMonths(businessToday(), -months);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

let keySequence = 0;
const newKey = (label: string) => `hk-${label}-${++keySequence}-${Math.random().toString(36).slice(2, 10)}`;

function worker(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    name: '王秀兰',
    sex: 'FEMALE',
    ageBand: 'AGE_46_55',
    serviceTypes: ['ELDERLY_CARE', 'HOME_CLEANING'],
    employedSince: isoDaysAgo(30),
    ...overrides,
  };
}

function rating(overrides: Record<string, unknown> = {}) {
  return { workerId: ratedWorker, serviceType: 'HOME_CLEANING', score: 4, ratedOn: isoDaysAgo(2), ...overrides };
}

function complaint(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    category: 'PROPERTY_DAMAGE',
    receivedOn: isoDaysAgo(10),
    summary: '清洁时损坏实木地板 (test)',
    severity: 'GENERAL',
    ...overrides,
  };
}

function inspection(uscc: string, overrides: Record<string, unknown> = {}) {
  return {
    uscc,
    inspectedOn: isoDaysAgo(15),
    inspector: '郑州市民政局',
    inspectorUscc: CIVIL_AFFAIRS_USCC,
    result: 'FAILED',
    findings: '超出核定床位数收住老年人 (test)',
    severity: 'GENERAL',
    ...overrides,
  };
}

function changesOf(result: unknown) {
  return (result as { extensions?: Record<string, unknown> }).extensions?.[CREDIT_CHANGES_EXTENSION];
}

async function write(query: string, input: Record<string, unknown>, key = newKey('write'), caller: Caller = PLATFORM) {
  return subgraphGraphql(subgraph.url, query, { input, key }, caller);
}

/** The id a write answered with, failing the test on any error. */
async function recorded(query: string, input: Record<string, unknown>, key?: string): Promise<string> {
  const result = await write(query, input, key);
  expect(result.errors).toBeUndefined();
  return (Object.values(result.data as Record<string, { id: string }>)[0]!).id;
}

async function entity(uscc: string, selection: string, caller: Caller, states: { key: string; state: string }[] = []) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', selection), {
    representations: [{ __typename: 'Enterprise', uscc, creditRecordStates: states }],
  }, caller);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

/** Everything a write may store, in one snapshot: a refused write leaves every count unchanged. */
async function rowCounts() {
  const db = subgraph.db;
  const [companies, complaints, workers, serviceRecords, ratings, institutions, inspections, keys] = await Promise.all([
    db.housekeepingCompany.count(),
    db.housekeepingComplaint.count(),
    db.worker.count(),
    db.workerServiceRecord.count(),
    db.workerServiceRating.count(),
    db.elderlyCareInstitution.count(),
    db.elderlyCareInspection.count(),
    db.idempotencyKey.count(),
  ]);
  return { companies, complaints, workers, serviceRecords, ratings, institutions, inspections, keys };
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(housekeeping, universe.length);
});
afterAll(() => subgraph?.stop());

describe('housekeeping writes', () => {
  it('registers a worker under an opaque id, for a company first known by it, masked on read', async () => {
    const uscc = fresh[0]!.uscc;
    const input = worker(uscc);
    const result = await write(REGISTER, input, newKey('register'));
    expect(result.errors).toBeUndefined();
    const registered = result.data.registerWorker;
    expect(registered.id).toMatch(WORKER_ID_PATTERN);
    expect(registered).toMatchObject({
      name: maskName(input.name),
      sex: 'FEMALE',
      ageBand: 'AGE_46_55',
      serviceTypes: ['ELDERLY_CARE', 'HOME_CLEANING'],
      backgroundCheck: { outcome: 'PENDING', checkedOn: null, flaggedCategories: [] },
      serviceHistory: [{ employer: { uscc }, serviceType: 'ELDERLY_CARE', from: input.employedSince, to: null }],
      rating: { average: null, count: 0 },
      employer: { uscc },
    });
    // The change report names the company, never the worker's name.
    const changes = changesOf(result) as { summary: string }[];
    expect(changes).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'housekeeping', recordId: registered.id })]);
    expect(JSON.stringify(changes)).not.toContain(input.name);
    // No birth date is held: only the declared band.
    const stored = await subgraph.db.worker.findUniqueOrThrow({ where: { id: registered.id } });
    expect(stored).toMatchObject({ birthDate: null, registeredAgeBand: 'AGE_46_55', uscc });

    // Read back: unmasked for a regulator (personal:read), listed by its new company.
    const byRegulator = await subgraphGraphql(subgraph.url, 'query ($id: ID!) { worker(id: $id) { name ageBand } }', { id: registered.id }, REGULATOR);
    expect(byRegulator.data.worker).toEqual({ name: input.name, ageBand: 'AGE_46_55' });
    const listed = await entity(uscc, 'housekeeping { ratingCount serviceRating workerCount workers { id name } }', PUBLIC);
    expect(listed.housekeeping).toEqual({ ratingCount: 0, serviceRating: null, workerCount: 1, workers: [{ id: registered.id, name: maskName(input.name) }] });
  });

  it("records a household's service rating, moving the worker's and its employer's averages", async () => {
    const uscc = fresh[1]!.uscc;
    const workerId = await recorded(REGISTER, worker(uscc, { name: '李娟' }));
    const first = await write(RATE, rating({ workerId, score: 5 }));
    expect(first.errors).toBeUndefined();
    expect(first.data.recordWorkerServiceRating).toMatchObject({ score: 5, ratedOn: isoDaysAgo(2), serviceType: 'HOME_CLEANING', worker: { id: workerId, rating: { average: 5, count: 1 } } });
    expect(changesOf(first)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'housekeeping', recordId: first.data.recordWorkerServiceRating.id })]);
    await recorded(RATE, rating({ workerId, score: 2 }));
    const seen = await subgraphGraphql(subgraph.url, 'query ($id: ID!) { worker(id: $id) { rating { average count } } }', { id: workerId }, PUBLIC);
    expect(seen.data.worker.rating).toEqual({ average: 3.5, count: 2 });
    expect((await entity(uscc, 'housekeeping { serviceRating ratingCount }', PUBLIC)).housekeeping).toEqual({ serviceRating: 3.5, ratingCount: 2 });
  });

  it('records a complaint: a negative record, published by its severity, with a reference and a change report', async () => {
    const result = await write(COMPLAIN, complaint(company.uscc), newKey('complaint'));
    expect(result.errors).toBeUndefined();
    const recordedComplaint = result.data.recordHousekeepingComplaint;
    expect(recordedComplaint).toMatchObject({ category: 'PROPERTY_DAMAGE', severity: 'GENERAL', resolved: false, receivedOn: isoDaysAgo(10) });
    expect(recordedComplaint.publication).toMatchObject({ status: 'PUBLISHED', severity: 'GENERAL', publishedFrom: isoDaysAgo(10) });
    expect(recordedComplaint.publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(changesOf(result)).toEqual([
      expect.objectContaining({ uscc: company.uscc, kind: 'NEGATIVE_RECORD', source: 'housekeeping', recordId: recordedComplaint.id }),
    ]);

    const seen = await entity(company.uscc, 'housekeeping { complaints { id severity publication { status } } } housekeepingSignals { generalRecords }', PLATFORM_READING);
    expect(seen.housekeeping.complaints).toContainEqual({ id: recordedComplaint.id, severity: 'GENERAL', publication: { status: 'PUBLISHED' } });
    expect(seen.housekeepingSignals.generalRecords).toBeGreaterThanOrEqual(1);
  });

  it('records inspections of an institution first known by them: a FAILED one is a negative record, the others are not', async () => {
    const uscc = fresh[2]!.uscc;
    const passed = await write(INSPECT, inspection(uscc, { result: 'PASSED', findings: '消防设施完好', severity: null }), newKey('inspect-passed'));
    expect(passed.errors).toBeUndefined();
    expect(passed.data.recordElderlyCareInspection).toMatchObject({ result: 'PASSED', severity: null, publication: null });
    expect(changesOf(passed)).toEqual([expect.objectContaining({ uscc, kind: 'SECTOR_RECORD', source: 'housekeeping' })]);

    const failed = await write(INSPECT, inspection(uscc, { severity: 'SEVERE' }), newKey('inspect-failed'));
    expect(failed.errors).toBeUndefined();
    const failedInspection = failed.data.recordElderlyCareInspection;
    expect(failedInspection).toMatchObject({ result: 'FAILED', severity: 'SEVERE', publication: { status: 'PUBLISHED', severity: 'SEVERE', publishedFrom: isoDaysAgo(15) } });
    expect(changesOf(failed)).toEqual([expect.objectContaining({ uscc, kind: 'NEGATIVE_RECORD', source: 'housekeeping', recordId: failedInspection.id })]);

    // The institution row was created with the first inspection: unfiled, so ungraded.
    const seen = await entity(uscc, 'elderlyCare { filed grade ungradedReason beds inspections { id result publication { status } } } housekeepingSignals { grade severeRecords }', PUBLIC);
    expect(seen.elderlyCare).toMatchObject({ filed: false, grade: null, ungradedReason: 'UNFILED', beds: 0 });
    // Both on the same day: ordered by id.
    expect(seen.elderlyCare.inspections).toEqual(
      [
        { id: failedInspection.id, result: 'FAILED', publication: { status: 'PUBLISHED' } },
        { id: passed.data.recordElderlyCareInspection.id, result: 'PASSED', publication: null },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(seen.housekeepingSignals).toEqual({ grade: null, severeRecords: 1 });
  });
});

interface WriteKind {
  name: string;
  query: string;
  input: () => Record<string, unknown>;
  /** The same key with this other input is a different write. */
  other: Record<string, unknown>;
  /** The rows the write adds one of. */
  rows: () => Promise<number>;
}

const WRITE_KINDS: WriteKind[] = [
  { name: 'registerWorker', query: REGISTER, input: () => worker(company.uscc), other: { name: '赵敏' }, rows: () => subgraph.db.worker.count() },
  { name: 'recordWorkerServiceRating', query: RATE, input: () => rating(), other: { score: 1 }, rows: () => subgraph.db.workerServiceRating.count() },
  { name: 'recordHousekeepingComplaint', query: COMPLAIN, input: () => complaint(company.uscc), other: { severity: 'SEVERE' }, rows: () => subgraph.db.housekeepingComplaint.count() },
  { name: 'recordElderlyCareInspection', query: INSPECT, input: () => inspection(company.uscc), other: { findings: '另一次检查' }, rows: () => subgraph.db.elderlyCareInspection.count() },
];

describe('housekeeping writes are idempotent', () => {
  it.each(WRITE_KINDS)('$name: a retried key returns the first record, and the key with other input is refused', async (kind) => {
    const input = kind.input();
    const key = newKey(`retry-${kind.name}`);
    const before = await kind.rows();
    const first = await write(kind.query, input, key);
    const retry = await write(kind.query, input, key);
    expect(first.errors).toBeUndefined();
    expect(retry.errors).toBeUndefined();
    expect(retry.data[kind.name].id).toBe(first.data[kind.name].id);
    expect(await kind.rows()).toBe(before + 1);
    // A retry reports the first write's changes again (nothing new happened): the gateway files them once per write.
    expect(changesOf(retry)).toEqual(changesOf(first));

    const reused = await write(kind.query, { ...input, ...kind.other }, key);
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(await kind.rows()).toBe(before + 1);
  });

  it.each(WRITE_KINDS)('$name: stores one record when the same write arrives six times at once', async (kind) => {
    const input = kind.input();
    const key = newKey(`concurrent-${kind.name}`);
    const before = await kind.rows();
    const ratingBefore = await subgraph.db.worker.findUniqueOrThrow({ where: { id: ratedWorker }, select: { ratingCount: true } });
    const results = await Promise.all(Array.from({ length: 6 }, () => write(kind.query, input, key)));
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    expect(new Set(results.map((r) => r.data[kind.name].id)).size).toBe(1);
    expect(await kind.rows()).toBe(before + 1);
    // One write, one report: every answer reports the same changes (the gateway files them once per write).
    for (const result of results) expect(changesOf(result)).toEqual(changesOf(results[0]));
    if (kind.name === 'recordWorkerServiceRating') {
      const after = await subgraph.db.worker.findUniqueOrThrow({ where: { id: ratedWorker }, select: { ratingCount: true } });
      expect(after.ratingCount).toBe(ratingBefore.ratingCount + 1);
    }
  });
});

describe('housekeeping writes refuse bad input field by field, storing nothing', () => {
  // A company and an institution the sector does not hold yet: a refused write must not create them.
  const target = fresh[3]!.uscc;
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['an empty worker name', REGISTER, worker(target, { name: '   ' }), 'input.name'],
    ['an ID-card number for a name', REGISTER, worker(target, { name: '410105199001011234' }), 'input.name'],
    ['a worker offering no service', REGISTER, worker(target, { serviceTypes: [] }), 'input.serviceTypes'],
    ['an employment starting in the future', REGISTER, worker(target, { employedSince: isoDaysAgo(-3) }), 'input.employedSince'],
    ['a score of 0', RATE, rating({ score: 0 }), 'input.score'],
    ['a score of 6', RATE, rating({ score: 6 }), 'input.score'],
    ['a negative score', RATE, rating({ score: -4 }), 'input.score'],
    ['a rating dated in the future', RATE, rating({ ratedOn: isoDaysAgo(-1) }), 'input.ratedOn'],
    ['an unknown worker', RATE, rating({ workerId: 'wk_0000000000000000' }), 'input.workerId'],
    ['an ID-card number for a worker id', RATE, rating({ workerId: '410105199001011234' }), 'input.workerId'],
    ['a complaint received in the future', COMPLAIN, complaint(target, { receivedOn: isoDaysAgo(-2) }), 'input.receivedOn'],
    ['an empty complaint', COMPLAIN, complaint(target, { summary: ' \n ' }), 'input.summary'],
    ['an inspection in the future', INSPECT, inspection(target, { inspectedOn: isoDaysAgo(-5) }), 'input.inspectedOn'],
    ['an inspection without findings', INSPECT, inspection(target, { findings: '' }), 'input.findings'],
    ['an inspection without an inspector', INSPECT, inspection(target, { inspector: '  ' }), 'input.inspector'],
    ['a FAILED inspection without a severity', INSPECT, inspection(target, { severity: null }), 'input.severity'],
    ['a PASSED inspection with a severity', INSPECT, inspection(target, { result: 'PASSED', severity: 'MINOR' }), 'input.severity'],
  ];

  it.each(cases)('refuses %s', async (_label, query, input, field) => {
    const before = await rowCounts();
    const result = await write(query, input, newKey('bad'));
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(result.data?.[Object.keys(result.data ?? {})[0] ?? ''] ?? null).toBeNull();
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a malformed idempotency key', async () => {
    const before = await rowCounts();
    const result = await write(COMPLAIN, complaint(target), 'short');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a wrong enum and a malformed code before any resolver runs', async () => {
    const before = await rowCounts();
    for (const [query, input] of [
      [COMPLAIN, complaint(target, { category: 'LITTERING' })],
      [COMPLAIN, complaint(target, { severity: 'CATASTROPHIC' })],
      [INSPECT, inspection(target, { result: 'EXCELLENT' })],
      [REGISTER, worker(target, { ageBand: 'AGE_12_17' })],
      [REGISTER, worker(target, { serviceTypes: ['GARDENING'] })],
      [COMPLAIN, complaint('91410100MA44XWJ01X')],
      [INSPECT, inspection(target, { inspectorUscc: '410105199001011234' })],
    ] as const) {
      const result = await write(query, input, newKey('bad-enum'));
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('housekeeping writes are the housekeeping platform\'s alone', () => {
  it.each<[string, Caller]>([
    ['another sector platform', testCaller('SECTOR_PLATFORM', { sector: 'environment', scopes: ['credit:read', writeScope('environment')] })],
    ['the platform without the write scope', { ...PLATFORM, scopes: ['credit:read'] }],
    ['a bank', testBank([company.uscc])],
    ['a regulator', REGULATOR],
    ['the public', PUBLIC],
  ])('refuses %s every write, storing nothing', async (_label, caller) => {
    const before = await rowCounts();
    for (const kind of WRITE_KINDS) {
      const result = await write(kind.query, kind.input(), newKey('forbidden'), caller);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data?.[kind.name] ?? null).toBeNull();
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('housekeeping negative records in and out of view', () => {
  type Listed = { id: string; publication: { status: string } | null };
  const statusById = (records: Listed[]) => Object.fromEntries(records.map((record) => [record.id, record.publication?.status ?? 'NONE']));

  it('marks a complaint under objection, hides a revoked one from everyone and an archived one from all but regulators', async () => {
    const uscc = fresh[4]!.uscc;
    const disputed = await recorded(COMPLAIN, complaint(uscc));
    const revoked = await recorded(COMPLAIN, complaint(uscc));
    // Each severity's window, at its boundary: decided exactly the window ago it is archived,
    // a day later it is on its last day in view.
    const windows = { MINOR: 3, GENERAL: 12, SEVERE: 36 } as const;
    const expired: Record<string, string> = {};
    const lastDay: Record<string, string> = {};
    for (const [severity, months] of Object.entries(windows)) {
      expired[severity] = await recorded(COMPLAIN, complaint(uscc, { severity, receivedOn: monthsAgo(months) }));
      lastDay[severity] = await recorded(COMPLAIN, complaint(uscc, { severity, receivedOn: monthsAgo(months, 1) }));
    }
    const states = [
      { key: `housekeeping:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `housekeeping:${revoked}`, state: 'REVOKED' },
    ];
    const selection = 'housekeeping { complaintCount complaints { id publication { status } } }';

    // Complaints are non-public: what a consenting bank (or the platform) sees is the public view of them.
    for (const reader of [testBank([uscc]), PLATFORM_READING]) {
      const seen = (await entity(uscc, selection, reader, states)).housekeeping;
      const view = statusById(seen.complaints);
      expect(view[disputed]).toBe('UNDER_OBJECTION');
      expect(view[revoked]).toBeUndefined();
      for (const severity of Object.keys(windows)) {
        expect(view[expired[severity]!], `${severity} past its window`).toBeUndefined();
        expect(view[lastDay[severity]!], `${severity} on its last day`).toBe('PUBLISHED');
      }
      expect(seen.complaintCount).toBe(seen.complaints.length);
      expect(seen.complaintCount).toBe(4);
    }
    // The public count agrees, though the complaints themselves are closed to the public.
    expect((await entity(uscc, 'housekeeping { complaintCount }', PUBLIC, states)).housekeeping.complaintCount).toBe(4);

    const regulatorView = statusById((await entity(uscc, selection, REGULATOR, states)).housekeeping.complaints);
    expect(regulatorView[revoked]).toBeUndefined();
    expect(regulatorView[disputed]).toBe('UNDER_OBJECTION');
    for (const severity of Object.keys(windows)) expect(regulatorView[expired[severity]!]).toBe('EXPIRED');
  });

  it('does the same for failed inspections, and leaves passed inspections alone', async () => {
    const uscc = fresh[5]!.uscc;
    const passedLongAgo = await recorded(INSPECT, inspection(uscc, { result: 'PASSED', findings: '未发现问题', severity: null, inspectedOn: monthsAgo(48) }));
    const disputed = await recorded(INSPECT, inspection(uscc));
    const revoked = await recorded(INSPECT, inspection(uscc, { severity: 'SEVERE' }));
    const expired = await recorded(INSPECT, inspection(uscc, { inspectedOn: monthsAgo(12) }));
    const lastDay = await recorded(INSPECT, inspection(uscc, { inspectedOn: monthsAgo(12, 1) }));
    const states = [
      { key: `housekeeping:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `housekeeping:${revoked}`, state: 'REVOKED' },
    ];
    const selection = 'elderlyCare { inspections { id publication { status } } }';

    const publicView = statusById((await entity(uscc, selection, PUBLIC, states)).elderlyCare.inspections);
    expect(publicView).toEqual({ [passedLongAgo]: 'NONE', [disputed]: 'UNDER_OBJECTION', [lastDay]: 'PUBLISHED' });

    const regulatorView = statusById((await entity(uscc, selection, REGULATOR, states)).elderlyCare.inspections);
    expect(regulatorView).toEqual({ [passedLongAgo]: 'NONE', [disputed]: 'UNDER_OBJECTION', [lastDay]: 'PUBLISHED', [expired]: 'EXPIRED' });
  });

  it('publishes elderly-care penalties by their window; a revoked one is gone and no longer withholds the grade', async () => {
    // No write makes penalties (civil affairs decides them): the test puts two on a graded institution.
    const uscc = fresh[8]!.uscc;
    await recorded(INSPECT, inspection(uscc, { result: 'PASSED', findings: '未发现问题', severity: null }));
    await subgraph.db.elderlyCareInstitution.update({ where: { uscc }, data: { filed: true, filingNumber: '郑民养老备字〔2024〕第09999号', filedOn: new Date(monthsAgo(30)), assessedGrade: 3, beds: 80 } });
    const penalty = (id: string, severity: 'MINOR' | 'GENERAL', decidedOn: string) => ({
      id, uscc, decisionNumber: `郑民罚决字〔test〕${id}号`, decidedOn: new Date(decidedOn), reason: '未按规定配备养老护理员', amount: 1.5, severity,
    });
    await subgraph.db.elderlyCarePenalty.createMany({ data: [penalty(`ECP-test-${uscc}-0`, 'GENERAL', isoDaysAgo(30)), penalty(`ECP-test-${uscc}-1`, 'MINOR', monthsAgo(4))] });
    const [general, minor] = [`ECP-test-${uscc}-0`, `ECP-test-${uscc}-1`];
    const selection = 'elderlyCare { grade ungradedReason penalties { id publication { status severity reference } } } housekeepingSignals { grade minorRecords generalRecords }';
    const statuses = (seen: { elderlyCare: { penalties: Listed[] } }) => statusById(seen.elderlyCare.penalties);

    const publicView = await entity(uscc, selection, PUBLIC);
    expect(statuses(publicView)).toEqual({ [general]: 'PUBLISHED' });
    expect(publicView.elderlyCare.penalties[0].publication.reference).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(publicView.elderlyCare).toMatchObject({ grade: null, ungradedReason: 'PENALIZED_WITHIN_2_YEARS' });
    expect(publicView.housekeepingSignals).toEqual({ grade: null, minorRecords: 0, generalRecords: 1 });
    expect(statuses(await entity(uscc, selection, REGULATOR))).toEqual({ [general]: 'PUBLISHED', [minor]: 'EXPIRED' });

    // Both findings revoked: gone for everyone, and the grade shows again.
    const revoked = [general, minor].map((id) => ({ key: `housekeeping:${id}`, state: 'REVOKED' }));
    for (const caller of [PUBLIC, REGULATOR]) {
      const seen = await entity(uscc, selection, caller, revoked);
      expect(seen.elderlyCare).toEqual({ grade: 3, ungradedReason: null, penalties: [] });
      expect(seen.housekeepingSignals).toEqual({ grade: '3', minorRecords: 0, generalRecords: 0 });
    }
  });
});

describe('housekeepingSignals', () => {
  it('counts only the records in view, by severity: complaints, failed inspections and penalties', async () => {
    const uscc = fresh[6]!.uscc;
    await recorded(COMPLAIN, complaint(uscc, { severity: 'GENERAL' }));
    const disputed = await recorded(COMPLAIN, complaint(uscc, { severity: 'MINOR', category: 'NO_SHOW' }));
    await recorded(COMPLAIN, complaint(uscc, { severity: 'MINOR', category: 'NO_SHOW', receivedOn: monthsAgo(3) }));
    const revoked = await recorded(COMPLAIN, complaint(uscc, { severity: 'SEVERE', category: 'THEFT' }));
    const repaired = await recorded(COMPLAIN, complaint(uscc, { severity: 'GENERAL' }));
    await recorded(INSPECT, inspection(uscc, { severity: 'SEVERE' }));
    await recorded(INSPECT, inspection(uscc, { severity: 'SEVERE', inspectedOn: monthsAgo(36) }));
    await recorded(INSPECT, inspection(uscc, { result: 'RECTIFICATION_REQUIRED', severity: null }));
    const states = [
      { key: `housekeeping:${disputed}`, state: 'UNDER_OBJECTION' },
      { key: `housekeeping:${revoked}`, state: 'REVOKED' },
      { key: `housekeeping:${repaired}`, state: 'REPAIRED' },
    ];
    const selection = 'housekeepingSignals { grade minorRecords generalRecords severeRecords }';
    // Public, and the same for every reader: the evaluation's input.
    for (const caller of [PUBLIC, REGULATOR]) {
      expect((await entity(uscc, selection, caller, states)).housekeepingSignals).toEqual({
        // Unfiled institution (first known by its inspections): no grade.
        grade: null,
        // The disputed one still counts (shown, marked); the archived one does not.
        minorRecords: 1,
        generalRecords: 1,
        // The failed inspection in its window; the 36-month-old one has left view.
        severeRecords: 1,
      });
    }
    // Without the registry's states, the revoked and repaired complaints would count.
    expect((await entity(uscc, selection, PUBLIC)).housekeepingSignals).toMatchObject({ generalRecords: 2, severeRecords: 2 });
  });

  it("gives the institution's stars as the grade, null for an enterprise without a graded institution", async () => {
    const model = universe[SHOWCASE.MODEL_GROUP]!;
    const careHome = universe[SHOWCASE.CARE_HOME]!;
    const grades = async (uscc: string) => (await entity(uscc, 'elderlyCare { grade } housekeepingSignals { grade }', PUBLIC));
    expect(await grades(model.uscc)).toEqual({ elderlyCare: { grade: 5 }, housekeepingSignals: { grade: '5' } });
    const care = await grades(careHome.uscc);
    expect(['4', '5']).toContain(care.housekeepingSignals.grade);
    expect(care.housekeepingSignals.grade).toBe(String(care.elderlyCare.grade));
    // A housekeeping company that runs no institution, and an enterprise unknown to the sector.
    const noInstitution = universe.find((e) => e.sectors.housekeeping && !e.sectors.elderlyCare);
    for (const uscc of [...(noInstitution ? [noInstitution.uscc] : []), fresh[7]!.uscc]) {
      expect((await grades(uscc)).housekeepingSignals.grade).toBeNull();
    }
    // An institution whose grade is withheld (unfiled, listed, penalized in 2 years) gives none either.
    for (const enterprise of universe.filter((e) => e.sectors.elderlyCare)) {
      const seen = await entity(enterprise.uscc, 'elderlyCare { grade ungradedReason } housekeepingSignals { grade }', PUBLIC);
      expect(seen.housekeepingSignals.grade).toBe(seen.elderlyCare.grade === null ? null : String(seen.elderlyCare.grade));
    }
  });
});
