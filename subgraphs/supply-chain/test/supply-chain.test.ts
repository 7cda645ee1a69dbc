import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, describeNonPublicFields } from '@credit-graph/subgraph-kit/testing';
import { traceabilityCodeFor } from '../prisma/seed.ts';
import { supplyChain } from '../src/index.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
const byUscc = new Map(universe.map((enterprise) => [enterprise.uscc, enterprise]));
const model = universe[SHOWCASE.MODEL_GROUP]!;
const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
/** Supply-chain profiles are non-public: the data tests read them as a supervising regulator. */
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
let subgraph: RunningSubgraph<unknown>;

const PROFILE = `uscc supplyChain {
  updatedOn
  logisticsCredits { id category rating ratedBy ratedOn validUntil incidents { id occurredOn kind description severity losses } }
  partners { partner { uscc } relation since annualVolume share }
  traceabilityCodes { code product producedOn producer { uscc } steps { sequence stage operator { uscc } } }
}`;

interface Partner { partner: { uscc: string }; relation: 'SUPPLIER' | 'CUSTOMER'; since: string; annualVolume: number; share: number }

async function profileOf(uscc: string) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', PROFILE), {
    representations: [{ __typename: 'Enterprise', uscc }],
  }, REGULATOR);
  expect(errors).toBeUndefined();
  return data._entities[0];
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(supplyChain, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('supply-chain subgraph', () => {
  it('gives the model group top logistics ratings, the risky supplier among clean partners, and its codes latest first', async () => {
    const entity = await profileOf(model.uscc);
    expect(entity.uscc).toBe(model.uscc);
    const profile = entity.supplyChain;
    expect(profile.updatedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    expect(profile.logisticsCredits.map((credit: { category: string }) => credit.category).sort()).toEqual(['COLD_CHAIN', 'GENERAL']);
    for (const credit of profile.logisticsCredits) {
      expect(credit.rating).toBe('AAA');
      expect(credit.validUntil > credit.ratedOn).toBe(true);
      expect(credit.incidents.every((incident: { severity: string }) => incident.severity === 'MINOR')).toBe(true);
    }

    const partners: Partner[] = profile.partners;
    expect(partners).toHaveLength(5);
    expect(partners).toContainEqual(expect.objectContaining({ partner: { uscc: risky.uscc }, relation: 'SUPPLIER' }));
    for (const { partner, share, annualVolume } of partners) {
      const seeded = byUscc.get(partner.uscc);
      expect(seeded?.sectors.supplyChain).toBe(true); // only enterprises of the universe, from this sector
      expect(partner.uscc).not.toBe(model.uscc);
      if (partner.uscc !== risky.uscc) expect(seeded?.risk).toBe('CLEAN');
      expect(share).toBeGreaterThan(0);
      expect(annualVolume).toBeGreaterThan(0);
    }
    for (const relation of ['SUPPLIER', 'CUSTOMER']) {
      const total = partners.filter((p) => p.relation === relation).reduce((sum, p) => sum + p.share, 0);
      expect(total).toBeLessThanOrEqual(1);
    }
    const volumes = partners.map((p) => p.annualVolume);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));

    const codes = profile.traceabilityCodes;
    expect(codes.map((code: { code: string }) => code.code)).toEqual([0, 1, 2].map((n) => traceabilityCodeFor(model.uscc, n)));
    expect(codes[0].product).toBe('中央厨房净菜配送包');
    expect(codes.every((code: { producer: { uscc: string } }) => code.producer.uscc === model.uscc)).toBe(true);
    const dates = codes.map((code: { producedOn: string }) => code.producedOn);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('answers null for an enterprise the sector holds no records of', async () => {
    const outsider = universe.find((enterprise) => !enterprise.sectors.supplyChain)!;
    const entity = await profileOf(outsider.uscc);
    expect(entity).toEqual({ uscc: outsider.uscc, supplyChain: null });
  });

  it('shows the risky supplier with a C rating, a severe incident and the model group as its customer', async () => {
    const { supplyChain: profile } = await profileOf(risky.uscc);
    const general = profile.logisticsCredits.find((credit: { category: string }) => credit.category === 'GENERAL');
    expect(general.rating).toBe('C');
    expect(profile.logisticsCredits.every((credit: { rating: string }) => ['B', 'C'].includes(credit.rating))).toBe(true);
    expect(general.incidents.length).toBeGreaterThanOrEqual(2);
    const severe = general.incidents.find((incident: { severity: string }) => incident.severity === 'SEVERE');
    expect(severe.losses).toBeGreaterThanOrEqual(30);
    expect(severe.description.length).toBeGreaterThan(0);
    expect(profile.partners).toContainEqual(expect.objectContaining({ partner: { uscc: model.uscc }, relation: 'CUSTOMER' }));
  });

  it('gives ratings that follow the risk profile across the universe', async () => {
    const members = universe.filter((enterprise) => enterprise.sectors.supplyChain);
    const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'uscc supplyChain { logisticsCredits { rating } }'), {
      representations: members.map(({ uscc }) => ({ __typename: 'Enterprise', uscc })),
    }, REGULATOR);
    const ratingsOf = (risk: string) =>
      data._entities
        .filter((entity: { uscc: string }) => byUscc.get(entity.uscc)?.risk === risk)
        .flatMap((entity: { supplyChain: { logisticsCredits: { rating: string }[] } }) => entity.supplyChain.logisticsCredits.map((c) => c.rating));
    expect(ratingsOf('RISKY').every((rating: string) => rating === 'B' || rating === 'C')).toBe(true);
    const clean = ratingsOf('CLEAN');
    expect(clean.filter((rating: string) => rating === 'AAA' || rating === 'AA').length / clean.length).toBeGreaterThan(0.6);
    expect(clean).not.toContain('C');
  });

  it('traces the model group first code through six stages, operated by other supply-chain enterprises', async () => {
    const code = traceabilityCodeFor(model.uscc, 0);
    const { data, errors } = await subgraphGraphql(subgraph.url, `query ($code: String!) {
      traceabilityCode(code: $code) { code product batch producedOn producer { uscc }
        steps { sequence stage operator { uscc } location at temperatureCelsius } }
    }`, { code });
    expect(errors).toBeUndefined();
    const trace = data.traceabilityCode;
    expect(trace.code).toBe(code);
    expect(trace.producer.uscc).toBe(model.uscc);
    expect(trace.batch.startsWith(trace.producedOn.replace(/-/g, ''))).toBe(true);
    expect(trace.steps.map((step: { stage: string }) => step.stage)).toEqual([
      'PRODUCTION', 'INSPECTION', 'WAREHOUSING', 'COLD_CHAIN_TRANSPORT', 'WHOLESALE', 'RETAIL',
    ]);
    expect(trace.steps.map((step: { sequence: number }) => step.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(trace.steps[0].operator.uscc).toBe(model.uscc);
    for (const step of trace.steps.slice(1)) {
      expect(step.operator.uscc).not.toBe(model.uscc);
      expect(byUscc.get(step.operator.uscc)?.sectors.supplyChain).toBe(true);
    }
    const times = trace.steps.map((step: { at: string }) => Date.parse(step.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // A chilled product: every step within 0-4 °C.
    for (const step of trace.steps) {
      expect(step.temperatureCelsius).toBeGreaterThanOrEqual(0);
      expect(step.temperatureCelsius).toBeLessThanOrEqual(4);
      expect(step.location).toMatch(/^河南省郑州市/);
    }
  });

  it('answers null for an unknown well-formed code and BAD_USER_INPUT naming the format for a malformed one', async () => {
    const unknown = await subgraphGraphql(subgraph.url, '{ traceabilityCode(code: "ZZ-TRC-000000000000") { code } }');
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.traceabilityCode).toBeNull();

    for (const bad of ['ZZ-TRC-123', 'zz-trc-100000198001', 'AB-TRC-100000198001']) {
      const refused = await subgraphGraphql(subgraph.url, 'query ($code: String!) { traceabilityCode(code: $code) { code } }', { code: bad });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('"ZZ-TRC-" followed by 12 capital letters or digits');
      expect(refused.errors?.[0]?.extensions?.argumentName).toBe('code');
    }
  });

  it('bounds traceabilityCodes by first, latest first, and refuses a bad bound', async () => {
    const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'supplyChain { latest: traceabilityCodes(first: 1) { code } all: traceabilityCodes { code } }'), {
      representations: [{ __typename: 'Enterprise', uscc: model.uscc }],
    }, REGULATOR);
    expect(data._entities[0].supplyChain.latest).toEqual([{ code: traceabilityCodeFor(model.uscc, 0) }]);
    expect(data._entities[0].supplyChain.all).toHaveLength(3);

    const refused = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'supplyChain { traceabilityCodes(first: 0) { code } }'), {
      representations: [{ __typename: 'Enterprise', uscc: model.uscc }],
    }, REGULATOR);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('between 1 and 100');
  });

  it('costs a constant number of SQL statements whatever the number of enterprises', async () => {
    const statementsFor = async (count: number) => {
      const before = subgraph.sqlStatements();
      const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', PROFILE), {
        representations: universe.slice(0, count).map(({ uscc }) => ({ __typename: 'Enterprise', uscc })),
      }, REGULATOR);
      expect(errors).toBeUndefined();
      expect(data._entities).toHaveLength(count);
      return subgraph.sqlStatements() - before;
    };
    // One statement each for profiles, credits, incidents, partners, traceability codes and their steps.
    expect(await statementsFor(50)).toBe(6);
    expect(await statementsFor(5)).toBe(6);
  });
});

describeNonPublicFields({
  sector: 'supply-chain',
  otherSector: 'trade',
  fields: 'supplyChain',
  enterprises: () => [model.uscc, risky.uscc],
  read: () => ({
    url: subgraph.url,
    selection: 'uscc supplyChain { updatedOn }',
    guarded: ['supplyChain'],
  }),
});
