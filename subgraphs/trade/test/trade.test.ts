import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, type GraphQLResponse, describeNonPublicFields } from '@credit-graph/subgraph-kit/testing';
import { trade } from '../src/index.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
/** Volumes and investments are non-public: the data tests read them as a supervising regulator. */
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
let subgraph: RunningSubgraph<unknown>;

const PROFILE = `uscc trade {
  customsCredit { customsCode category since aeoCertificateNumber history { category from to } }
  volumes { year importUsd exportUsd mainMarkets }
  declarationViolations { id decisionNumber decidedOn kind description penaltyAmount severity }
  investments { id direction country countryName amount sector filedOn negativeListCheck approvalNumber }
}`;

interface Change { category: string; from: string; to: string | null }
interface Violation { decidedOn: string; kind: string; penaltyAmount: number; severity: string }
interface Profile {
  customsCredit: { customsCode: string; category: string; since: string; aeoCertificateNumber: string | null; history: Change[] };
  volumes: { year: number; importUsd: number; exportUsd: number; mainMarkets: string[] }[];
  declarationViolations: Violation[];
  investments: { direction: string; country: string; countryName: string; amount: number; negativeListCheck: string; approvalNumber: string | null }[];
}
interface Listing { cursor: string; node: { enterprise: { uscc: string }; category: string; since: string } }
interface ListPage { totalCount: number; edges: Listing[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }

async function profiles(usccs: string[]): Promise<({ uscc: string; trade: Profile | null })[]> {
  const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', PROFILE), {
    representations: usccs.map((uscc) => ({ __typename: 'Enterprise', uscc })),
  }, REGULATOR);
  expect(errors).toBeUndefined();
  return data._entities;
}

const LIST_QUERY = `query ($category: CustomsCreditCategory!, $first: Int, $after: String) {
  customsCreditList(category: $category, first: $first, after: $after) {
    totalCount edges { cursor node { enterprise { uscc } category since } } pageInfo { hasNextPage endCursor }
  }
}`;

/** Every listing of a category, walking the cursors page by page. */
async function listAll(category: string, first: number): Promise<{ listings: Listing['node'][]; totalCount: number; pages: number }> {
  const listings: Listing['node'][] = [];
  let after: string | null = null;
  let totalCount = 0;
  for (let pages = 1; pages <= 100; pages++) {
    const page: GraphQLResponse<{ customsCreditList: ListPage }> = await subgraphGraphql(subgraph.url, LIST_QUERY, { category, first, after });
    expect(page.errors).toBeUndefined();
    const list = page.data!.customsCreditList;
    totalCount = list.totalCount;
    listings.push(...list.edges.map((edge) => edge.node));
    if (!list.pageInfo.hasNextPage) return { listings, totalCount, pages };
    after = list.pageInfo.endCursor;
  }
  throw new Error('customsCreditList did not end within 100 pages');
}

function checkHistory(credit: Profile['customsCredit']) {
  const [current, ...earlier] = credit.history;
  // Newest first: the current period is open and started on `since`.
  expect(current).toMatchObject({ category: credit.category, from: credit.since, to: null });
  credit.history.slice(1).forEach((period, n) => {
    const later = credit.history[n]!;
    const dayBefore = new Date(Date.parse(later.from) - 86_400_000).toISOString().slice(0, 10);
    expect(period.to).toBe(dayBefore);
    expect(period.from < later.from).toBe(true);
  });
  return earlier;
}

beforeAll(async () => {
  subgraph = await startTestSubgraph(trade, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('trade subgraph', () => {
  it('gives the model group an AEO certificate, three years of volumes and a permitted outbound investment', async () => {
    const model = universe[SHOWCASE.MODEL_GROUP]!;
    const [entity] = await profiles([model.uscc]);
    expect(entity!.uscc).toBe(model.uscc);
    const profile = entity!.trade!;

    const credit = profile.customsCredit;
    expect(credit.customsCode).toMatch(/^4101\d{6}$/);
    expect(credit.category).toBe('ADVANCED_CERTIFIED');
    expect(credit.aeoCertificateNumber).toBe(`AEOCN${credit.customsCode}`);
    const earlier = checkHistory(credit);
    expect(earlier.map((period) => period.category)).toEqual(['ROUTINE']);

    expect(profile.volumes.map((volume) => volume.year)).toEqual([2025, 2024, 2023]);
    for (const volume of profile.volumes) {
      expect(volume.importUsd).toBeGreaterThan(0);
      expect(volume.exportUsd).toBeGreaterThan(volume.importUsd);
      expect(volume.mainMarkets).toEqual(['DE', 'LU', 'US', 'VN']);
    }
    expect(profile.declarationViolations).toEqual([]);

    const outbound = profile.investments.find((investment) => investment.direction === 'OUTBOUND');
    expect(outbound).toMatchObject({ country: 'SG', countryName: '新加坡', amount: 1200, negativeListCheck: 'PERMITTED' });
    expect(outbound!.approvalNumber).toMatch(/^境外投资证第N4100\d{9}号$/);
    expect(profile.investments.every((investment) => investment.negativeListCheck === 'PERMITTED')).toBe(true);
  });

  it('answers null for an enterprise customs holds no record of', async () => {
    const careHome = universe[SHOWCASE.CARE_HOME]!;
    expect(careHome.sectors.trade).toBe(false);
    const [entity] = await profiles([careHome.uscc]);
    expect(entity).toEqual({ uscc: careHome.uscc, trade: null });
  });

  it('shows the risky supplier as dishonest after a severe violation, with shrinking volumes', async () => {
    const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
    const [entity] = await profiles([risky.uscc]);
    const profile = entity!.trade!;
    expect(profile.customsCredit.category).toBe('DISHONEST');
    expect(profile.customsCredit.aeoCertificateNumber).toBeNull();
    checkHistory(profile.customsCredit);

    const violations = profile.declarationViolations;
    expect(violations.length).toBeGreaterThanOrEqual(2);
    const dates = violations.map((violation) => violation.decidedOn);
    expect(dates).toEqual([...dates].sort().reverse());
    const severe = violations.filter((violation) => violation.severity === 'SEVERE');
    expect(severe.length).toBeGreaterThan(0);
    expect(severe.every((violation) => violation.penaltyAmount >= 30)).toBe(true);
    // The dishonest finding follows a severe violation.
    expect(severe.some((violation) => violation.decidedOn <= profile.customsCredit.since)).toBe(true);

    const exports = profile.volumes.map((volume) => volume.exportUsd + volume.importUsd);
    expect(exports.length).toBeGreaterThan(1);
    expect(exports[0]!).toBeLessThan(exports.at(-1)!);
  });

  it('gives watched enterprises a late declaration and no dishonest finding', async () => {
    const watched = universe.filter((enterprise) => enterprise.sectors.trade && enterprise.risk === 'WATCH');
    expect(watched.length).toBeGreaterThan(0);
    for (const entity of await profiles(watched.map((enterprise) => enterprise.uscc))) {
      expect(entity.trade!.customsCredit.category).toBe('ROUTINE');
      expect(entity.trade!.declarationViolations.some((violation) => violation.kind === 'LATE_DECLARATION' && violation.severity === 'MINOR')).toBe(true);
    }
  });

  it('lists every trading enterprise in exactly one category, paging without gaps or repeats', async () => {
    const traders = universe.filter((enterprise) => enterprise.sectors.trade).map((enterprise) => enterprise.uscc);
    const seen: string[] = [];
    for (const category of ['ADVANCED_CERTIFIED', 'CERTIFIED', 'ROUTINE', 'DISHONEST', 'SEVERELY_DISHONEST']) {
      const { listings, totalCount, pages } = await listAll(category, 3);
      const codes = listings.map((listing) => listing.enterprise.uscc);
      expect(codes).toEqual([...codes].sort());
      expect(codes.length).toBe(totalCount);
      expect(pages).toBe(Math.max(1, Math.ceil(totalCount / 3)));
      expect(listings.every((listing) => listing.category === category)).toBe(true);
      seen.push(...codes);

      // Each listing agrees with the enterprise's own profile.
      const byCode = new Map((await profiles(codes)).map((entity) => [entity.uscc, entity.trade!.customsCredit]));
      for (const listing of listings) {
        expect(byCode.get(listing.enterprise.uscc)).toMatchObject({ category, since: listing.since });
      }
    }
    expect(seen.sort()).toEqual([...traders].sort());
  });

  it('puts the model group among advanced certified enterprises and the risky supplier among dishonest ones', async () => {
    const certified = await listAll('ADVANCED_CERTIFIED', 100);
    expect(certified.listings.map((listing) => listing.enterprise.uscc)).toContain(universe[SHOWCASE.MODEL_GROUP]!.uscc);
    const dishonest = await listAll('DISHONEST', 100);
    expect(dishonest.listings.map((listing) => listing.enterprise.uscc)).toContain(universe[SHOWCASE.RISKY_SUPPLIER]!.uscc);
    // The seed uses Order 251's three categories only: the five-tier ones stay empty.
    const provisional = await listAll('CERTIFIED', 100);
    expect(provisional).toMatchObject({ listings: [], totalCount: 0 });
  });

  it('refuses a page size out of range and a forged cursor with BAD_USER_INPUT', async () => {
    for (const first of [0, 101]) {
      const { errors } = await subgraphGraphql(subgraph.url, LIST_QUERY, { category: 'ROUTINE', first });
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors?.[0]?.message).toContain('between 1 and 100');
    }
    const forged = await subgraphGraphql(subgraph.url, LIST_QUERY, { category: 'ROUTINE', after: 'not-a-cursor' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(forged.errors?.[0]?.message).toContain('not a cursor');
  });

  it('resolves 50 enterprises with every nested list in a constant 5 SQL statements', async () => {
    const batch = universe.slice(0, 50);
    const before = subgraph.sqlStatements();
    const entities = await profiles(batch.map((enterprise) => enterprise.uscc));
    const statements = subgraph.sqlStatements() - before;
    expect(entities.map((entity) => entity.uscc)).toEqual(batch.map((enterprise) => enterprise.uscc));
    expect(entities.map((entity) => entity.trade !== null)).toEqual(batch.map((enterprise) => enterprise.sectors.trade));
    // One each: credit records, credit history, volumes, violations, investments.
    expect(statements).toBe(5);

    const small = subgraph.sqlStatements();
    await profiles(batch.slice(0, 5).map((enterprise) => enterprise.uscc));
    expect(subgraph.sqlStatements() - small).toBe(statements);
  });

  it('costs two statements per list page (rows and total count), however many rows', async () => {
    const before = subgraph.sqlStatements();
    await subgraphGraphql(subgraph.url, LIST_QUERY, { category: 'ROUTINE', first: 100 });
    expect(subgraph.sqlStatements() - before).toBe(2);
  });
});

describeNonPublicFields({
  sector: 'trade',
  otherSector: 'environment',
  fields: 'volumes and investments',
  enterprises: () => [universe[SHOWCASE.MODEL_GROUP]!.uscc, universe[SHOWCASE.RISKY_SUPPLIER]!.uscc],
  read: () => ({
    url: subgraph.url,
    selection: 'uscc trade { customsCredit { category } volumes { year } investments { id } }',
    guarded: ['trade.volumes', 'trade.investments'],
    checkPublic: (entity: any) => {
      expect(entity.trade.customsCredit.category).toEqual(expect.any(String));
    },
  }),
});
