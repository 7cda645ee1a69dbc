// The registry's Enterprise.creditMeasures (issue 12 §3) on a real database, resolved as the
// planner resolves it (an _entities call carrying the sectors' evaluation inputs): the role
// table, a sector's published SEVERE record triggering a measure with a reference the enterprise
// objects with, and the objection stopping the trigger at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportFrom, ROLES, type Caller, type Role } from '@credit-graph/contract';
import { seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, isoDaysAgo, startTestSubgraph, subgraphGraphql, testCaller } from '@credit-graph/subgraph-kit/testing';
import { registry } from '../src/index.ts';

const ENTERPRISES = 60;
const universe = seedUniverse(ENTERPRISES);
let subgraph: RunningSubgraph<unknown>;

beforeAll(async () => {
  subgraph = await startTestSubgraph(registry, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

const MEASURES = `creditMeasures(scenario: FUNDING_SUPPORT) {
  verdict catalogueVersion decidedOn evaluation { grade }
  measures { code kind effect until triggers { source kind id reference } }
}`;
const NO_INPUT = { grade: null, gradeWithheldBy: [], records: [] };
const AGENCY = testCaller('AGENCY', { institution: '12410100005000117X', purpose: 'FUNDING_SUPPORT' });

function representation(uscc: string, environmentRecords: Record<string, unknown>[] = []) {
  return {
    __typename: 'Enterprise',
    uscc,
    financeEvaluationInput: NO_INPUT,
    supplyChainEvaluationInput: NO_INPUT,
    environmentEvaluationInput: { grade: null, gradeWithheldBy: [], records: environmentRecords },
    housekeepingEvaluationInput: NO_INPUT,
    tradeEvaluationInput: NO_INPUT,
  };
}

async function measuresOf(uscc: string, caller: Caller, environmentRecords?: Record<string, unknown>[]) {
  return subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', MEASURES), { representations: [representation(uscc, environmentRecords)] }, caller);
}

/** A clean enterprise of the seed: not listed, no SEVERE penalty. */
function cleanEnterprise(offset: number): string {
  return universe.filter((e) => e.risk === 'CLEAN')[offset]!.uscc;
}

describe('Enterprise.creditMeasures', () => {
  it('answers a public agency only: every other role gets FORBIDDEN (role table)', async () => {
    const uscc = cleanEnterprise(3);
    const outcomes: Record<string, string> = {};
    for (const role of ROLES) {
      const caller = role === 'PUBLIC' ? testCaller('PUBLIC') : role === 'AGENCY' ? AGENCY : testCaller(role as Role, { uscc, sector: 'environment', purpose: undefined });
      const { data, errors } = await measuresOf(uscc, caller);
      outcomes[role] = String(errors?.[0]?.extensions?.code ?? (data._entities[0].creditMeasures ? 'read' : 'null'));
    }
    expect(outcomes).toEqual({
      PUBLIC: 'FORBIDDEN',
      BANK: 'FORBIDDEN',
      SECTOR_PLATFORM: 'FORBIDDEN',
      REGULATOR: 'FORBIDDEN',
      ENTERPRISE: 'FORBIDDEN',
      DEVELOPER: 'FORBIDDEN',
      AGENCY: 'read',
    });
    // An agency declaring a purpose that is no scenario of its role fails closed.
    const odd = await measuresOf(uscc, { ...AGENCY, purpose: 'LOAN_APPROVAL' });
    expect(odd.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A credential without the credit:verify scope is refused too.
    const narrowed = await measuresOf(uscc, { ...AGENCY, scopes: [] });
    expect(narrowed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The scenario is the declared purpose: another one, or none, is refused.
    const other = await measuresOf(uscc, { ...AGENCY, purpose: 'HONOUR_AWARD' });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'scenario' });
    const none = await measuresOf(uscc, { ...AGENCY, purpose: undefined });
    expect(none.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  });

  it('reports the enterprise as read, for the audit record (creditReads)', async () => {
    const uscc = cleanEnterprise(6);
    const response = await measuresOf(uscc, AGENCY);
    expect(response.errors).toBeUndefined();
    expect(readReportFrom(response.extensions).read).toEqual([uscc]);
  });

  it("a sector's published SEVERE violation restricts funding, and stops the moment the enterprise objects to it", async () => {
    const uscc = cleanEnterprise(4);
    const violation = { key: 'environment:ev_measures_1', severity: 'SEVERE', decidedOn: isoDaysAgo(20), kind: 'EnvironmentalViolation' };

    const clear = await measuresOf(uscc, AGENCY);
    expect(clear.errors).toBeUndefined();
    expect(clear.data._entities[0].creditMeasures.verdict).not.toMatch(/RESTRICTED|PROHIBITED/);

    const restricted = await measuresOf(uscc, AGENCY, [violation]);
    expect(restricted.errors).toBeUndefined();
    const result = restricted.data._entities[0].creditMeasures;
    expect(result.verdict).toBe('RESTRICTED');
    expect(result.measures).toEqual([
      expect.objectContaining({ code: 'P-SR-01', kind: 'PUNISHMENT', effect: 'RESTRICTED', triggers: [expect.objectContaining({ source: 'environment', kind: 'EnvironmentalViolation', id: 'ev_measures_1' })] }),
    ]);
    const reference = result.measures[0].triggers[0].reference as string;

    // The enterprise objects with the reference the verification showed.
    const filed = await subgraphGraphql(
      subgraph.url,
      'mutation ($input: ObjectionInput!, $key: String!) { fileObjection(input: $input, idempotencyKey: $key) { status recordKey } }',
      { input: { reference, reason: 'The violation was recorded against the wrong site', evidence: 'Site inspection report 2026-117' }, key: `measures-objection-${Date.now()}` },
      testCaller('ENTERPRISE', { uscc }),
    );
    expect(filed.errors).toBeUndefined();
    expect(filed.data.fileObjection).toEqual({ status: 'FILED', recordKey: 'environment:ev_measures_1' });

    const underObjection = await measuresOf(uscc, AGENCY, [violation]);
    expect(underObjection.errors).toBeUndefined();
    expect(underObjection.data._entities[0].creditMeasures.measures.map((m: { code: string }) => m.code)).not.toContain('P-SR-01');
  });

  it('gives no measures when a sector answered without its input: SUBGRAPH_UNAVAILABLE, as the evaluation', async () => {
    const { data, errors } = await subgraphGraphql(
      subgraph.url,
      entitiesQuery('Enterprise', MEASURES),
      { representations: [{ ...representation(cleanEnterprise(5)), tradeEvaluationInput: null }] },
      AGENCY,
    );
    expect(data._entities[0].creditMeasures).toBeNull();
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', sectors: ['trade'] });
  });
});
