import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_CALLER, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { SHOWCASE, maskName, seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, signedTestHeaders, startTestSubgraph, subgraphGraphql } from '@credit-graph/subgraph-kit/testing';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { registry } from '../src/index.ts';

const ENTERPRISES = 120;
const universe = seedUniverse(ENTERPRISES);
let subgraph: RunningSubgraph<unknown>;

beforeAll(async () => {
  subgraph = await startTestSubgraph(registry, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('registry subgraph', () => {
  it('answers an enterprise by code with masked legal representative and district', async () => {
    const model = universe[SHOWCASE.MODEL_GROUP]!;
    const { data, errors } = await subgraphGraphql(subgraph.url, `query ($uscc: USCC!) {
      enterprise(uscc: $uscc) { uscc name legalRepresentative district { code name } status commitments { status } }
    }`, { uscc: model.uscc });
    expect(errors).toBeUndefined();
    expect(data.enterprise.uscc).toBe(model.uscc);
    expect(data.enterprise.name).toBe(model.name);
    expect(data.enterprise.legalRepresentative).toMatch(/^.\*+$/u);
    expect(data.enterprise.district).toEqual({ code: '410105', name: 'Jinshui' });
    expect(data.enterprise.commitments.length).toBeGreaterThan(0);
  });

  it('searches names for "%" and "_" as characters, not as wildcards', async () => {
    const search = (fragment: string) =>
      subgraphGraphql(subgraph.url, 'query ($f: String!) { searchEnterprises(filter: { nameContains: $f }, first: 100) { totalCount edges { node { name } } } }', { f: fragment });
    // No seeded name holds either character: a wildcard would match every enterprise.
    expect(universe.some((e) => /[%_\\]/.test(e.name))).toBe(false);
    for (const fragment of ['%', '_', '%%', '\\', '\\%', '_%_']) {
      const { data, errors } = await search(fragment);
      expect(errors, fragment).toBeUndefined();
      expect(data.searchEnterprises.totalCount, fragment).toBe(0);
    }
    // A real fragment, any case, still finds its enterprise.
    const name = universe[0]!.name;
    const { data } = await search(name.slice(1, 4).toUpperCase());
    expect(data.searchEnterprises.edges.map((e: { node: { name: string } }) => e.node.name)).toContain(name);
  });

  it('refuses an oversized name fragment or cursor with BAD_USER_INPUT naming the input', async () => {
    const long = await subgraphGraphql(subgraph.url, 'query ($f: String!) { searchEnterprises(filter: { nameContains: $f }) { totalCount } }', { f: 'x'.repeat(101) });
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(long.errors?.[0]?.extensions?.field).toBe('filter.nameContains');
    const cursor = await subgraphGraphql(subgraph.url, 'query ($a: String!) { searchEnterprises(after: $a) { totalCount } }', { a: 'A'.repeat(201) });
    expect(cursor.errors?.[0]?.extensions?.field).toBe('after');
    const nul = await subgraphGraphql(subgraph.url, 'query ($f: String!) { searchEnterprises(filter: { nameContains: $f }) { totalCount } }', { f: 'a\u0000b' });
    expect(nul.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(nul.errors?.[0]?.message).toMatch(/control characters/);
  });

  it('withholds an error it did not raise on purpose: INTERNAL_SERVER_ERROR with the request id, no database detail', async () => {
    // Only the gateway can send this (signed): a representation whose key holds a NUL character,
    // which PostgreSQL refuses (no text may hold one) with a message naming the byte sequence,
    // and the database client with its invocation and the file.
    const request = JSON.stringify({ query: entitiesQuery('Enterprise', 'name'), variables: { representations: [{ __typename: 'Enterprise', uscc: '9141\u0000' }] } });
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gw-req-0042', ...(await signedTestHeaders(subgraph.url, request, ANONYMOUS_CALLER)) },
      body: request,
    });
    const text = await response.text();
    expect(response.headers.get('x-request-id')).toBe('gw-req-0042');
    expect(text).not.toMatch(/prisma|invocation|\/work\/|\.ts:\d+|stack/i);
    const body = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'gw-req-0042' } });
  });

  it('answers null for a valid code that is not registered', async () => {
    const { data, errors } = await subgraphGraphql(subgraph.url, '{ enterprise(uscc: "91350100M000100Y43") { name } }');
    expect(errors).toBeUndefined();
    expect(data.enterprise).toBeNull();
  });

  it('refuses a malformed code with BAD_USER_INPUT naming the check character', async () => {
    const { errors } = await subgraphGraphql(subgraph.url, 'query ($u: USCC!) { enterprise(uscc: $u) { name } }', {
      u: '91350100M000100Y44',
    });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toContain('check character');
    expect(errors?.[0]?.extensions?.expected).toBe('3');
  });

  it('shows the risky supplier on the severe-dishonesty list with its measures', async () => {
    const risky = universe[SHOWCASE.RISKY_SUPPLIER]!;
    const { data } = await subgraphGraphql(subgraph.url, `query ($uscc: USCC!) {
      enterprise(uscc: $uscc) { onSevereDishonestyList listEntries { listType authority measures active } penalties { severity fineAmount } }
    }`, { uscc: risky.uscc });
    expect(data.enterprise.onSevereDishonestyList).toBe(true);
    expect(data.enterprise.listEntries[0].measures.length).toBeGreaterThan(0);
    expect(data.enterprise.penalties.length).toBeGreaterThanOrEqual(2);
  });

  it('resolves Enterprise entities in one batch, in order, null for unknown codes', async () => {
    const codes = [universe[5]!.uscc, '91350100M000100Y43', universe[7]!.uscc];
    const before = subgraph.sqlStatements();
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'uscc name penalties { id }'), {
      representations: codes.map((uscc) => ({ __typename: 'Enterprise', uscc })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities.map((entity: { uscc: string } | null) => entity?.uscc ?? null)).toEqual([codes[0], null, codes[2]]);
    // One statement each for the enterprises, all their penalties, and the objections and
    // repairs that decide the penalties' publication.
    expect(subgraph.sqlStatements() - before).toBe(4);
  });

  it('answers a portfolio of codes in order and refuses more than 500', async () => {
    const codes = universe.slice(0, 50).map((e) => e.uscc);
    const before = subgraph.sqlStatements();
    const { data } = await subgraphGraphql(subgraph.url, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc licenses { id } listEntries { id } } }', { c: codes });
    expect(data.enterprises.map((e: { uscc: string }) => e.uscc)).toEqual(codes);
    expect(subgraph.sqlStatements() - before).toBe(3);

    const tooMany = Array.from({ length: 501 }, () => codes[0]);
    const refused = await subgraphGraphql(subgraph.url, 'query ($c: [USCC!]!) { enterprises(usccs: $c) { uscc } }', { c: tooMany });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('at most 500');
  });

  it('pages through a filtered search with cursors without gaps or repeats', async () => {
    const query = `query ($after: String) { searchEnterprises(filter: { districtCode: "410105" }, first: 4, after: $after) {
      totalCount edges { cursor node { uscc district { code } } } pageInfo { hasNextPage endCursor } } }`;
    const expected = universe.filter((e) => e.divisionCode === '410105').map((e) => e.uscc).sort();
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const { data }: { data?: any } = await subgraphGraphql(subgraph.url, query, { after });
      expect(data.searchEnterprises.totalCount).toBe(expected.length);
      seen.push(...data.searchEnterprises.edges.map((edge: { node: { uscc: string } }) => edge.node.uscc));
      if (!data.searchEnterprises.pageInfo.hasNextPage) break;
      after = data.searchEnterprises.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('filters by list membership and refuses a forged cursor', async () => {
    const { data } = await subgraphGraphql(subgraph.url, '{ searchEnterprises(filter: { onList: SEVERE_DISHONESTY }, first: 100) { edges { node { onSevereDishonestyList } } } }');
    expect(data.searchEnterprises.edges.length).toBeGreaterThan(0);
    expect(data.searchEnterprises.edges.every((edge: { node: { onSevereDishonestyList: boolean } }) => edge.node.onSevereDishonestyList)).toBe(true);

    const forged = await subgraphGraphql(subgraph.url, '{ searchEnterprises(after: "not-a-cursor") { totalCount } }');
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('registry personal data', () => {
  const BANK: Caller = { subject: 'officer-1', role: 'BANK', scopes: ROLE_SCOPES.BANK, institution: '91410100MA44XWJ01Y', purpose: 'LOAN_APPROVAL' };
  const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };

  it('masks the legal representative for a bank and shows it to a regulator (personal:read)', async () => {
    const model = universe[SHOWCASE.MODEL_GROUP]!;
    const stored = await (subgraph.db as PrismaClient).enterprise.findUniqueOrThrow({ where: { uscc: model.uscc } });
    const representative = async (caller: Caller) => {
      const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'legalRepresentative'), {
        representations: [{ __typename: 'Enterprise', uscc: model.uscc }],
      }, caller);
      expect(errors).toBeUndefined();
      return data._entities[0].legalRepresentative;
    };
    expect(await representative(BANK)).toBe(maskName(stored.legalRepresentative));
    expect(await representative(BANK)).not.toBe(stored.legalRepresentative);
    expect(await representative(REGULATOR)).toBe(stored.legalRepresentative);
  });
});
