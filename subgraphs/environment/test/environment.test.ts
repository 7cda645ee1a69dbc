import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessToday, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SEED_AS_OF, SHOWCASE, seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, describeNonPublicFields } from '@credit-graph/subgraph-kit/testing';
import { environment } from '../src/index.ts';
import { levelForScore } from '../src/rating.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
const rated = universe.filter((e) => e.sectors.environment);
const AS_OF_YEAR = SEED_AS_OF.getUTCFullYear();
/** Emissions are non-public: the data tests read them as a supervising regulator. */
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
let subgraph: RunningSubgraph<unknown>;

const PROFILE = `environment {
  currentRating { year level score ratedBy }
  ratings { year level score ratedBy }
  violations { id decisionNumber occurredOn decidedOn kind description penaltyAmount severity authority authorityUscc corrected correctedOn }
  disclosures { year required status disclosedOn }
  emissions { year tonnesCo2e verified verifier }
}`;

async function profileOf(uscc: string) {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', `uscc ${PROFILE}`), {
    representations: [{ __typename: 'Enterprise', uscc }],
  }, REGULATOR);
  expect(errors).toBeUndefined();
  return data._entities[0].environment;
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(environment, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('environment subgraph', () => {
  it('maps Zhengzhou scores to levels at the band edges', () => {
    expect([0, 59, 60, 69, 70, 79, 80, 89, 90, 100].map(levelForScore)).toEqual([
      'BLACK', 'BLACK', 'RED', 'RED', 'YELLOW', 'YELLOW', 'BLUE', 'BLUE', 'GREEN', 'GREEN',
    ]);
  });

  it('gives the model group three green years, timely disclosure and verified emissions', async () => {
    const profile = await profileOf(universe[SHOWCASE.MODEL_GROUP]!.uscc);
    expect(profile.ratings.map((r: { year: number }) => r.year)).toEqual([AS_OF_YEAR, AS_OF_YEAR - 1, AS_OF_YEAR - 2]);
    for (const rating of profile.ratings) {
      expect(rating.level).toBe('GREEN');
      expect(rating.score).toBeGreaterThanOrEqual(90);
      expect(rating.ratedBy).toBe('郑州市生态环境局');
    }
    expect(profile.currentRating).toEqual(profile.ratings[0]);
    expect(profile.violations).toEqual([]);
    expect(profile.disclosures).toHaveLength(3);
    for (const disclosure of profile.disclosures) {
      expect(disclosure).toMatchObject({ required: true, status: 'DISCLOSED' });
      // Disclosed by the 15 March deadline of the following year.
      expect(disclosure.disclosedOn <= `${disclosure.year + 1}-03-15`).toBe(true);
    }
    expect(profile.emissions).toHaveLength(3);
    for (const emission of profile.emissions) {
      expect(emission.verified).toBe(true);
      expect(emission.verifier).toEqual(expect.any(String));
      expect(emission.tonnesCo2e).toBeGreaterThan(0);
    }
  });

  it('answers null for an enterprise the environmental authorities hold no record of', async () => {
    const unrated = universe.find((e) => !e.sectors.environment)!;
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'uscc environment { currentRating { level } }'), {
      representations: [unrated.uscc, '91350100M000100Y43'].map((uscc) => ({ __typename: 'Enterprise', uscc })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([
      { uscc: unrated.uscc, environment: null },
      { uscc: '91350100M000100Y43', environment: null },
    ]);
  });

  it("shows the risky supplier's red or black rating, severe penalties and missing disclosure", async () => {
    const profile = await profileOf(universe[SHOWCASE.RISKY_SUPPLIER]!.uscc);
    expect(['RED', 'BLACK']).toContain(profile.currentRating.level);
    expect(profile.currentRating.score).toBeLessThan(70);
    expect(profile.currentRating.year).toBe(AS_OF_YEAR);

    expect(profile.violations.length).toBeGreaterThanOrEqual(2);
    expect(profile.violations.length).toBeLessThanOrEqual(3);
    expect(profile.violations.some((v: { severity: string }) => v.severity === 'SEVERE')).toBe(true);
    const decided = profile.violations.map((v: { decidedOn: string }) => v.decidedOn);
    expect(decided).toEqual([...decided].sort().reverse());
    for (const violation of profile.violations) {
      expect(violation.penaltyAmount).toBeGreaterThan(0);
      expect(violation.authority).toBe('郑州市生态环境局');
      expect(violation.authorityUscc).toMatch(/^11410100/);
      expect(violation.decidedOn >= violation.occurredOn).toBe(true);
      expect(violation.correctedOn === null).toBe(!violation.corrected);
    }
    expect(profile.disclosures[0]).toEqual({ year: AS_OF_YEAR - 1, required: true, status: 'NOT_DISCLOSED', disclosedOn: null });
  });

  it('keeps every level consistent with its score, and watched and risky enterprises flagged', async () => {
    const { data } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', `uscc ${PROFILE}`), {
      representations: rated.map((e) => ({ __typename: 'Enterprise', uscc: e.uscc })),
    }, REGULATOR);
    data._entities.forEach((entity: { environment: any }, i: number) => {
      const { ratings, violations, disclosures, currentRating } = entity.environment;
      for (const rating of ratings) expect(rating.level).toBe(levelForScore(rating.score));
      const risk = rated[i]!.risk;
      if (risk === 'CLEAN') expect(['GREEN', 'BLUE']).toContain(currentRating.level);
      if (risk === 'WATCH') expect(currentRating.level === 'YELLOW' || violations.length > 0).toBe(true);
      if (risk === 'RISKY') {
        expect(['RED', 'BLACK']).toContain(currentRating.level);
        expect(violations.length).toBeGreaterThanOrEqual(1);
        expect(disclosures[0].status).toBe('NOT_DISCLOSED');
      }
    });
  });

  it('pages through a year’s ratings per level without gaps or repeats, summing to every rated enterprise', async () => {
    const query = `query ($level: EnvironmentalRatingLevel, $after: String) {
      environmentalRatings(year: ${AS_OF_YEAR}, level: $level, first: 7, after: $after) {
        totalCount edges { cursor node { year level score enterprise { uscc environment { currentRating { level score } } } } }
        pageInfo { hasNextPage endCursor } } }`;
    const listed = new Map<string, string>();
    let sum = 0;
    for (const level of ['GREEN', 'BLUE', 'YELLOW', 'RED', 'BLACK']) {
      const seen: string[] = [];
      let after: string | null = null;
      let totalCount = -1;
      for (let page = 0; page < 50; page++) {
        const { data, errors }: { data?: any; errors?: unknown } = await subgraphGraphql(subgraph.url, query, { level, after });
        expect(errors).toBeUndefined();
        totalCount = data.environmentalRatings.totalCount;
        for (const { node } of data.environmentalRatings.edges) {
          expect(node).toMatchObject({ year: AS_OF_YEAR, level });
          expect(levelForScore(node.score)).toBe(level);
          // The listed enterprise resolves back to this subgraph's profile, current rating included.
          expect(node.enterprise.environment.currentRating).toEqual({ level, score: node.score });
          seen.push(node.enterprise.uscc);
        }
        if (!data.environmentalRatings.pageInfo.hasNextPage) break;
        after = data.environmentalRatings.pageInfo.endCursor;
      }
      expect(seen).toEqual([...new Set(seen)].sort());
      expect(seen).toHaveLength(totalCount);
      for (const uscc of seen) listed.set(uscc, level);
      sum += totalCount;
    }
    expect(sum).toBe(rated.length);
    expect([...listed.keys()].sort()).toEqual(rated.map((e) => e.uscc).sort());
    expect(listed.get(universe[SHOWCASE.MODEL_GROUP]!.uscc)).toBe('GREEN');
    expect(['RED', 'BLACK']).toContain(listed.get(universe[SHOWCASE.RISKY_SUPPLIER]!.uscc));

    const all = await subgraphGraphql(subgraph.url, `{ environmentalRatings(year: ${AS_OF_YEAR - 2}, first: 1) { totalCount } }`);
    expect(all.data.environmentalRatings.totalCount).toBe(rated.length);
    const none = await subgraphGraphql(subgraph.url, '{ environmentalRatings(year: 2010) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } }');
    expect(none.data.environmentalRatings).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('refuses a year outside 2000 to the current year, a bad page size and a forged cursor', async () => {
    const currentYear = businessToday().getUTCFullYear();
    for (const year of [1999, currentYear + 1]) {
      const { errors } = await subgraphGraphql(subgraph.url, 'query ($y: Int!) { environmentalRatings(year: $y) { totalCount } }', { y: year });
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors?.[0]?.message).toContain(`between 2000 and ${currentYear}`);
      expect(errors?.[0]?.extensions?.argumentName).toBe('year');
    }
    const tooLarge = await subgraphGraphql(subgraph.url, `{ environmentalRatings(year: ${AS_OF_YEAR}, first: 101) { totalCount } }`);
    expect(tooLarge.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = await subgraphGraphql(subgraph.url, `{ environmentalRatings(year: ${AS_OF_YEAR}, after: "not-a-cursor") { totalCount } }`);
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves 50 enterprise profiles with every nested list in 5 SQL statements, as for 3', async () => {
    const statementsFor = async (count: number) => {
      const representations = universe.slice(0, count).map((e) => ({ __typename: 'Enterprise', uscc: e.uscc }));
      const before = subgraph.sqlStatements();
      const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', `uscc ${PROFILE}`), { representations }, REGULATOR);
      expect(errors).toBeUndefined();
      expect(data._entities).toHaveLength(count);
      return subgraph.sqlStatements() - before;
    };
    // One statement for the subjects, one each for ratings, violations, disclosures and emissions.
    expect(await statementsFor(50)).toBe(5);
    expect(await statementsFor(3)).toBe(5);
  });
});

describeNonPublicFields({
  sector: 'environment',
  otherSector: 'finance',
  fields: 'emissions',
  enterprises: () => [universe[SHOWCASE.MODEL_GROUP]!.uscc, universe[SHOWCASE.RISKY_SUPPLIER]!.uscc],
  read: () => ({
    url: subgraph.url,
    selection: 'uscc environment { currentRating { level } emissions { year } }',
    guarded: ['environment.emissions'],
    checkPublic: (entity: any) => {
      expect(entity.environment.currentRating.level).toEqual(expect.any(String));
    },
  }),
});
