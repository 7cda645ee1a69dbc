import { describe, expect, it } from 'vitest';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, defaultFieldResolver, executeSync, parse, print, type GraphQLFieldResolver } from 'graphql';
import { ANONYMOUS_CALLER, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { composeSupergraph } from '@credit-graph/contract/compose';
import { completeAnswer, filterOperation, isAllowed, readRequirements } from '../src/trust/authorization.ts';
import { prepareSupergraph } from '../src/supergraph.ts';
import { ConfigError } from '../src/config.ts';

const composed = composeSupergraph();
const prepared = prepareSupergraph(composed);
const schema = Supergraph.build(prepared).apiSchema().toGraphQLJSSchema();
const requirements = readRequirements(prepared);
const bank: Caller = { subject: 'officer-1', role: 'BANK', scopes: ROLE_SCOPES.BANK, institution: '91410100MA0000000X' };
const developer: Caller = { subject: 'dev-1', role: 'DEVELOPER', scopes: ROLE_SCOPES.DEVELOPER };

function filter(query: string, caller: Caller) {
  return filterOperation(schema, parse(query), undefined, requirements, caller);
}

describe('authorization directives in the supergraph', () => {
  it('keeps @requiresScopes through composition, marked for SECURITY', () => {
    expect(composed).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.1", for: SECURITY\)/);
    expect(composed).toMatch(/finance: FinanceProfile @join__field\(graph: FINANCE[^)]*\) @requiresScopes\(scopes: \[\["credit:read"\]\]\)/);
  });

  it('tells the planner it enforces requiresScopes itself, and nothing else', () => {
    expect(prepared).not.toMatch(/requiresScopes\/v0\.1", for: SECURITY/);
    expect(prepared).toMatch(/join\/v0\.5", for: EXECUTION/);
  });

  it('refuses to serve a supergraph with a security feature it does not enforce', () => {
    const withPolicy = composed.replace(
      '@link(url: "https://specs.apollo.dev/link/v1.0")',
      '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    );
    expect(() => prepareSupergraph(withPolicy)).toThrow(ConfigError);
    expect(() => prepareSupergraph(withPolicy)).toThrow(/policy\/v0\.1/);
  });

  it('reads the guarded fields', () => {
    expect(requirements.get('Enterprise.finance')).toEqual({ authenticated: true, scopes: [['credit:read']] });
    expect(requirements.get('TradeProfile.investments')?.scopes).toEqual([['credit:read']]);
    expect(requirements.has('Enterprise.name')).toBe(false);
  });

  it("requires both a field's scopes and its type's (AND, not OR), on the type's own fields too", () => {
    const read = readRequirements(`
      type Query { secret: Secret level: Level }
      type Secret @requiresScopes(scopes: [["b"], ["c"]]) { data: String @requiresScopes(scopes: [["a"]]) open: String }
      enum Level @authenticated { HIGH }`);
    const dataRequirement = read.get('Secret.data')!;
    expect(isAllowed(dataRequirement, { ...bank, scopes: ['b'] })).toBe(false);
    expect(isAllowed(dataRequirement, { ...bank, scopes: ['a'] })).toBe(false);
    expect(isAllowed(dataRequirement, { ...bank, scopes: ['a', 'c'] })).toBe(true);
    expect(read.get('Secret.open')).toEqual({ authenticated: true, scopes: [['b'], ['c']] });
    expect(read.get('Query.secret')).toEqual({ authenticated: true, scopes: [['b'], ['c']] });
    expect(read.get('Query.level')).toEqual({ authenticated: true, scopes: [] });
  });

  it('allows by scope alternatives', () => {
    const requirement = { authenticated: true, scopes: [['a', 'b'], ['c']] };
    expect(isAllowed(requirement, { ...bank, scopes: ['a'] })).toBe(false);
    expect(isAllowed(requirement, { ...bank, scopes: ['a', 'b'] })).toBe(true);
    expect(isAllowed(requirement, { ...bank, scopes: ['c'] })).toBe(true);
    expect(isAllowed({ authenticated: true, scopes: [] }, ANONYMOUS_CALLER)).toBe(false);
  });
});

describe('filtering an operation before planning', () => {
  const query = `query Check($u: USCC!) {
    enterprise(uscc: $u) { name finance { currentTaxCreditLevel } trade { customsCredit { category } volumes { year } } }
  }`;

  it('leaves an allowed operation untouched', () => {
    const { document, removals } = filter(query, bank);
    expect(removals).toEqual([]);
    expect(print(document)).toBe(print(parse(query)));
  });

  it('removes what a public caller may not read and says where it was', () => {
    const { document, removals } = filter(query, ANONYMOUS_CALLER);
    expect(removals.map((r) => [r.coordinate, r.path.join('.')])).toEqual([
      ['Enterprise.finance', 'enterprise.finance'],
      ['TradeProfile.volumes', 'enterprise.trade.volumes'],
    ]);
    const printed = print(document);
    expect(printed).not.toContain('finance');
    expect(printed).not.toContain('volumes');
    expect(printed).toContain('customsCredit');
  });

  it('follows aliases, named fragments and inline fragments', () => {
    const { removals, document } = filter(
      `query { enterprises(usccs: []) { ...Risk } a: enterprise(uscc: "x") { ... on Enterprise { f: finance { currentTaxCreditLevel } } } }
       fragment Risk on Enterprise { name supplyChain { partners { relation } } }`,
      developer,
    );
    expect(removals.map((r) => r.path.join('.')).sort()).toEqual(['a.f', 'enterprises.supplyChain']);
    expect(print(document)).not.toMatch(/supplyChain|finance/);
  });

  it('keeps a selection set valid when every field in it is removed', () => {
    const { document } = filter('{ enterprise(uscc: "x") { finance { currentTaxCreditLevel } } }', ANONYMOUS_CALLER);
    expect(print(document)).toContain('__authorization_placeholder: __typename');
  });
});

describe('filtering in time linear in the document', () => {
  /** `query { ...F0 } fragment F0 on Query { ...F1 ...F1 } ... fragment F<levels> on Query { <last> }` */
  const doubling = (levels: number, last: string) =>
    `query { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels} on Query { ${last} }`;

  function filterCounting(query: string, caller: Caller) {
    const work = { selections: 0 };
    const result = filterOperation(schema, parse(query), undefined, requirements, caller, { work });
    return { ...result, work: work.selections };
  }

  it('examines each fragment once, not once per spread: the 40-level doubling bomb of issue 9', () => {
    expect(filterCounting(doubling(3, '__typename'), ANONYMOUS_CALLER).work).toBe(1 + 3 * 2 + 1);
    const allowed = filterCounting(doubling(40, '__typename'), ANONYMOUS_CALLER);
    expect(allowed.work).toBe(1 + 40 * 2 + 1);
    expect(allowed.removals).toEqual([]);
    // With a removed field at the bottom: still once per fragment, and the field said once.
    const denied = filterCounting(doubling(40, 'overdueObjections { id } districts { code }'), bank);
    expect(denied.work).toBe(1 + 40 * 2 + 2 + 1);
    expect(denied.removals.map((r) => r.coordinate)).toEqual(['Query.overdueObjections']);
    expect(print(denied.document)).not.toContain('overdueObjections');
  });

  it('examines a wide spread, a fragment used by many fields and nested inline fragments once each', () => {
    const wide = `{ ${Array.from({ length: 25 }, (_, i) => `e${i}: enterprise(uscc: "x") { ...Risk }`).join(' ')} }
      fragment Risk on Enterprise { name ...Deep finance { currentTaxCreditLevel } }
      fragment Deep on Enterprise { ... on Enterprise { ... on Enterprise { ... on Enterprise { uscc } } } }`;
    const { work, removals } = filterCounting(wide, ANONYMOUS_CALLER);
    // 25 fields and spreads, Risk's 3 selections, Deep's 3 inline fragments and uscc: each once.
    expect(work).toBe(25 * 2 + 3 + 4);
    expect(removals.map((r) => r.coordinate)).toEqual(['Enterprise.finance']);
  });

  it('deep nesting through fragments costs one visit per fragment', () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) =>
      `fragment P${i} on SupplyChainProfile { partners { partner { supplyChain { ...P${i + 1} } partner2: supplyChain { ...P${i + 1} } } } }`,
    ).join(' ');
    const query = `{ enterprise(uscc: "x") { supplyChain { ...P0 } } } ${fragments} fragment P${levels} on SupplyChainProfile { __typename }`;
    const { work } = filterCounting(query, bank);
    expect(work).toBe(3 + levels * 6 + 1);
  });

  it('ends on a fragment cycle (refused later by validation)', () => {
    const { work } = filterCounting('{ ...A } fragment A on Query { ...B districts { code } } fragment B on Query { ...A }', ANONYMOUS_CALLER);
    expect(work).toBeLessThan(10);
  });
});

describe('a removed non-null field nulls its nearest nullable parent, as GraphQL execution would', () => {
  // Every shape of nullability: nullable and non-null fields, lists of nullable and non-null
  // items, nested objects, an interface with fragments on its implementations.
  const shapes = buildSchema(`
    type Query {
      me: Person
      people: [Person!]!
      maybePeople: [Person]
      grid: [[Person!]]
      secretRoot: Int!
      pets: [Pet!]
      publicCount: Int
    }
    type Person { name: String secret: String! softSecret: String best: Person! friends: [Person!] tags: [String!]! }
    interface Pet { name: String }
    type Dog implements Pet { name: String bark: String! }
    type Cat implements Pet { name: String }
  `);
  const guarded = ['Person.secret', 'Person.softSecret', 'Person.tags', 'Query.secretRoot', 'Dog.bark'];
  const shapeRequirements = new Map(guarded.map((c) => [c, { authenticated: true, scopes: [['x']] }]));
  const person = (name: string, friends: unknown[] = []): Record<string, unknown> => ({
    name, secret: `s-${name}`, softSecret: `soft-${name}`, tags: ['t'], friends, best: { name: `${name}-best`, secret: 's', softSecret: 's', tags: [], friends: [] },
  });
  const rootValue = {
    me: person('ann', [person('bob'), person('cy')]),
    people: [person('dee'), person('eve')],
    maybePeople: [person('fay'), null, person('gus')],
    grid: [[person('hal')], null, [person('ida'), person('jo')]],
    secretRoot: 7,
    pets: [{ __typename: 'Dog', name: 'rex', bark: 'woof' }, { __typename: 'Cat', name: 'tom' }],
    publicCount: 3,
  };

  /** What execution answers when the guarded fields raise an error: the oracle. */
  function executed(query: string, variableValues: Record<string, unknown> = {}) {
    const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
      if (guarded.includes(`${info.parentType.name}.${info.fieldName}`)) throw new Error('denied');
      return defaultFieldResolver(source, args, context, info);
    };
    return executeSync({ schema: shapes, document: parse(query), rootValue, fieldResolver, variableValues });
  }

  /** What the gateway answers: the filtered operation executed, then completed. */
  function filtered(query: string, variables: Record<string, unknown> = {}) {
    const result = filterOperation(shapes, parse(query), undefined, shapeRequirements, ANONYMOUS_CALLER, { variables });
    const answer: { data?: Record<string, unknown> | null; errors?: readonly unknown[] } = {
      data: executeSync({ schema: shapes, document: result.document, rootValue, variableValues: variables }).data as Record<string, unknown>,
    };
    if (result.rewritten) completeAnswer(shapes, answer, { removals: result.removals, plan: result.plan, caller: ANONYMOUS_CALLER });
    return { data: answer.data, errors: (answer.errors ?? []) as { path?: (string | number)[]; extensions: Record<string, unknown> }[] };
  }

  const cases: [string, string][] = [
    ['a non-null root field: data is null', '{ secretRoot publicCount }'],
    ['a nullable field: only it is null', '{ me { name softSecret } }'],
    ['a non-null field of a nullable object', '{ me { name secret } publicCount }'],
    ['a non-null field two objects down, through a non-null object', '{ me { name best { name secret } } }'],
    ['items of a non-null list of non-null items: up to the root', '{ people { name secret } publicCount }'],
    ['items of a nullable list of nullable items: each item', '{ maybePeople { name secret } }'],
    ['a nested list of non-null items inside a nullable list', '{ grid { name tags } }'],
    ['a list of non-null items under a nullable object', '{ me { friends { name secret } } }'],
    ['aliases, and several removed fields under one parent', '{ who: me { n: name s1: secret s2: softSecret t: tags } count: publicCount }'],
    ['named fragments spread at several places', '{ me { ...P friends { ...P } } } fragment P on Person { name secret }'],
    ['inline fragments on the implementations of an interface', '{ pets { name ... on Dog { bark } ... on Cat { name } } }'],
    ['a fragment spread twice on the same object', '{ me { ...P ...P } } fragment P on Person { name softSecret }'],
    ['a removed field that @include(if: $yes) keeps', 'query ($yes: Boolean!) { secretRoot @include(if: $yes) publicCount }'],
    ['a fragment that @skip(if: $no) keeps', 'query ($no: Boolean!) { me { ...P @skip(if: $no) } } fragment P on Person { secret }'],
  ];

  it.each(cases)('%s', (_title, query) => {
    const variables = { yes: true, no: false };
    const expected = executed(query, variables);
    const actual = filtered(query, variables);
    expect(actual.data).toEqual(expected.data);
    // An error for every place in the operation where execution reports one (execution stops
    // an object at its first non-null error; the gateway names every removed field).
    const keysOf = (path: readonly (string | number)[] | undefined) => (path ?? []).filter((step) => typeof step === 'string').join('.');
    const actualKeys = actual.errors.map((error) => keysOf(error.path));
    for (const error of expected.errors ?? []) expect(actualKeys).toContain(keysOf(error.path));
    for (const error of actual.errors) expect(error.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('leaves out what @skip and @include leave out: no null, no error', () => {
    for (const query of [
      'query ($no: Boolean!) { secretRoot @include(if: $no) publicCount }',
      '{ secretRoot @skip(if: true) publicCount }',
      'query ($yes: Boolean!) { people { name ... @skip(if: $yes) { secret } } }',
      // The operation's default value decides when the variable is not sent.
      'query ($skipped: Boolean = true) { secretRoot @skip(if: $skipped) publicCount }',
      'query ($kept: Boolean = false) { people { name ... on Person @include(if: $kept) { secret } } }',
    ]) {
      const actual = filtered(query, { yes: true, no: false });
      expect(actual.data).toEqual(executed(query, { yes: true, no: false }).data);
      expect(actual.errors).toEqual([]);
      // Still dropped from the operation the planner sees.
      expect(print(filterOperation(shapes, parse(query), undefined, shapeRequirements, ANONYMOUS_CALLER, { variables: { yes: true, no: false } }).document)).not.toMatch(/secret/);
    }
  });

  it('answers the BANK of issue 10 with data null for a removed [Objection!]!', () => {
    const result = filterOperation(schema, parse('{ overdueObjections { id } districts { code } }'), undefined, requirements, bank);
    const answer: { data?: Record<string, unknown> | null; errors?: readonly unknown[] } = {
      data: { districts: [{ code: '410102', __authorization_placeholder: 'District' }] },
    };
    completeAnswer(schema, answer, { removals: result.removals, plan: result.plan!, caller: bank });
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['overdueObjections'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });
});
