// Supervision classes through the gateway (issue 12 §5): who may read Enterprise.supervision,
// the class follows the evaluation the graph gives, and a regulator's list by class and district
// pages with a cursor at a cost bounded per page (no statement per enterprise).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORITIES, SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql, isoDaysAgo } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { sqlStatements } from './support/stack.ts';

const { gatewayUrl, subgraphUrls, metricsUrls, enterprises } = inject('stack');
const universe = seedUniverse(enterprises);
const model = universe[SHOWCASE.MODEL_GROUP]!;
const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
const DISTRICT = '410105';
const inDistrict = universe.filter((e) => e.divisionCode === DISTRICT).map((e) => e.uscc).sort();

const SUPERVISION = 'query ($u: USCC!) { enterprise(uscc: $u) { supervision { class rate keySupervision basis grade score overriddenBy } evaluation { grade score } } }';
const LIST = `query ($d: String!, $c: SupervisionClass, $first: Int, $after: String) {
  supervisionList(districtCode: $d, class: $c, first: $first, after: $after) {
    edges { cursor node { uscc class rate keySupervision enterprise { name district { code } } } }
    pageInfo { hasNextPage endCursor } scanned
  }
}`;

let regulator: Record<string, string>;
beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
});

describe('Enterprise.supervision', () => {
  it('gives a regulator the class of the evaluation grade, with its rate and legal basis', async () => {
    for (const uscc of [model.uscc, risky.uscc]) {
      const result = await graphql(gatewayUrl, SUPERVISION, { u: uscc }, regulator);
      expect(result.errors).toBeUndefined();
      const { supervision, evaluation } = result.data.enterprise;
      expect(supervision).toMatchObject({ class: evaluation.grade, grade: evaluation.grade, score: evaluation.score });
      expect(supervision.basis).toContain('国办发〔2019〕35号');
      expect(supervision.rate).toBeGreaterThan(0);
    }
    const riskyClass = (await graphql(gatewayUrl, SUPERVISION, { u: risky.uscc }, regulator)).data.enterprise.supervision;
    expect(riskyClass).toMatchObject({ class: 'D', keySupervision: true });
    // On the severe-dishonesty list: class D by that rule (whatever the grade), and it says so.
    expect(riskyClass.overriddenBy).toContain('严重失信主体名单');
    expect((await graphql(gatewayUrl, SUPERVISION, { u: model.uscc }, regulator)).data.enterprise.supervision.overriddenBy).toBeNull();
  });

  type Expected = 'read' | 'UNAUTHENTICATED' | 'FORBIDDEN';
  const TABLE: [role: 'PUBLIC' | 'BANK' | 'SECTOR_PLATFORM' | 'REGULATOR' | 'ENTERPRISE' | 'DEVELOPER', expected: Expected][] = [
    ['PUBLIC', 'UNAUTHENTICATED'],
    ['BANK', 'FORBIDDEN'],
    ['SECTOR_PLATFORM', 'read'],
    ['REGULATOR', 'read'],
    ['ENTERPRISE', 'FORBIDDEN'],
    ['DEVELOPER', 'FORBIDDEN'],
  ];
  const PURPOSE = { BANK: 'LOAN_APPROVAL', SECTOR_PLATFORM: 'SUPERVISION', REGULATOR: 'SUPERVISION' } as const;
  it.each(TABLE)('Enterprise.supervision as %s: %s (the evaluation stays public)', async (role, expected) => {
    const headers = role === 'PUBLIC' ? {} : await headersFor(role, PURPOSE[role as keyof typeof PURPOSE]);
    const result = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { supervision { class } evaluation { grade } } }', { u: model.uscc }, headers);
    expect(result.data.enterprise.evaluation.grade).toMatch(/^[ABCD]$/);
    if (expected === 'read') {
      expect(result.errors).toBeUndefined();
      expect(result.data.enterprise.supervision.class).toMatch(/^[ABCD]$/);
    } else {
      expect(result.data.enterprise.supervision).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe(expected);
    }
  });

  it.each(TABLE.map(([role, expected]) => [role, role === 'SECTOR_PLATFORM' ? 'FORBIDDEN' : expected] as const))(
    'Query.supervisionList as %s: %s (regulators only)',
    async (role, expected) => {
      const headers = role === 'PUBLIC' ? {} : await headersFor(role, PURPOSE[role as keyof typeof PURPOSE]);
      const result = await graphql(gatewayUrl, LIST, { d: DISTRICT, first: 1 }, headers);
      if (expected === 'read') expect(result.errors).toBeUndefined();
      else expect(result.errors?.[0]?.extensions?.code).toBe(expected);
    },
  );
});

describe("a regulator's list by class and district", () => {
  it('walks the whole district in code order with a cursor, each class as the evaluation says', async () => {
    const seen: { uscc: string; class: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const result: any = await graphql(gatewayUrl, LIST, { d: DISTRICT, first: 7, after }, regulator);
      expect(result.errors).toBeUndefined();
      const connection = result.data.supervisionList;
      for (const edge of connection.edges) {
        expect(edge.node.enterprise.district.code).toBe(DISTRICT);
        seen.push({ uscc: edge.node.uscc, class: edge.node.class });
      }
      if (!connection.pageInfo.hasNextPage) break;
      expect(connection.edges).toHaveLength(7);
      after = connection.pageInfo.endCursor;
    }
    expect(seen.map((s) => s.uscc)).toEqual(inDistrict);
    // The class of each is its evaluation grade (a portfolio read of the same enterprises).
    const grades = await graphql(gatewayUrl, 'query ($u: [USCC!]!) { enterprises(usccs: $u) { uscc evaluation { grade } } }', { u: inDistrict }, regulator);
    expect(seen.map((s) => s.class)).toEqual(grades.data.enterprises.map((e: any) => e.evaluation.grade));
  });

  it('filters by class: every page holds only that class, and together they are all of it', async () => {
    const all = await graphql(gatewayUrl, LIST, { d: DISTRICT, first: 100 }, regulator);
    const expected = all.data.supervisionList.edges.filter((e: any) => e.node.class === 'D').map((e: any) => e.node.uscc);
    expect(expected.length).toBeGreaterThan(0); // the risky supplier is in this district
    const found: string[] = [];
    let after: string | null = null;
    do {
      const result: any = await graphql(gatewayUrl, LIST, { d: DISTRICT, c: 'D', first: 1, after }, regulator);
      expect(result.errors).toBeUndefined();
      for (const edge of result.data.supervisionList.edges) {
        expect(edge.node).toMatchObject({ class: 'D', keySupervision: true });
        found.push(edge.node.uscc);
      }
      after = result.data.supervisionList.pageInfo.hasNextPage ? result.data.supervisionList.pageInfo.endCursor : null;
    } while (after);
    expect(found).toEqual(expected);
    expect(found).toContain(risky.uscc);
  });

  it('costs the same number of SQL statements per subgraph for districts of different sizes (no statement per enterprise)', async () => {
    const counts = new Map<string, number>();
    for (const e of universe) counts.set(e.divisionCode, (counts.get(e.divisionCode) ?? 0) + 1);
    const [fewest, most] = [...counts.entries()].sort((x, y) => x[1] - y[1]).map(([code]) => code).filter((_, i, all) => i === 0 || i === all.length - 1);
    expect(counts.get(most!)! - counts.get(fewest!)!).toBeGreaterThan(5);
    const cost = async (district: string) => {
      const before = await Promise.all(Object.keys(subgraphUrls).map((name) => sqlStatements(metricsUrls[name]!)));
      const result = await graphql(gatewayUrl, LIST, { d: district, first: 100 }, regulator);
      expect(result.errors).toBeUndefined();
      const after = await Promise.all(Object.keys(subgraphUrls).map((name) => sqlStatements(metricsUrls[name]!)));
      return { items: result.data.supervisionList.edges.length, statements: after.map((n, i) => n - before[i]!) };
    };
    const small = await cost(fewest!);
    const large = await cost(most!);
    expect([small.items, large.items]).toEqual([counts.get(fewest!), counts.get(most!)]);
    expect(large.statements).toEqual(small.statements);
    // One page: a registry search (rows and count) and one batched evaluation per sector.
    expect(Math.max(...large.statements)).toBeLessThanOrEqual(12);
  });

  it('refuses a malformed district and a forged cursor with BAD_USER_INPUT', async () => {
    expect((await graphql(gatewayUrl, LIST, { d: 'x', first: 1 }, regulator)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await graphql(gatewayUrl, LIST, { d: DISTRICT, first: 1, after: 'not-a-cursor' }, regulator)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await graphql(gatewayUrl, LIST, { d: DISTRICT, first: 101 }, regulator)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('the severe-dishonesty list rule', () => {
  const ADD = 'mutation ($input: ListEntryInput!, $key: String!) { addListEntry(input: $input, idempotencyKey: $key) { id active } }';
  const entry = (uscc: string, listedOn: string, expiresOn: string) => ({
    uscc,
    listType: 'SEVERE_DISHONESTY',
    authority: AUTHORITIES.DEVELOPMENT_REFORM.name,
    legalBasis: '河南省社会信用条例 第三十三条',
    reason: 'supervision override (e2e)',
    listedOn,
    expiresOn,
    measures: ['限制参与政府采购'],
  });
  const supervisionOf = async (uscc: string) => {
    const result = await graphql(gatewayUrl, SUPERVISION, { u: uscc }, regulator);
    expect(result.errors).toBeUndefined();
    return result.data.enterprise.supervision as { class: string; grade: string; overriddenBy: string | null };
  };

  it('overrides the class only while an entry is in force: an expired entry does not, a removed (repaired) one no longer does', async () => {
    // An enterprise no other test lists, not in class D by its grade.
    let subject: string | undefined;
    for (const candidate of universe.slice(520, 560).filter((e) => e.divisionCode !== DISTRICT)) {
      const supervision = await supervisionOf(candidate.uscc);
      if (supervision.class !== 'D' && supervision.overriddenBy === null) {
        subject = candidate.uscc;
        break;
      }
    }
    expect(subject).toBeDefined();
    const before = await supervisionOf(subject!);

    const expired = await graphql(gatewayUrl, ADD, { input: entry(subject!, isoDaysAgo(400), isoDaysAgo(1)), key: `e2e-supervision-expired-${Date.now()}` }, regulator);
    expect(expired.errors).toBeUndefined();
    expect(expired.data.addListEntry.active).toBe(false);
    expect(await supervisionOf(subject!)).toEqual(before);

    const live = await graphql(gatewayUrl, ADD, { input: entry(subject!, isoDaysAgo(0), isoDaysAgo(-365)), key: `e2e-supervision-live-${Date.now()}` }, regulator);
    expect(live.errors).toBeUndefined();
    const listed = await supervisionOf(subject!);
    expect(listed.class).toBe('D');
    expect(listed.overriddenBy).toContain('豫市监办〔2022〕100号');

    const removed = await graphql(
      gatewayUrl,
      'mutation ($id: ID!, $key: String!, $on: Date!) { removeListEntry(entryId: $id, reason: REPAIRED, removedOn: $on, idempotencyKey: $key) { active } }',
      { id: live.data.addListEntry.id, key: `e2e-supervision-repaired-${Date.now()}`, on: isoDaysAgo(0) },
      regulator,
    );
    expect(removed.errors).toBeUndefined();
    const repaired = await supervisionOf(subject!);
    expect(repaired.overriddenBy).toBeNull();
    expect(repaired.class).toBe(repaired.grade);
  });
});
