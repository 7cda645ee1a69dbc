// @skip and @include never change what the unconditional fields answer. The query planner gates
// the @requires inputs that a conditional field shares with its siblings behind the condition
// (apollographql/router#9849); the gateway decides conditions before planning
// (gateway/src/transport/inline-conditions.ts). Checked for every Enterprise field that has
// @requires in the supergraph, next to the comprehensive evaluation, both ways round.
import { readFileSync } from 'node:fs';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { SUPERGRAPH_PATH } from '@credit-graph/contract';
import { SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { graphql } from '@credit-graph/subgraph-kit/testing';
import { DEMO_BANK, headersFor } from './support/callers.ts';

const { gatewayUrl, enterprises } = inject('stack');
const risky = seedUniverse(enterprises)[SHOWCASE.RISKY_SUPPLIER]!;

/** Enterprise fields resolved with @requires (no arguments), read from the supergraph. */
const REQUIRING = (() => {
  const enterprise = parse(readFileSync(SUPERGRAPH_PATH, 'utf8')).definitions.find(
    (definition): definition is ObjectTypeDefinitionNode => definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Enterprise',
  )!;
  return (enterprise.fields ?? [])
    .filter((field) => !field.arguments?.length)
    .filter((field) => field.directives?.some((d) => d.name.value === 'join__field' && d.arguments?.some((a) => a.name.value === 'requires')))
    .map((field) => field.name.value);
})();

let headers: Record<string, string>;
let evaluation: unknown;

beforeAll(async () => {
  headers = await headersFor('REGULATOR', 'SUPERVISION');
  const plain = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } } }', { u: risky.uscc }, headers);
  expect(plain.errors).toBeUndefined();
  evaluation = plain.data.enterprise.evaluation;
  expect(evaluation).not.toBeNull();
});

describe('a conditional field beside the evaluation', () => {
  it('covers the sector fields that need the registry\'s record states', () => {
    expect(REQUIRING).toEqual(expect.arrayContaining(['finance', 'financeSignals', 'environment', 'trade', 'housekeeping', 'supplyChain', 'evaluation']));
  });

  for (const field of REQUIRING.filter((name) => name !== 'evaluation')) {
    it(`${field}: @include and @skip, by variable, literal and fragment, leave the evaluation as it is`, async () => {
      const variants: [string, Record<string, unknown>, boolean][] = [
        [`query ($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ${field} @include(if: $on) { __typename } } }`, { on: false }, false],
        [`query ($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ${field} @include(if: $on) { __typename } } }`, { on: true }, true],
        [`query ($u: USCC!, $off: Boolean = true) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ${field} @skip(if: $off) { __typename } } }`, {}, false],
        [`query ($u: USCC!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ...F @skip(if: true) } } fragment F on Enterprise { ${field} { __typename } }`, {}, false],
        [`query ($u: USCC!) { enterprise(uscc: $u) { ... on Enterprise @include(if: false) { ${field} { __typename } } evaluation { grade score factors { factor value } } } }`, {}, false],
        // GraphQL lets whitespace, commas and comments stand between @ and the directive's name.
        [`query ($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ${field} @ include(if: $on) { __typename } } }`, { on: false }, false],
        [`query ($u: USCC!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } ${field} @#c\nskip(if: true) { __typename } } }`, {}, false],
      ];
      for (const [query, variables, present] of variants) {
        const result = await graphql(gatewayUrl, query, { u: risky.uscc, ...variables }, headers);
        expect(result.errors, query).toBeUndefined();
        expect(result.data.enterprise.evaluation, query).toEqual(evaluation);
        expect(Object.hasOwn(result.data.enterprise, field), query).toBe(present);
      }
    });
  }

  it('decides the operation asked for when another operation of the document has a condition on a variable not sent', async () => {
    const query = `query A($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { evaluation { grade score factors { factor value } } finance @include(if: $on) { __typename } } }
      query B($u: USCC!, $other: Boolean!) { enterprise(uscc: $u) { name @skip(if: $other) } }`;
    const response = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, operationName: 'A', variables: { u: risky.uscc, on: false } }) });
    const result = (await response.json()) as { data?: { enterprise: Record<string, unknown> }; errors?: unknown[] };
    expect(result.errors).toBeUndefined();
    expect(result.data?.enterprise.evaluation).toEqual(evaluation);
  });

  it('answers an object whose every selection is left out as an empty object, as GraphQL does', async () => {
    const result = await graphql(gatewayUrl, 'query ($u: USCC!) { enterprise(uscc: $u) { finance @include(if: false) { currentTaxCreditLevel } } }', { u: risky.uscc }, headers);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: {} });
  });

  it('refuses a condition without its variable with the usual validation error', async () => {
    const result = await graphql(gatewayUrl, 'query ($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { evaluation { grade } finance @include(if: $on) { __typename } } }', { u: risky.uscc }, headers);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.data).toBeUndefined();
  });
});

describe('conditions and the trust layer', () => {
  it('refuses a field the caller may not read only when its condition includes it', async () => {
    const developer = await headersFor('DEVELOPER');
    const query = 'query ($u: USCC!, $on: Boolean!) { enterprise(uscc: $u) { name finance @include(if: $on) { currentTaxCreditLevel } } }';
    const left = await graphql(gatewayUrl, query, { u: risky.uscc, on: false }, developer);
    expect(left.errors).toBeUndefined();
    expect(left.data.enterprise).toEqual({ name: expect.any(String) });
    const included = await graphql(gatewayUrl, query, { u: risky.uscc, on: true }, developer);
    expect(included.errors?.map((error: { extensions?: { code?: string } }) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('runs no write its condition leaves out', async () => {
    const enterprise = await headersFor('ENTERPRISE');
    const count = async () => (await graphql(gatewayUrl, '{ myConsents { id } }', {}, enterprise)).data.myConsents.length;
    const before = await count();
    const write = 'mutation ($bank: USCC!, $on: Boolean!) { grantConsent(institution: $bank, purpose: LOAN_APPROVAL, validForDays: 30) @include(if: $on) { id } }';
    const left = await graphql(gatewayUrl, write, { bank: DEMO_BANK.uscc, on: false }, enterprise);
    expect(left.errors).toBeUndefined();
    expect(left.data).toEqual({});
    expect(await count()).toBe(before);
  });

  it('refuses a condition whose variable is sent as null (execution would), instead of answering as if it were decided', async () => {
    const query = 'query ($u: USCC!, $on: Boolean = false) { enterprise(uscc: $u) { evaluation { grade } finance @include(if: $on) { __typename } } }';
    const result = await graphql(gatewayUrl, query, { u: risky.uscc, on: null }, headers);
    expect(result.errors?.length, JSON.stringify(result)).toBeGreaterThan(0);
  });
});
