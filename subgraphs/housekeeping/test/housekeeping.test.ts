import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SHOWCASE, maskName, publicationWindow, seedUniverse, type RunningSubgraph, type SeedEnterprise } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, describeNonPublicFields } from '@credit-graph/subgraph-kit/testing';
import { buildElderlyCare, buildHousekeeping, workerIdFor } from '../prisma/seed.ts';
import { housekeeping } from '../src/index.ts';
import { ungradedReason } from '../src/resolvers.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
const model = universe[SHOWCASE.MODEL_GROUP]!;
const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
const careHome = universe[SHOWCASE.CARE_HOME]!;
const companyCodes = universe.filter((e) => e.sectors.housekeeping).map((e) => e.uscc);
const seededCompany = (enterprise: SeedEnterprise) =>
  buildHousekeeping(enterprise, companyCodes.filter((code) => code !== enterprise.uscc));
const modelWorkerId = workerIdFor(model.uscc, 0);
/** Complaints are negative records: outside their window (from receipt, by severity) they leave public view. */
const inPublicView = (complaint: { receivedOn: string | Date; severity: 'MINOR' | 'GENERAL' | 'SEVERE' }) =>
  businessToday() <= publicationWindow(complaint.severity, new Date(complaint.receivedOn)).publishedUntil;
/** Complaints are non-public: the data tests read them as the housekeeping platform, which sees names masked. */
const PLATFORM: Caller = { subject: 'platform-1', role: 'SECTOR_PLATFORM', scopes: ROLE_SCOPES.SECTOR_PLATFORM, sector: 'housekeeping', purpose: 'SUPERVISION' };
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
let subgraph: RunningSubgraph<unknown>;

const ENTERPRISE_SELECTION = `uscc
  housekeeping {
    serviceRating ratingCount complaintCount complaints { id receivedOn category summary resolved }
    workerCount workers(first: 100) { id name sex ageBand backgroundCheck { outcome checkedOn flaggedCategories } rating { average count }
      certificates { name } trainings { course } serviceHistory { employer { uscc } to } employer { uscc } }
  }
  elderlyCare {
    filed filingNumber grade ungradedReason beds
    inspections { result inspector } penalties { amount severity decidedOn } commitments { content termEnd }
  }`;

beforeAll(async () => {
  subgraph = await startTestSubgraph(housekeeping, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('housekeeping subgraph', () => {
  it('resolves the model group through _entities with its housekeeping and elderly-care records', async () => {
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', ENTERPRISE_SELECTION), {
      representations: [{ __typename: 'Enterprise', uscc: model.uscc }],
    }, PLATFORM);
    expect(errors).toBeUndefined();
    const { housekeeping: company, elderlyCare } = data._entities[0];
    const seeded = seededCompany(model);
    const currentWorkers = seeded.workers.filter((worker) => worker.uscc === model.uscc);

    expect(company.serviceRating).toBe(4.9);
    expect(company.ratingCount).toBe(seeded.company.ratingCount);
    // The platform sees the complaints in their publication window, not the archived ones.
    const published = seeded.complaints.filter(inPublicView);
    expect(company.complaintCount).toBe(published.length);
    expect(company.complaints.map((c: { id: string }) => c.id).sort()).toEqual(published.map((c) => c.id).sort());
    expect(company.complaints.every((c: { resolved: boolean }) => c.resolved)).toBe(true);
    expect(company.workerCount).toBe(currentWorkers.length);
    expect(company.workers).toHaveLength(currentWorkers.length);
    expect(company.workers.map((w: { id: string }) => w.id)).toContain(modelWorkerId);
    // The model group employs no worker whose background check has a finding.
    expect(company.workers.some((w: { backgroundCheck: { outcome: string } }) => w.backgroundCheck.outcome === 'FLAGGED')).toBe(false);
    for (const worker of company.workers) {
      expect(worker.id).toMatch(/^wk_[0-9a-f]{16}$/);
      expect(worker.name).toMatch(/^.\*+$/u);
      expect(worker.employer).toEqual({ uscc: model.uscc });
    }

    expect(elderlyCare).toMatchObject({ filed: true, grade: 5, ungradedReason: null, beds: 320, penalties: [] });
    expect(elderlyCare.filingNumber).toMatch(/^郑民养老备字〔\d{4}〕第00000号$/);
    expect(elderlyCare.inspections.length).toBe(4);
    expect(elderlyCare.inspections.every((i: { result: string }) => i.result === 'PASSED')).toBe(true);
    expect(elderlyCare.commitments).toHaveLength(1);
  });

  it('answers null for enterprises the sector has no record of, including the risky supplier', async () => {
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'uscc housekeeping { ratingCount } elderlyCare { beds }'), {
      representations: [risky.uscc, '91350100M000100Y43'].map((uscc) => ({ __typename: 'Enterprise', uscc })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      { uscc: risky.uscc, housekeeping: null, elderlyCare: null },
      { uscc: '91350100M000100Y43', housekeeping: null, elderlyCare: null },
    ]);
  });

  it('shows the care home graded 4 or 5 with passed inspections and no housekeeping record', async () => {
    const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'housekeeping { ratingCount } elderlyCare { filed grade inspections { result } }'), {
      representations: [{ __typename: 'Enterprise', uscc: careHome.uscc }],
    });
    const { housekeeping: company, elderlyCare } = data._entities[0];
    expect(company).toBeNull();
    expect(elderlyCare.filed).toBe(true);
    expect([4, 5]).toContain(elderlyCare.grade);
    expect(elderlyCare.inspections.length).toBeGreaterThan(0);
    expect(elderlyCare.inspections.every((i: { result: string }) => i.result === 'PASSED')).toBe(true);
  });

  it('gives a watched company more complaints than the clean ones', async () => {
    const watched = universe.find((e) => e.sectors.housekeeping && e.risk === 'WATCH')!;
    const seeded = seededCompany(watched).complaints;
    const countFor = async (caller: Caller) => {
      const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'housekeeping { complaintCount complaints { category } }'), {
        representations: [{ __typename: 'Enterprise', uscc: watched.uscc }],
      }, caller);
      expect(data._entities[0].housekeeping.complaints).toHaveLength(data._entities[0].housekeeping.complaintCount);
      return data._entities[0].housekeeping.complaintCount;
    };
    // A regulator counts the archived complaints too; the platform only those in their window.
    expect(await countFor(REGULATOR)).toBe(seeded.length);
    expect(seeded.length).toBeGreaterThanOrEqual(2);
    expect(await countFor(PLATFORM)).toBe(seeded.filter(inPublicView).length);
  });

  it('answers a worker by id, masked, with certificates, trainings, background check and history', async () => {
    const seeded = seededCompany(model).workers[0]!;
    const { data, errors } = await subgraphGraphql(subgraph.url, `query ($id: ID!) { worker(id: $id) {
      id name sex ageBand certificates { name level issuedOn issuer } trainings { course hours completedOn provider }
      backgroundCheck { outcome checkedOn flaggedCategories } serviceHistory { employer { uscc } serviceType from to }
      rating { average count } employer { uscc } } }`, { id: modelWorkerId });
    expect(errors).toBeUndefined();
    const worker = data.worker;
    expect(worker.id).toBe(modelWorkerId);
    expect(worker.name).toBe(maskName(seeded.name));
    expect(worker.name).not.toBe(seeded.name);
    expect(worker.sex).toBe(seeded.sex);
    expect(worker.ageBand).toMatch(/^AGE_(18_25|26_35|36_45|46_55|56_PLUS)$/);
    expect(worker.certificates.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['养老护理员', '家政服务员']));
    expect(worker.certificates[0].issuedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(worker.trainings.length).toBe(3);
    expect(worker.backgroundCheck).toMatchObject({ outcome: 'CLEAR', flaggedCategories: [] });
    expect(worker.backgroundCheck.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(worker.rating).toEqual({ average: 4.9, count: 186 });
    expect(worker.employer).toEqual({ uscc: model.uscc });
    // The current job first (still running), then two earlier ones elsewhere.
    expect(worker.serviceHistory).toHaveLength(3);
    expect(worker.serviceHistory[0]).toMatchObject({ employer: { uscc: model.uscc }, serviceType: 'ELDERLY_CARE', to: null });
    expect(worker.serviceHistory.slice(1).every((job: { employer: { uscc: string }; to: string }) => job.employer.uscc !== model.uscc && job.to)).toBe(true);
  });

  it('exposes neither birth dates nor ID-card numbers on Worker', async () => {
    const { data } = await subgraphGraphql(subgraph.url, '{ __type(name: "Worker") { fields { name } } }');
    const fields = data.__type.fields.map((field: { name: string }) => field.name);
    expect(fields).not.toContain('birthDate');
    expect(fields.filter((name: string) => /id.?card|identity/i.test(name))).toEqual([]);
  });

  it('answers null for an unknown well-formed worker id and refuses other ids with BAD_USER_INPUT', async () => {
    const unknown = await subgraphGraphql(subgraph.url, '{ worker(id: "wk_0000000000000000") { id } }');
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.worker).toBeNull();

    for (const id of ['410105199001011234', 'wk_ABCDEF0123456789', 'wk_123']) {
      const refused = await subgraphGraphql(subgraph.url, 'query ($id: ID!) { worker(id: $id) { id } }', { id });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('"wk_" followed by 16 lowercase hex characters');
    }
  });

  it('resolves Worker entities in one batch, in order, null for unknown ids', async () => {
    const ids = [workerIdFor(model.uscc, 1), 'wk_0000000000000000', modelWorkerId, 'not-a-worker-id'];
    const before = subgraph.sqlStatements();
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Worker', 'id name certificates { name } employer { uscc }'), {
      representations: ids.map((id) => ({ __typename: 'Worker', id })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities.map((worker: { id: string } | null) => worker?.id ?? null)).toEqual([ids[0], null, ids[2], null]);
    expect(data._entities[2].employer).toEqual({ uscc: model.uscc });
    // One statement for the workers, one for all their certificates.
    expect(subgraph.sqlStatements() - before).toBe(2);
  });

  it('bounds workers(first) to 1-100', async () => {
    const query = 'query ($r: [_Any!]!, $first: Int) { _entities(representations: $r) { ... on Enterprise { housekeeping { workerCount workers(first: $first) { id } } } } }';
    const r = [{ __typename: 'Enterprise', uscc: model.uscc }];
    const three = await subgraphGraphql(subgraph.url, query, { r, first: 3 });
    const all = await subgraphGraphql(subgraph.url, query, { r, first: 100 });
    expect(three.data?._entities[0].housekeeping.workers).toEqual(all.data?._entities[0].housekeeping.workers.slice(0, 3));

    // Only workers selected: a sibling loader still running after the error would count in the next test.
    const tooMany = await subgraphGraphql(subgraph.url, query.replace('workerCount ', ''), { r, first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toContain('between 1 and 100');
  });

  it('costs a constant number of SQL statements for a batch of enterprises', async () => {
    // Every sector enterprise of the universe first, then others, to 50 representations.
    const batch = [...universe.filter((e) => e.sectors.housekeeping || e.sectors.elderlyCare), ...universe.filter((e) => !e.sectors.housekeeping && !e.sectors.elderlyCare)]
      .slice(0, 50)
      .map((e) => ({ __typename: 'Enterprise', uscc: e.uscc }));
    const statementsFor = async (representations: typeof batch) => {
      const before = subgraph.sqlStatements();
      const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', ENTERPRISE_SELECTION), { representations }, PLATFORM);
      expect(errors).toBeUndefined();
      expect(data._entities).toHaveLength(representations.length);
      return subgraph.sqlStatements() - before;
    };
    // 12 statements: company, complaints, worker counts, worker ids, workers, certificates,
    // trainings, service records; institution, inspections, penalties, commitments.
    expect(await statementsFor(batch)).toBe(12);
    expect(await statementsFor(batch.slice(0, 3))).toBe(12);
  });
});

describe('housekeeping personal data', () => {
  const BANK: Caller = { subject: 'officer-1', role: 'BANK', scopes: ROLE_SCOPES.BANK, institution: '91410100MA44XWJ01Y', purpose: 'LOAN_APPROVAL' };

  it('masks worker names for a bank and shows them to a regulator (personal:read), by id and as entities', async () => {
    const seeded = seededCompany(model).workers.find((worker) => worker.id === modelWorkerId)!;
    const names = async (caller: Caller) => {
      const byId = await subgraphGraphql(subgraph.url, 'query ($id: ID!) { worker(id: $id) { name } }', { id: modelWorkerId }, caller);
      const entity = await subgraphGraphql(subgraph.url, entitiesQuery('Worker', 'name'), {
        representations: [{ __typename: 'Worker', id: modelWorkerId }],
      }, caller);
      expect(byId.errors ?? entity.errors).toBeUndefined();
      return [byId.data.worker.name, entity.data._entities[0].name];
    };
    expect(maskName(seeded.name)).not.toBe(seeded.name);
    expect(await names(BANK)).toEqual([maskName(seeded.name), maskName(seeded.name)]);
    expect(await names(REGULATOR)).toEqual([seeded.name, seeded.name]);
  });

  it('shows a caller holding a worker\'s authorization that worker unmasked, and every other worker masked', async () => {
    const otherWorkerId = workerIdFor(model.uscc, 1);
    const seeded = seededCompany(model).workers;
    const nameOf = (id: string) => seeded.find((worker) => worker.id === id)!.name;
    const household: Caller = { subject: 'anonymous', role: 'PUBLIC', scopes: [], workerGrants: [modelWorkerId] };
    const { data, errors } = await subgraphGraphql(subgraph.url, `query ($a: ID!, $b: ID!, $r: [_Any!]!) {
      a: worker(id: $a) { id name } b: worker(id: $b) { id name }
      _entities(representations: $r) { ... on Worker { id name } ... on Enterprise { housekeeping { workers(first: 100) { id name } } } } }`, {
      a: modelWorkerId,
      b: otherWorkerId,
      r: [{ __typename: 'Worker', id: modelWorkerId }, { __typename: 'Enterprise', uscc: model.uscc }],
    }, household);
    expect(errors).toBeUndefined();
    expect(maskName(nameOf(otherWorkerId))).not.toBe(nameOf(otherWorkerId));
    expect(data.a).toEqual({ id: modelWorkerId, name: nameOf(modelWorkerId) });
    expect(data.b).toEqual({ id: otherWorkerId, name: maskName(nameOf(otherWorkerId)) });
    expect(data._entities[0]).toEqual({ id: modelWorkerId, name: nameOf(modelWorkerId) });
    // In the employer's list too: only the authorizing worker is shown in full.
    const listed = data._entities[1].housekeeping.workers as { id: string; name: string }[];
    expect(listed.length).toBeGreaterThan(1);
    for (const worker of listed) {
      expect(worker.name).toBe(worker.id === modelWorkerId ? nameOf(worker.id) : maskName(nameOf(worker.id)));
    }
  });

  it('refuses a signed caller whose worker grants are not worker ids', async () => {
    const forged: Caller = { subject: 'anonymous', role: 'PUBLIC', scopes: [], workerGrants: ['410105199001011234'] };
    const { status, data, errors } = await subgraphGraphql(subgraph.url, 'query ($id: ID!) { worker(id: $id) { name } }', { id: modelWorkerId }, forged);
    expect(status).toBe(401);
    expect(data ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(errors?.[0]?.message).toContain('"workerGrants"');
  });
});

describe('housekeeping seed and grading rules', () => {
  const large = seedUniverse(2000);
  const largeCodes = large.filter((e) => e.sectors.housekeeping).map((e) => e.uscc);

  it('gives a risky company theft and abuse complaints and a flagged worker (categories only)', () => {
    const riskyCompany = large.find((e) => e.sectors.housekeeping && e.risk === 'RISKY')!;
    const rows = buildHousekeeping(riskyCompany, largeCodes.filter((code) => code !== riskyCompany.uscc));
    expect(rows.complaints.length).toBeGreaterThanOrEqual(5);
    expect(rows.complaints.map((c) => c.category)).toEqual(expect.arrayContaining(['THEFT', 'ABUSE']));
    expect(rows.company.serviceRating).toBeLessThan(3.4);
    const flagged = rows.workers.filter((w) => w.backgroundOutcome === 'FLAGGED');
    expect(flagged.length).toBeGreaterThanOrEqual(1);
    expect((flagged[0]!.flaggedCategories as string[]).length).toBe(1);
  });

  it('is deterministic and keeps worker ids opaque', () => {
    expect(buildHousekeeping(model, companyCodes)).toEqual(buildHousekeeping(model, companyCodes));
    expect(workerIdFor(model.uscc, 0)).toBe(modelWorkerId);
    expect(modelWorkerId).toMatch(/^wk_[0-9a-f]{16}$/);
    const allWorkers = large.filter((e) => e.sectors.housekeeping).flatMap((e) => buildHousekeeping(e, largeCodes).workers);
    const share = (outcome: string) => allWorkers.filter((w) => w.backgroundOutcome === outcome).length / allWorkers.length;
    expect(share('FLAGGED')).toBeGreaterThan(0.01);
    expect(share('FLAGGED')).toBeLessThan(0.06);
    expect(share('PENDING')).toBeGreaterThan(0.02);
    expect(share('PENDING')).toBeLessThan(0.09);
  });

  it('withholds a risky institution\'s grade after a recent penalty', () => {
    const riskyHome = large.find((e) => e.sectors.elderlyCare && e.risk === 'RISKY')!;
    const rows = buildElderlyCare(riskyHome);
    expect(rows.penalties.length).toBeGreaterThanOrEqual(1);
    expect(rows.inspections[0]!.result).toBe('FAILED');
    const { filed, onDishonestyList, assessedGrade } = rows.institution;
    const penalties = rows.penalties.map((penalty) => ({ decidedOn: new Date(penalty.decidedOn) }));
    // The seed is dated relative to the business day it runs on: so is the check.
    expect(ungradedReason({ filed, onDishonestyList, assessedGrade: assessedGrade ?? null }, penalties, businessToday())).not.toBeNull();
  });

  it('grades only filed institutions off the dishonesty list without a penalty in 2 years', () => {
    const today = new Date('2026-11-27');
    const graded = { filed: true, onDishonestyList: false, assessedGrade: 4 };
    expect(ungradedReason(graded, [], today)).toBeNull();
    expect(ungradedReason({ ...graded, filed: false }, [], today)).toBe('UNFILED');
    expect(ungradedReason({ ...graded, onDishonestyList: true }, [], today)).toBe('ON_DISHONESTY_LIST');
    expect(ungradedReason(graded, [{ decidedOn: new Date('2025-01-10') }], today)).toBe('PENALIZED_WITHIN_2_YEARS');
    expect(ungradedReason(graded, [{ decidedOn: new Date('2024-11-20') }], today)).toBeNull();
    expect(ungradedReason({ ...graded, assessedGrade: null }, [], today)).toBe('NOT_ASSESSED');
  });

  it('counts 2 years back from 29 February to 28 February', () => {
    const graded = { filed: true, onDishonestyList: false, assessedGrade: 4 };
    const leapDay = new Date('2028-02-29');
    expect(ungradedReason(graded, [{ decidedOn: new Date('2026-03-01') }], leapDay)).toBe('PENALIZED_WITHIN_2_YEARS');
    expect(ungradedReason(graded, [{ decidedOn: new Date('2026-02-28') }], leapDay)).toBeNull();
  });
});

describeNonPublicFields({
  sector: 'housekeeping',
  otherSector: 'finance',
  fields: 'complaints',
  enterprises: () => [model.uscc, companyCodes.find((uscc) => uscc !== model.uscc)!],
  read: () => ({
    url: subgraph.url,
    selection: 'uscc housekeeping { complaintCount complaints { id } }',
    guarded: ['housekeeping.complaints'],
    checkPublic: (entity: any) => {
      expect(entity.housekeeping.complaintCount).toEqual(expect.any(Number));
    },
  }),
});
