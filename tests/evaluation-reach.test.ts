// The evaluation of an enterprise reached through another subgraph: a traceability code's
// producer and its steps' operators, a worker's employers, a customs or environmental list
// entry's enterprise, a supply-chain partner, a registry list entry. Each answers the same
// grade and score as the enterprise asked for directly, with no error, and the object it hangs
// on is kept. (schema/test/query-plans.test.ts checks the plans of every such field.)
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
/** The playground's examples: the model group's first traceability code and a seeded worker. */
const TRACEABILITY_CODE = 'ZZ-TRC-100000198001';
const WORKER_ID = 'wk_e4ec7c495c8969c2';
const EVALUATED = 'uscc name evaluation { grade score }';

interface Evaluated {
  uscc: string;
  name: string;
  evaluation: { grade: string; score: number } | null;
}

/** The evaluations of these enterprises asked for directly from the registry's root field. */
async function directEvaluations(usccs: string[]): Promise<Map<string, Evaluated>> {
  const result = await graphql(gatewayUrl, `query ($u: [USCC!]!) { enterprises(usccs: $u) { ${EVALUATED} } }`, { u: usccs });
  expect(result.errors).toBeUndefined();
  return new Map((result.data.enterprises as Evaluated[]).map((e) => [e.uscc, e]));
}

/** Every reached enterprise has an evaluation, the one its registry root gives. */
async function expectSameAsDirect(reached: Evaluated[]): Promise<void> {
  expect(reached.length).toBeGreaterThan(0);
  const direct = await directEvaluations([...new Set(reached.map((e) => e.uscc))]);
  for (const enterprise of reached) {
    expect(enterprise.evaluation?.grade).toMatch(/^[ABCD]$/);
    expect(enterprise).toEqual(direct.get(enterprise.uscc));
  }
}

let regulator: Record<string, string>;
beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
});

describe('the evaluation of an enterprise reached through another subgraph', () => {
  it("answers the issue's example: a traceability code's producer, anonymously", async () => {
    const result = await graphql(gatewayUrl, `{ traceabilityCode(code: "${TRACEABILITY_CODE}") { code producer { name evaluation { grade } } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.traceabilityCode.code).toBe(TRACEABILITY_CODE);
    expect(result.data.traceabilityCode.producer.name).toBe(model.name);
    const direct = await directEvaluations([model.uscc]);
    expect(result.data.traceabilityCode.producer.evaluation).toEqual({ grade: direct.get(model.uscc)!.evaluation!.grade });
  });

  it("answers for a traceability code's producer and every step's operator", async () => {
    const result = await graphql(
      gatewayUrl,
      `query ($code: String!) { traceabilityCode(code: $code) { producer { ${EVALUATED} } steps { sequence operator { ${EVALUATED} } } } }`,
      { code: TRACEABILITY_CODE },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.traceabilityCode.steps.length).toBeGreaterThan(0);
    await expectSameAsDirect([result.data.traceabilityCode.producer, ...result.data.traceabilityCode.steps.map((s: { operator: Evaluated }) => s.operator)]);
  });

  it("answers for a worker's current employer and every employer of the worker's history", async () => {
    const result = await graphql(
      gatewayUrl,
      `query ($id: ID!) { worker(id: $id) { id employer { ${EVALUATED} } serviceHistory { employer { ${EVALUATED} } } } }`,
      { id: WORKER_ID },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.worker.id).toBe(WORKER_ID);
    const employers = [result.data.worker.employer, ...result.data.worker.serviceHistory.map((s: { employer: Evaluated }) => s.employer)].filter(Boolean);
    await expectSameAsDirect(employers);
  });

  it("answers for a customs credit list's enterprises", async () => {
    const result = await graphql(gatewayUrl, `{ customsCreditList(category: ROUTINE, first: 5) { edges { node { category enterprise { ${EVALUATED} } } } } }`);
    expect(result.errors).toBeUndefined();
    await expectSameAsDirect(result.data.customsCreditList.edges.map((e: { node: { enterprise: Evaluated } }) => e.node.enterprise));
  });

  it("answers for an environmental rating list's enterprises", async () => {
    // The year of a rating the seed holds, so that the list is not empty whatever the day.
    const rated = await graphql(gatewayUrl, `query ($u: USCC!) { enterprise(uscc: $u) { environment { currentRating { year } } } }`, { u: model.uscc });
    const year = rated.data.enterprise.environment.currentRating.year as number;
    const result = await graphql(gatewayUrl, `query ($y: Int!) { environmentalRatings(year: $y, first: 5) { edges { node { level enterprise { ${EVALUATED} } } } } }`, { y: year });
    expect(result.errors).toBeUndefined();
    await expectSameAsDirect(result.data.environmentalRatings.edges.map((e: { node: { enterprise: Evaluated } }) => e.node.enterprise));
  });

  it("answers for the supply-chain partners of an enterprise, and keeps the enterprise's supplyChain", async () => {
    const result = await graphql(
      gatewayUrl,
      `query ($u: USCC!) { enterprise(uscc: $u) { name supplyChain { partners { relation partner { ${EVALUATED} } } } } }`,
      { u: model.uscc },
      regulator,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise.supplyChain.partners.length).toBeGreaterThan(0);
    await expectSameAsDirect(result.data.enterprise.supplyChain.partners.map((p: { partner: Evaluated }) => p.partner));
  });

  it("answers for the severe-dishonesty list's enterprises (the registry's own list)", async () => {
    const result = await graphql(gatewayUrl, `{ severeDishonestyList(first: 5) { edges { node { listType enterprise { ${EVALUATED} } } } } }`);
    expect(result.errors).toBeUndefined();
    await expectSameAsDirect(result.data.severeDishonestyList.edges.map((e: { node: { enterprise: Evaluated } }) => e.node.enterprise));
  });

  it("counts for each sector exactly what that sector's public signals count", async () => {
    const SIGNALS = 'grade minorRecords generalRecords severeRecords';
    const result = await graphql(
      gatewayUrl,
      `query ($u: [USCC!]!) { enterprises(usccs: $u) { uscc evaluation { factors { factor sector value } }
        financeSignals { ${SIGNALS} } supplyChainSignals { ${SIGNALS} } environmentSignals { ${SIGNALS} }
        housekeepingSignals { ${SIGNALS} } tradeSignals { ${SIGNALS} } } }`,
      { u: universe.slice(0, 40).map((e) => e.uscc) },
    );
    expect(result.errors).toBeUndefined();
    let recordsSeen = 0;
    for (const enterprise of result.data.enterprises) {
      for (const [sector, alias] of [['finance', 'financeSignals'], ['supply-chain', 'supplyChainSignals'], ['environment', 'environmentSignals'], ['housekeeping', 'housekeepingSignals'], ['trade', 'tradeSignals']] as const) {
        const signals = enterprise[alias];
        const factors = (enterprise.evaluation.factors as { factor: string; sector: string; value: string }[]).filter((f) => f.sector === sector);
        const count = (severity: string) => Number(factors.find((f) => f.factor === `Published ${severity} negative records`)?.value ?? 0);
        expect({ minor: count('minor'), general: count('general'), severe: count('severe') }).toEqual({
          minor: signals.minorRecords,
          general: signals.generalRecords,
          severe: signals.severeRecords,
        });
        recordsSeen += signals.minorRecords + signals.generalRecords + signals.severeRecords;
        const gradeFactor = factors.find((f) => !f.factor.startsWith('Published'));
        if (gradeFactor) expect(gradeFactor.value).toBe(signals.grade);
      }
    }
    expect(recordsSeen).toBeGreaterThan(0);
  });
});
