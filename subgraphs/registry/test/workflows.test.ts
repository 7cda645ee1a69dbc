// The registry's workflows at the subgraph: objections, repair, lists, commitments and the
// evaluation, each with the roles that may take a step and the transitions that are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, fixedClock, isoDate, makeUscc, signRecordReference, useClock, type Caller, type RecordReference } from '@credit-graph/contract';
import { seedUniverse, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, TEST_CALLER_SECRET, testBank, testCaller, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { registry } from '../src/index.ts';
import { addWorkingDays } from '../src/workflows.ts';
import { BASE_SCORE } from '../src/evaluation.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

const universe = seedUniverse(60);
const REGULATOR = testCaller('REGULATOR', { institution: makeUscc('11', '410100', '00000201'), purpose: 'SUPERVISION' });
const ENVIRONMENT_PLATFORM = testCaller('SECTOR_PLATFORM', { sector: 'environment', scopes: ['credit:read', writeScope('environment')] });
const TRADE_PLATFORM = testCaller('SECTOR_PLATFORM', { sector: 'trade', scopes: ['credit:read', writeScope('trade')] });
const PUBLIC = testCaller('PUBLIC');
const enterpriseCaller = (uscc: string): Caller => testCaller('ENTERPRISE', { uscc });
let subgraph: RunningSubgraph<PrismaClient>;
let keyCounter = 0;
const key = () => `registry-test-${++keyCounter}-${Date.now()}`;

/** A reference as the environment subgraph would sign it for one of its violations. */
function environmentReference(uscc: string, id: string, overrides: Partial<RecordReference> = {}): string {
  return signRecordReference(
    { source: 'environment', id, uscc, severity: 'GENERAL', decidedOn: isoDaysAgo(20), kind: 'EnvironmentalViolation', ...overrides },
    TEST_CALLER_SECRET,
  );
}

const FILE = `mutation ($input: ObjectionInput!, $key: String!) { fileObjection(input: $input, idempotencyKey: $key) { id status recordKey dueOn providerMustCheck overdue } }`;
const ANSWER = `mutation ($id: ID!, $key: String!) { answerObjection(objectionId: $id, confirms: false, answer: "The reading was taken from a faulty meter", idempotencyKey: $key) { id status providerConfirms } }`;
const DECIDE = `mutation ($id: ID!, $decision: ObjectionDecision!, $key: String!) { decideObjection(objectionId: $id, decision: $decision, reason: "Reviewed the evidence", idempotencyKey: $key) { id status } }`;
const APPLY = `mutation ($input: RepairInput!, $key: String!) { applyForCreditRepair(input: $input, idempotencyKey: $key) { id status recordKey } }`;
const DECIDE_REPAIR = `mutation ($id: ID!, $approve: Boolean!, $key: String!) { decideCreditRepair(applicationId: $id, approve: $approve, reason: "Obligations verified", idempotencyKey: $key) { id status } }`;

async function file(uscc: string, reference: string, caller: Caller = enterpriseCaller(uscc)) {
  return subgraphGraphql(subgraph.url, FILE, { input: { reference, reason: 'The finding is wrong', evidence: 'DOC-2026-001' }, key: key() }, caller);
}

async function statesOf(uscc: string): Promise<Record<string, string>> {
  const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'creditRecordStates { key state }'), {
    representations: [{ __typename: 'Enterprise', uscc }],
  }, PUBLIC);
  return Object.fromEntries(data._entities[0].creditRecordStates.map((s: { key: string; state: string }) => [s.key, s.state]));
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(registry, universe.length);
});
afterAll(() => subgraph?.stop());

describe('objections', () => {
  it('counts working days, skipping weekends', () => {
    // Friday 2026-11-27 + 3 working days = Wednesday 2026-12-02; + 7 = Tuesday 2026-12-08.
    expect(addWorkingDays(new Date('2026-11-27T10:00:00Z'), 3).toISOString().slice(0, 10)).toBe('2026-12-02');
    expect(addWorkingDays(new Date('2026-11-27T10:00:00Z'), 7).toISOString().slice(0, 10)).toBe('2026-12-08');
  });

  it.each([
    // filed (a business day), working days, due: across month ends, the year end and 29 February
    ['2026-11-27', 3, '2026-12-02'], // Friday
    ['2026-11-28', 3, '2026-12-02'], // Saturday: the count starts on Monday
    ['2026-11-30', 7, '2026-12-09'],
    ['2026-12-31', 3, '2027-01-05'], // Thursday, over the year end
    ['2027-12-31', 1, '2028-01-03'], // Friday
    ['2028-02-28', 3, '2028-03-02'], // Monday; 29 February is a Tuesday
    ['2028-02-29', 1, '2028-03-01'],
    ['2027-02-26', 3, '2027-03-03'], // Friday, common year
    ['2027-04-30', 7, '2027-05-11'],
  ] as const)('counts %s + %i working days to %s', (filed, days, due) => {
    expect(isoDate(addWorkingDays(new Date(`${filed}T00:00:00Z`), days))).toBe(due);
  });

  it('counts every month end of 2027 and 2028: the due day is a weekday after the filing day, with exactly n weekdays in between', () => {
    for (const year of [2027, 2028]) {
      for (let month = 0; month < 12; month++) {
        for (const dayOfMonth of [28, 29, 30, 31]) {
          const filed = new Date(Date.UTC(year, month, dayOfMonth));
          if (filed.getUTCDate() !== dayOfMonth) continue; // no such day
          for (const days of [1, 3, 7]) {
            const due = addWorkingDays(filed, days);
            expect([0, 6]).not.toContain(due.getUTCDay());
            let weekdays = 0;
            for (let d = new Date(filed.getTime() + 86_400_000); d <= due; d = new Date(d.getTime() + 86_400_000)) {
              if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) weekdays++;
            }
            expect(weekdays, `${isoDate(filed)} + ${days}`).toBe(days);
          }
        }
      }
    }
  });

  it("counts the working days from the day of filing in Zhengzhou: filed Thursday 16:30Z, that is Friday 00:30 there", async () => {
    const restore = useClock(fixedClock('2026-11-26T16:30:00Z'));
    try {
      const uscc = universe[50]!.uscc;
      const filed = await file(uscc, environmentReference(uscc, 'ev_business_day', { decidedOn: '2026-10-01' }));
      expect(filed.errors).toBeUndefined();
      // Friday 27 November + 7 working days = Tuesday 8 December (from Thursday it would be the 7th).
      expect(filed.data.fileObjection.dueOn).toBe('2026-12-08');
    } finally {
      restore();
    }
  });

  it('files, answers and revokes: the record is under objection at once, then revoked', async () => {
    const uscc = universe[10]!.uscc;
    const reference = environmentReference(uscc, 'ev_objection_1');
    const filed = await file(uscc, reference);
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileObjection).toMatchObject({
      status: 'FILED',
      recordKey: 'environment:ev_objection_1',
      providerMustCheck: true,
      dueOn: addWorkingDays(businessToday(), 7).toISOString().slice(0, 10),
      overdue: false,
    });
    expect((await statesOf(uscc))['environment:ev_objection_1']).toBe('UNDER_OBJECTION');
    const id = filed.data.fileObjection.id;

    // Only the platform of the record's sector answers.
    const wrongSector = await subgraphGraphql(subgraph.url, ANSWER, { id, key: key() }, TRADE_PLATFORM);
    expect(wrongSector.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const answered = await subgraphGraphql(subgraph.url, ANSWER, { id, key: key() }, ENVIRONMENT_PLATFORM);
    expect(answered.data.answerObjection).toMatchObject({ status: 'ANSWERED', providerConfirms: false });
    const again = await subgraphGraphql(subgraph.url, ANSWER, { id, key: key() }, ENVIRONMENT_PLATFORM);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', state: 'ANSWERED' });

    // Neither the enterprise nor the platform decides; the regulator does, once.
    for (const caller of [enterpriseCaller(uscc), ENVIRONMENT_PLATFORM]) {
      const refused = await subgraphGraphql(subgraph.url, DECIDE, { id, decision: 'REVOKED', key: key() }, caller);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const revoked = await subgraphGraphql(subgraph.url, DECIDE, { id, decision: 'REVOKED', key: key() }, REGULATOR);
    expect(revoked.data.decideObjection.status).toBe('REVOKED');
    expect((await statesOf(uscc))['environment:ev_objection_1']).toBe('REVOKED');
    const twice = await subgraphGraphql(subgraph.url, DECIDE, { id, decision: 'UPHELD', key: key() }, REGULATOR);
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', state: 'REVOKED' });

    // A revoked record cannot be objected to again.
    const refiled = await file(uscc, reference);
    expect(refiled.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });

  it('lets one of several simultaneous objections against a record through', async () => {
    const uscc = universe[11]!.uscc;
    const reference = environmentReference(uscc, 'ev_concurrent');
    const results = await Promise.all(Array.from({ length: 5 }, () => file(uscc, reference)));
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    for (const refused of results.filter((r) => r.errors !== undefined)) {
      expect(refused.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    }
    expect(await subgraph.db.objection.count({ where: { recordKey: 'environment:ev_concurrent' } })).toBe(1);
  });

  it('lets one of two simultaneous decisions win', async () => {
    const uscc = universe[12]!.uscc;
    const filed = await file(uscc, environmentReference(uscc, 'ev_race'));
    const id = filed.data.fileObjection.id;
    const [a, b] = await Promise.all([
      subgraphGraphql(subgraph.url, DECIDE, { id, decision: 'REVOKED', key: key() }, REGULATOR),
      subgraphGraphql(subgraph.url, DECIDE, { id, decision: 'UPHELD', key: key() }, REGULATOR),
    ]);
    expect([a, b].filter((r) => r.errors === undefined)).toHaveLength(1);
    const stored = await subgraph.db.objection.findUniqueOrThrow({ where: { id } });
    const winner = [a, b].find((r) => r.errors === undefined)!;
    expect(stored.status).toBe(winner.data.decideObjection.status);
  });

  it('refuses objections to another enterprise’s record, by a bank, or with a forged reference', async () => {
    const uscc = universe[13]!.uscc;
    const reference = environmentReference(uscc, 'ev_not_yours');
    const other = await file(uscc, reference, enterpriseCaller(universe[14]!.uscc));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bank = await file(uscc, reference, testBank([uscc]));
    expect(bank.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const forged = signRecordReference(
      { source: 'environment', id: 'ev_x', uscc, severity: 'GENERAL', decidedOn: isoDaysAgo(20), kind: 'EnvironmentalViolation' },
      'another-secret-of-at-least-thirty-two-characters',
    );
    const bad = await file(uscc, forged);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.reference' });
    expect(await subgraph.db.objection.count({ where: { uscc } })).toBe(0);
  });

  it('refuses a second objection against a record that was reviewed and upheld', async () => {
    const uscc = universe[16]!.uscc;
    const reference = environmentReference(uscc, 'ev_upheld');
    const filed = await file(uscc, reference);
    const upheld = await subgraphGraphql(subgraph.url, DECIDE, { id: filed.data.fileObjection.id, decision: 'UPHELD', key: key() }, REGULATOR);
    expect(upheld.data.decideObjection.status).toBe('UPHELD');
    expect((await statesOf(uscc))['environment:ev_upheld']).toBeUndefined();
    const again = await file(uscc, reference);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', state: 'UPHELD' });
    expect(await subgraph.db.objection.count({ where: { recordKey: 'environment:ev_upheld' } })).toBe(1);
  });

  it('lists overdue objections for regulators only', async () => {
    const uscc = universe[15]!.uscc;
    const filed = await file(uscc, environmentReference(uscc, 'ev_overdue'));
    await subgraph.db.objection.update({ where: { id: filed.data.fileObjection.id }, data: { dueOn: new Date(isoDaysAgo(1)) } });
    const query = '{ overdueObjections { id overdue recordKey } }';
    const regulator = await subgraphGraphql(subgraph.url, query, {}, REGULATOR);
    expect(regulator.data.overdueObjections).toContainEqual({ id: filed.data.fileObjection.id, overdue: true, recordKey: 'environment:ev_overdue' });
    const bank = await subgraphGraphql(subgraph.url, query, {}, testBank([]));
    expect(bank.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('credit repair', () => {
  it('refuses a repair before the minimum publication period, with the first eligible day', async () => {
    const uscc = universe[20]!.uscc;
    const reference = environmentReference(uscc, 'ev_too_early', { severity: 'GENERAL', decidedOn: isoDaysAgo(30) });
    const result = await subgraphGraphql(subgraph.url, APPLY, { input: { reference, obligationsFulfilled: 'Fine paid', commitment: 'We commit to comply' }, key: key() }, enterpriseCaller(uscc));
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_ELIGIBLE');
    expect(result.errors?.[0]?.extensions?.repairableFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('approves a repair after the minimum period: publication ends; a second decision is refused', async () => {
    const uscc = universe[21]!.uscc;
    const reference = environmentReference(uscc, 'ev_repairable', { severity: 'GENERAL', decidedOn: isoDaysAgo(120) });
    const applied = await subgraphGraphql(subgraph.url, APPLY, { input: { reference, obligationsFulfilled: 'Fine paid on 2026-08-01', commitment: 'We commit to comply' }, key: key() }, enterpriseCaller(uscc));
    expect(applied.data.applyForCreditRepair.status).toBe('APPLIED');
    const id = applied.data.applyForCreditRepair.id;
    const byEnterprise = await subgraphGraphql(subgraph.url, DECIDE_REPAIR, { id, approve: true, key: key() }, enterpriseCaller(uscc));
    expect(byEnterprise.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const approved = await subgraphGraphql(subgraph.url, DECIDE_REPAIR, { id, approve: true, key: key() }, REGULATOR);
    expect(approved.data.decideCreditRepair.status).toBe('APPROVED');
    expect((await statesOf(uscc))['environment:ev_repairable']).toBe('REPAIRED');
    const again = await subgraphGraphql(subgraph.url, DECIDE_REPAIR, { id, approve: false, key: key() }, REGULATOR);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', state: 'APPROVED' });
  });

  it('repairs the registry’s own penalty: it leaves the public view, the regulator still sees it', async () => {
    const enterprise = universe.find((e) => e.risk !== 'CLEAN')!;
    const query = entitiesQuery('Enterprise', 'penalties { id decisionDate severity publication { status reference repairableFrom } }');
    const read = async (caller: Caller) =>
      (await subgraphGraphql(subgraph.url, query, { representations: [{ __typename: 'Enterprise', uscc: enterprise.uscc }] }, caller)).data._entities[0].penalties as {
        id: string;
        publication: { status: string; reference: string; repairableFrom: string };
      }[];
    // A GENERAL penalty decided four months ago: published, and past its three-month minimum.
    const penaltyId = 'PEN-repair-test';
    const template = await subgraph.db.administrativePenalty.findFirstOrThrow();
    await subgraph.db.administrativePenalty.create({
      data: { ...template, id: penaltyId, uscc: enterprise.uscc, decisionNumber: 'repair-test-1', severity: 'GENERAL', decisionDate: new Date(isoDaysAgo(120)) },
    });
    const target = (await read(PUBLIC)).find((p) => p.id === penaltyId);
    expect(target?.publication.status).toBe('PUBLISHED');
    const applied = await subgraphGraphql(subgraph.url, APPLY, { input: { reference: target!.publication.reference, obligationsFulfilled: 'Fine paid', commitment: 'We commit' }, key: key() }, enterpriseCaller(enterprise.uscc));
    await subgraphGraphql(subgraph.url, DECIDE_REPAIR, { id: applied.data.applyForCreditRepair.id, approve: true, key: key() }, REGULATOR);
    expect((await read(PUBLIC)).map((p) => p.id)).not.toContain(target!.id);
    expect((await read(REGULATOR)).find((p) => p.id === target!.id)?.publication.status).toBe('REPAIRED');
  });
});

describe('severe-dishonesty list', () => {
  const ADD = `mutation ($input: ListEntryInput!, $key: String!) { addListEntry(input: $input, idempotencyKey: $key) { id active measures legalBasis } }`;
  const REMOVE = `mutation ($id: ID!, $key: String!) { removeListEntry(entryId: $id, reason: REPAIRED, removedOn: "${isoDaysAgo(0)}", idempotencyKey: $key) { id active removalReason } }`;
  const entry = (uscc: string, measures = ['限制参与政府采购', '限制获得财政资金支持']) => ({
    uscc,
    listType: 'SEVERE_DISHONESTY',
    authority: '郑州市发展和改革委员会',
    legalBasis: '河南省社会信用条例 第三十三条',
    reason: '拒不履行法定义务，严重影响司法机关、行政机关公信力',
    listedOn: isoDaysAgo(3),
    expiresOn: isoDaysAgo(-365 * 3),
    measures,
  });

  it('adds an entry with its measures to the public list, and removes it once', async () => {
    const uscc = universe[30]!.uscc;
    const added = await subgraphGraphql(subgraph.url, ADD, { input: entry(uscc), key: key() }, REGULATOR);
    expect(added.data.addListEntry).toMatchObject({ active: true, measures: ['限制参与政府采购', '限制获得财政资金支持'] });
    const list = await subgraphGraphql(subgraph.url, '{ severeDishonestyList(first: 100) { edges { node { id measures enterprise { uscc onSevereDishonestyList } } } } }', {}, PUBLIC);
    const listed = list.data.severeDishonestyList.edges.map((e: { node: { id: string } }) => e.node);
    expect(listed).toContainEqual({ id: added.data.addListEntry.id, measures: entry(uscc).measures, enterprise: { uscc, onSevereDishonestyList: true } });

    const removed = await subgraphGraphql(subgraph.url, REMOVE, { id: added.data.addListEntry.id, key: key() }, REGULATOR);
    expect(removed.data.removeListEntry).toMatchObject({ active: false, removalReason: 'REPAIRED' });
    const again = await subgraphGraphql(subgraph.url, REMOVE, { id: added.data.addListEntry.id, key: key() }, REGULATOR);
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });

  it('refuses an entry without measures, and any entry from a bank or a sector platform', async () => {
    const uscc = universe[31]!.uscc;
    const before = await subgraph.db.dishonestyListEntry.count({ where: { uscc } });
    const noMeasures = await subgraphGraphql(subgraph.url, ADD, { input: entry(uscc, []), key: key() }, REGULATOR);
    expect(noMeasures.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.measures' });
    for (const caller of [testBank([uscc]), ENVIRONMENT_PLATFORM]) {
      const refused = await subgraphGraphql(subgraph.url, ADD, { input: entry(uscc), key: key() }, caller);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await subgraph.db.dishonestyListEntry.count({ where: { uscc } })).toBe(before);
  });
});

describe('commitments and the evaluation', () => {
  const EVALUATION = 'evaluation { grade score baseScore factors { factor sector value weight effect } }';
  const NO_INPUT = { grade: null, gradeWithheldBy: [], records: [] };
  /** Every sector's evaluation input as the planner sends it: none rated, no records, but environment's when given. */
  function inputs(environmentEvaluationInput: Record<string, unknown> | null = NO_INPUT): Record<string, unknown> {
    return {
      financeEvaluationInput: NO_INPUT,
      supplyChainEvaluationInput: NO_INPUT,
      environmentEvaluationInput,
      housekeepingEvaluationInput: NO_INPUT,
      tradeEvaluationInput: NO_INPUT,
    };
  }
  const violations = (severities: string[]) =>
    severities.map((severity, i) => ({ key: `environment:ev_test_${i}`, severity, decidedOn: isoDaysAgo(10) }));
  async function evaluationOf(uscc: string, environmentEvaluationInput?: Record<string, unknown>) {
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', EVALUATION), {
      representations: [{ __typename: 'Enterprise', uscc, ...inputs(environmentEvaluationInput) }],
    }, PUBLIC);
    expect(errors).toBeUndefined();
    return data._entities[0].evaluation as { grade: string; score: number; baseScore: number; factors: { effect: number; sector: string; factor: string }[] };
  }

  it('gives no grade when a sector answered without its input: a transient error naming the sector, at the field', async () => {
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', `name ${EVALUATION}`), {
      representations: [{ __typename: 'Enterprise', uscc: universe[0]!.uscc, ...inputs(null) }],
    }, PUBLIC);
    expect(data._entities[0]).toEqual({ name: universe[0]!.name, evaluation: null });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({
      path: ['_entities', 0, 'evaluation'],
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'environment', sectors: ['environment'] },
    });
    expect(errors![0]!.message).toMatch(/environment did not answer for it, so no grade is given\. Retry later\./);
  });

  it("applies its own record states to a sector's input: a record under objection counts, a revoked one does not", async () => {
    const uscc = universe[30]!.uscc;
    const records = [
      { key: 'environment:ev_eval_disputed', severity: 'SEVERE', decidedOn: isoDaysAgo(20) },
      { key: 'environment:ev_eval_revoked', severity: 'SEVERE', decidedOn: isoDaysAgo(20) },
    ];
    const before = await evaluationOf(uscc, { grade: null, gradeWithheldBy: [], records });
    expect(before.factors).toContainEqual(expect.objectContaining({ sector: 'environment', value: '2', effect: -40 }));
    const disputed = await file(uscc, environmentReference(uscc, 'ev_eval_disputed', { severity: 'SEVERE' }));
    expect(disputed.errors).toBeUndefined();
    const objected = await file(uscc, environmentReference(uscc, 'ev_eval_revoked', { severity: 'SEVERE' }));
    const revoked = await subgraphGraphql(subgraph.url, DECIDE, { id: objected.data.fileObjection.id, decision: 'REVOKED', key: key() }, REGULATOR);
    expect(revoked.data.decideObjection.status).toBe('REVOKED');
    const after = await evaluationOf(uscc, { grade: null, gradeWithheldBy: [], records });
    expect(after.factors.filter((f) => f.sector === 'environment')).toEqual([expect.objectContaining({ value: '1', effect: -20 })]);
    expect(after.score).toBe(Math.min(100, before.score + 20));
  });

  it('explains itself: base score plus the effects is the score', async () => {
    for (const enterprise of universe.slice(0, 25)) {
      const evaluation = await evaluationOf(enterprise.uscc, { grade: 'YELLOW', gradeWithheldBy: [], records: violations(['GENERAL']) });
      expect(evaluation.baseScore).toBe(BASE_SCORE);
      expect(evaluation.baseScore + evaluation.factors.reduce((sum, f) => sum + f.effect, 0)).toBeCloseTo(evaluation.score, 6);
    }
  });

  it('drops when a sector signal gets worse', async () => {
    const uscc = universe[0]!.uscc;
    const clean = await evaluationOf(uscc, { grade: 'GREEN', gradeWithheldBy: [], records: [] });
    const violated = await evaluationOf(uscc, { grade: 'GREEN', gradeWithheldBy: [], records: violations(['SEVERE']) });
    expect(violated.score).toBe(clean.score - 20);
    expect(violated.factors).toContainEqual(expect.objectContaining({ sector: 'environment', value: '1', effect: -20 }));
  });

  it('turns a recorded breach into a negative record that lowers the score', async () => {
    const uscc = universe[40]!.uscc;
    const made = await subgraphGraphql(subgraph.url, `mutation ($key: String!) { makeCreditCommitment(input: { type: "主动型", content: "按期完成整改", termEnd: "${isoDaysAgo(-200)}", sector: ENVIRONMENT }, idempotencyKey: $key) { id status sector } }`, { key: key() }, enterpriseCaller(uscc));
    expect(made.data.makeCreditCommitment).toMatchObject({ status: 'IN_FORCE', sector: 'ENVIRONMENT' });
    const before = await evaluationOf(uscc);
    const OUTCOME = `mutation ($id: ID!, $key: String!) { recordCommitmentOutcome(commitmentId: $id, outcome: BREACHED, breachSeverity: GENERAL, note: "整改未完成", outcomeOn: "${isoDaysAgo(0)}", idempotencyKey: $key) { status publication { status severity } } }`;
    const bank = await subgraphGraphql(subgraph.url, OUTCOME, { id: made.data.makeCreditCommitment.id, key: key() }, testBank([uscc]));
    expect(bank.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const breached = await subgraphGraphql(subgraph.url, OUTCOME, { id: made.data.makeCreditCommitment.id, key: key() }, ENVIRONMENT_PLATFORM);
    expect(breached.data.recordCommitmentOutcome).toEqual({ status: 'BREACHED', publication: { status: 'PUBLISHED', severity: 'GENERAL' } });
    const after = await evaluationOf(uscc);
    expect(after.score).toBe(Math.max(0, before.score - 8));
    const twice = await subgraphGraphql(subgraph.url, OUTCOME, { id: made.data.makeCreditCommitment.id, key: key() }, REGULATOR);
    expect(twice.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });

  it("lets a sector platform record outcomes only of its own sector's commitments; one without a sector is the regulators'", async () => {
    const uscc = universe[41]!.uscc;
    const MAKE = `mutation ($key: String!, $sector: CommitmentSector) { makeCreditCommitment(input: { type: "主动型", content: "按期完成整改", termEnd: "${isoDaysAgo(-200)}", sector: $sector }, idempotencyKey: $key) { id } }`;
    const OUTCOME = `mutation ($id: ID!, $key: String!) { recordCommitmentOutcome(commitmentId: $id, outcome: FULFILLED, note: "按期完成", outcomeOn: "${isoDaysAgo(0)}", idempotencyKey: $key) { status } }`;
    const environmental = (await subgraphGraphql(subgraph.url, MAKE, { key: key(), sector: 'ENVIRONMENT' }, enterpriseCaller(uscc))).data.makeCreditCommitment.id;
    const trade = await subgraphGraphql(subgraph.url, OUTCOME, { id: environmental, key: key() }, TRADE_PLATFORM);
    expect(trade.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(trade.errors?.[0]?.message).toContain('environment');
    const general = (await subgraphGraphql(subgraph.url, MAKE, { key: key() }, enterpriseCaller(uscc))).data.makeCreditCommitment.id;
    const environment = await subgraphGraphql(subgraph.url, OUTCOME, { id: general, key: key() }, ENVIRONMENT_PLATFORM);
    expect(environment.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const regulator = await subgraphGraphql(subgraph.url, OUTCOME, { id: general, key: key() }, REGULATOR);
    expect(regulator.data.recordCommitmentOutcome.status).toBe('FULFILLED');
    // Neither refused attempt changed the record: its own platform still can.
    const own = await subgraphGraphql(subgraph.url, OUTCOME, { id: environmental, key: key() }, ENVIRONMENT_PLATFORM);
    expect(own.data.recordCommitmentOutcome.status).toBe('FULFILLED');
  });
});
