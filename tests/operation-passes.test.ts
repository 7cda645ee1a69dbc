// Every pass the gateway makes over an operation, end to end: bounded before anything else
// runs (issue 9 §5), non-null fields that authorization removes (issue 10 §3), and aliases
// that would shadow the key fields the query planner adds (issue 10 §7).
import { describe, expect, inject, it } from 'vitest';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const model = seedUniverse(enterprises)[SHOWCASE.MODEL_GROUP]!;

/** `fragment F0 on <type> { ...F1 ...F1 } ... fragment F<levels> on <type> { <last> }` */
function fragmentsDoubling(levels: number, type: string, last: string): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on ${type} { ...F${i + 1} ...F${i + 1} }`);
  return `${fragments.join(' ')} fragment F${levels} on ${type} { ${last} }`;
}

/** The example of issue 9: `query { ...F0 }` and fragments on Query, each spreading the next twice. */
const doubling = (levels: number, last: string) => `query { ...F0 } ${fragmentsDoubling(levels, 'Query', last)}`;

describe('an operation over a limit is refused before any other pass over it', () => {
  it('refuses the anonymous 40-level doubling fragment bomb of issue 9 with 400, naming the fragment expansion', async () => {
    const query = doubling(40, '__typename');
    expect(query.length).toBeLessThan(2000);
    const result = await graphql(gatewayUrl, query);
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'fragmentExpansion', limit: 5000, value: 2 ** 40 });
  });

  it('refuses the bomb before authorization when it holds a field the caller may not read', async () => {
    const result = await graphql(gatewayUrl, doubling(40, 'overdueObjections { id } districts { code }'), {}, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(result.status).toBe(400);
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'fragmentExpansion' });
  });

  it('refuses a bomb below an entity, under a list sized 0, spread from several fields', async () => {
    const query = `query ($u: USCC!) { a: enterprise(uscc: $u) { ...F0 } b: enterprises(usccs: []) { ...F0 } } ${fragmentsDoubling(30, 'Enterprise', 'name')}`;
    const result = await graphql(gatewayUrl, query, { u: model.uscc });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'fragmentExpansion' });
  });

  it('still answers a query that spreads fragments within the limits', async () => {
    const result = await graphql(gatewayUrl, doubling(3, 'districts { code }'));
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data.districts.length).toBeGreaterThan(0);
  });
});

describe('a removed non-null field nulls its nearest nullable parent', () => {
  it('answers the BANK asking { overdueObjections districts } with data null and the error at its path', async () => {
    const result = await graphql(gatewayUrl, '{ overdueObjections { id } districts { code } }', {}, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({ path: ['overdueObjections'], extensions: { code: 'FORBIDDEN', field: 'Query.overdueObjections' } });
  });

  it('neither nulls nor reports a removed field that @skip leaves out by the default value of its variable', async () => {
    const query = 'query ($hidden: Boolean = true) { overdueObjections @skip(if: $hidden) { id } districts { code } }';
    const result = await graphql(gatewayUrl, query, {}, await headersFor('BANK', 'LOAN_APPROVAL'));
    expect(result.errors).toBeUndefined();
    expect(result.data?.districts.length).toBeGreaterThan(0);
    expect(result.data).not.toHaveProperty('overdueObjections');
  });

  it('answers an anonymous myConsents, aliased and through a fragment, with data null', async () => {
    const result = await graphql(gatewayUrl, '{ mine: myConsents { id } ...D } fragment D on Query { districts { code } }');
    expect(result.data).toBeNull();
    expect(result.errors?.[0]).toMatchObject({ path: ['mine'], extensions: { code: 'UNAUTHENTICATED', field: 'Query.myConsents' } });
  });

  it('answers a mutation refused to a platform of another sector with data null', async () => {
    const mutation = `mutation ($u: USCC!) { recordTaxCreditLevel(input: { uscc: $u, year: 2024, level: A, score: 95 }, idempotencyKey: "passes-other-sector-1") { level } }`;
    const result = await graphql(gatewayUrl, mutation, { u: model.uscc }, await headersFor('SECTOR_PLATFORM'));
    expect(result.data).toBeNull();
    expect(result.errors?.[0]).toMatchObject({ path: ['recordTaxCreditLevel'], extensions: { code: 'FORBIDDEN', field: 'Mutation.recordTaxCreditLevel' } });
  });

  it('keeps nulling a nullable removed field only, with its path, inside an entity of another subgraph', async () => {
    const result = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { name environment { currentRating { level } } finance { currentTaxCreditLevel } } }', { u: model.uscc });
    expect(result.data.enterprise).toMatchObject({ name: model.name, finance: null });
    expect(result.data.enterprise.environment).not.toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['enterprise', 'finance'] })]);
  });
});

describe('an alias never shadows a field name the planner relies on', () => {
  const refused = [
    ['the key field aliased to another field (issue 10)', '{ enterprise(uscc: $u) { uscc: name environment { currentRating { level } } } }'],
    ['__typename as an alias', '{ enterprise(uscc: $u) { __typename: name environment { currentRating { level } } } }'],
    ['__typename aliased to a field name', '{ enterprise(uscc: $u) { uscc: __typename environment { currentRating { level } } } }'],
    ['a field name taken in a fragment', '{ enterprise(uscc: $u) { ...N environment { currentRating { level } } } } fragment N on Enterprise { uscc: name }'],
    ["the gateway's own placeholder name", '{ enterprise(uscc: $u) { __authorization_placeholder: name } }'],
  ];

  it.each(refused)('refuses %s with 400 GRAPHQL_VALIDATION_FAILED', async (_title, selection) => {
    const result = await graphql(gatewayUrl, `query ($u: USCC!) ${selection}`, { u: model.uscc });
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0]?.message).toMatch(/alias "(uscc|__typename|__authorization_placeholder)"/);
  });

  it('answers right when the key field is aliased to a free name, or a field to its own name', async () => {
    const result = await graphql(
      gatewayUrl,
      'query ($u: USCC!) { enterprise(uscc: $u) { code: uscc name: name label: name environment { currentRating { level } } } }',
      { u: model.uscc },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise).toMatchObject({ code: model.uscc, name: model.name, label: model.name });
  });

  it('answers right when a field takes the name of another field the planner does not add (name and status swapped, finance: financeSignals)', async () => {
    const result = await graphql(
      gatewayUrl,
      'query ($u: USCC!) { enterprise(uscc: $u) { name: status status: name finance: financeSignals { grade } environment { currentRating { level } } } }',
      { u: model.uscc },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise).toMatchObject({ name: 'ACTIVE', status: model.name, finance: { grade: expect.any(String) } });
  });
});
