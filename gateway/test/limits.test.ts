import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, getIntrospectionQuery, getOperationAST, parse, type GraphQLSchema } from 'graphql';
import { ConfigError } from '../src/config.ts';
import { argumentBounds } from '@credit-graph/contract';
import { createLimits, DEFAULT_MAX_DEPTH, measureOperation, supergraphCostModel, type CostModel, type LimitsOptions } from '../src/trust/limits.ts';
import { PORTFOLIO_QUERY } from '../../bench/src/scenarios.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

// A tiny graph with the shapes that matter: a recursive object, lists sized by `first`, by a
// list argument, or by nothing, and a connection.
const tiny = buildSchema(`
  type Query {
    node: Node
    nodes(first: Int = 20): [Node!]!
    byIds(ids: [ID!]!): [Node]!
    search(first: Int = 20): NodeConnection!
  }
  type Node { id: ID! name: String child: Node children: [Node!]! }
  type NodeConnection { edges: [NodeEdge!]! }
  type NodeEdge { node: Node! }
`);
const node: Record<string, unknown> = { id: '1', name: 'n' };
node.child = () => node;
node.children = () => [node, node];
const rootValue = {
  node: () => node,
  nodes: ({ first }: { first: number }) => Array.from({ length: first }, () => node),
  byIds: ({ ids }: { ids: string[] }) => ids.map(() => node),
  search: () => ({ edges: [{ node }] }),
};

function measure(query: string, variables: Record<string, unknown> = {}, schema: GraphQLSchema = tiny) {
  const document = parse(query);
  return measureOperation(schema, document, getOperationAST(document)!, variables);
}

async function serve(options: LimitsOptions = {}, schema: GraphQLSchema = tiny, root: unknown = rootValue, model: CostModel = {}) {
  const limits = createLimits(options, model);
  const server = new ApolloServer({ schema, rootValue: root, plugins: [limits.plugin], parseOptions: limits.parseOptions });
  await server.start();
  return server;
}

async function run(server: ApolloServer, query: string, variables: Record<string, unknown> = {}) {
  const response = await server.executeOperation({ query, variables });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return { ...response.body.singleResult, status: response.http.status };
}

/** `{ node { child { child { ... id } } } }`, `depth` fields deep. */
const nested = (depth: number) => `{ node { ${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 1)} }`;

describe('measuring an operation', () => {
  it('costs 1 per field and multiplies a list by its default size', () => {
    expect(measure('{ node { id name } }')).toEqual({ depth: 2, aliases: 0, rootFields: 1, fragmentExpansion: 3, cost: 3 });
    // children: no size argument, so 10 of them, each with 2 fields.
    expect(measure('{ node { children { id name } } }').cost).toBe(1 + 1 + 10 * 2);
  });

  it('sizes a list by its `first` argument, sent literally, in a variable, or the schema default', () => {
    expect(measure('{ nodes(first: 3) { id } }').cost).toBe(1 + 3);
    expect(measure('query ($n: Int) { nodes(first: $n) { id } }', { n: 7 }).cost).toBe(1 + 7);
    expect(measure('{ nodes { id } }').cost).toBe(1 + 20);
  });

  it('sizes a list by the length of its list argument, literal or variable', () => {
    expect(measure('{ byIds(ids: ["a", "b", "c"]) { id } }').cost).toBe(1 + 3);
    const ids = Array.from({ length: 500 }, (_, i) => String(i));
    expect(measure('query ($ids: [ID!]!) { byIds(ids: $ids) { id name } }', { ids }).cost).toBe(1 + 500 * 2);
  });

  it("sizes a list by a variable's default value in the operation when the variable is not sent", () => {
    const codes = JSON.stringify(Array.from({ length: 300 }, (_, i) => String(i)));
    expect(measure(`query ($ids: [ID!]! = ${codes}) { byIds(ids: $ids) { id name } }`).cost).toBe(1 + 300 * 2);
    expect(measure('query ($n: Int = 400) { nodes(first: $n) { id } }').cost).toBe(1 + 400);
    // A value sent wins over the default.
    expect(measure('query ($n: Int = 400) { nodes(first: $n) { id } }', { n: 2 }).cost).toBe(1 + 2);
    expect(measure('query ($constructor: Int = 400) { nodes(first: $constructor) { id } }').cost).toBe(1 + 400);
  });

  it("hands a connection's `first` to the list right below it", () => {
    expect(measure('{ search(first: 5) { edges { node { id } } } }').cost).toBe(1 + 1 + 5 * (1 + 1));
  });

  it('multiplies nested lists', () => {
    expect(measure('{ nodes(first: 4) { children { children { id } } } }').cost).toBe(1 + 4 * (1 + 10 * (1 + 10)));
  });

  it('follows named and inline fragments for depth, aliases and cost', () => {
    const viaFragments = measure(`
      { node { ...Parts ... on Node { b: name } } }
      fragment Parts on Node { a: id child { children { id } } }
    `);
    expect(viaFragments).toEqual({ depth: 4, aliases: 2, rootFields: 1, fragmentExpansion: 6, cost: 1 + 1 + (1 + (1 + 10)) + 1 });
    expect(measure('{ ...Roots } fragment Roots on Query { node { id } nodes { id } }').rootFields).toBe(2);
  });

  it('measures a fragment bomb (each fragment spreading the next twice) in linear time', () => {
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Node { ${i === 39 ? 'x: id' : `child { ...F${i + 1} } children { ...F${i + 1} }`} }`);
    const document = parse(`{ node { ...F0 } } ${fragments.join(' ')}`);
    const work = { selections: 0 };
    const measured = measureOperation(tiny, document, getOperationAST(document)!, {}, { work });
    // Each selection of the document examined once: node, ...F0, then 4 per fragment and x.
    expect(work.selections).toBe(2 + 39 * 4 + 1);
    expect(measured.depth).toBe(41);
    expect(measured.fragmentExpansion).toBe(2 ** 40 - 1 + 2 ** 39);
    expect(measured.aliases).toBe(2 ** 39);
    expect(measured.cost).toBeGreaterThan(11 ** 39);
  });

  it('does not recurse forever into a fragment cycle (validation refuses it, measuring must still end)', () => {
    expect(measure('{ node { ...A } } fragment A on Node { child { ...A } id }')).toEqual({ depth: 2, aliases: 0, rootFields: 1, fragmentExpansion: 3, cost: 1 + 1 + 1 });
  });
});

describe('the limits at the gateway', () => {
  it('answers an operation within every limit', async () => {
    const server = await serve();
    const result = await run(server, '{ node { id children { name } } nodes(first: 2) { id } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: { id: '1', children: [{ name: 'n' }, { name: 'n' }] }, nodes: [{ id: '1' }, { id: '1' }] });
  });

  it('refuses a 100-deep query, naming the depth and the limit', async () => {
    const server = await serve();
    const result = await run(server, nested(100));
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toBe(`Query depth 100 exceeds the limit of ${DEFAULT_MAX_DEPTH}`);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'depth', limit: DEFAULT_MAX_DEPTH, value: 100 });
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
  });

  it('answers a query at the depth limit and refuses one level more', async () => {
    const server = await serve({ maxDepth: 6 });
    expect((await run(server, nested(6))).errors).toBeUndefined();
    expect((await run(server, nested(7))).errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'depth', value: 7 });
  });

  it('refuses an alias bomb of 1,000 __typename aliases', async () => {
    const server = await serve();
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const result = await run(server, query);
    expect(result.errors?.[0]?.message).toBe('Query uses 1000 aliases; the limit is 30');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'aliases', limit: 30, value: 1000 });
  });

  it('refuses 1,000 aliases of a field nested below the root', async () => {
    const server = await serve();
    const query = `{ node { ${Array.from({ length: 1000 }, (_, i) => `n${i}: name`).join(' ')} } }`;
    const result = await run(server, query);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'aliases', value: 1000 });
  });

  it('refuses a 10,000-field query while parsing, on the token cap, before validation', async () => {
    const server = await serve();
    const result = await run(server, `{ node { ${'name '.repeat(10_000)}} }`);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    // graphql-js 16 spells it "more that".
    expect(result.errors![0]!.message).toMatch(/^Syntax Error: Document contains more tha[nt] 5000 tokens\. Parsing aborted\.$/);
    expect(result.status).toBe(400);
  });

  it('refuses a fragment bomb on its expansion even where the lists it sits under are sized 0', async () => {
    const server = await serve();
    // `nodes(first: 0)` costs nothing below it: only the expansion measure sees the 2^40 fields.
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`);
    const query = `{ nodes(first: 0) { ...F0 } } ${fragments.join(' ')} fragment F40 on Node { id }`;
    expect(measure(query).cost).toBe(1);
    const result = await run(server, query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'fragmentExpansion', value: 1 + 2 ** 40 });
    expect(result.errors?.[0]?.message).toMatch(/^Query expands to 1099511627777 fields once its fragments are inlined; the limit is 5000/);
  });

  it('counts the expansion of one fragment used by many fields, and of fragments nested in inline fragments', () => {
    const many = `{ ${Array.from({ length: 20 }, (_, i) => `n${i}: node { ...Wide }`).join(' ')} } fragment Wide on Node { ${'id name '.repeat(10)} }`;
    expect(measure(many).fragmentExpansion).toBe(20 * (1 + 20));
    const inline = `{ node { ... on Node { ... on Node { ...A } } } } fragment A on Node { child { ...B } children { ...B } } fragment B on Node { id }`;
    expect(measure(inline).fragmentExpansion).toBe(1 + 2 * 2);
  });

  it('reports a bomb past 2^53 fields as the largest safe integer', async () => {
    const server = await serve();
    const fragments = Array.from({ length: 200 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const result = await run(server, `{ ...F0 } ${fragments.join(' ')} fragment F200 on Query { __typename }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', value: Number.MAX_SAFE_INTEGER });
  });

  it('refuses too many root fields', async () => {
    const server = await serve({ maxRootFields: 2 });
    const result = await run(server, '{ node { id } nodes { id } search { edges { node { id } } } }');
    expect(result.errors?.[0]?.message).toBe('Query selects 3 root fields; the limit is 2');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'rootFields', limit: 2, value: 3 });
  });

  it('prices a list argument sent in variables: 400 codes pass where 500 exceed the cost limit', async () => {
    const server = await serve({ maxCost: 50_000 });
    const query = 'query ($ids: [ID!]!) { byIds(ids: $ids) { children { children { id } } } }';
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    const small = await run(server, query, { ids: ids(400) });
    expect(small.errors).toBeUndefined();
    expect(small.data?.byIds).toHaveLength(400);
    const large = await run(server, query, { ids: ids(500) });
    expect(large.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'cost', limit: 50_000, value: 1 + 500 * 111 });
    expect(large.errors?.[0]?.message).toMatch(/^Query cost 55501 exceeds the limit of 50000 /);
  });

  it("sizes a list within its argument's declared bounds: a subgraph serves no more than its @bounds allow", () => {
    const bounds = argumentBounds(`
      type Query { nodes(first: Int = 20 @bounds(min: 1, max: 100)): [Node!]! byIds(ids: [ID!]! @bounds(maxItems: 500, maxLength: 20)): [Node]! }
      type Node { id: ID! }
    `);
    expect(bounds.get('Query.nodes(first:)')).toEqual({ min: 1, max: 100 });
    expect(bounds.get('Query.byIds(ids:)')).toEqual({ maxItems: 500, maxLength: 20 });
    const measureWithin = (query: string, variables: Record<string, unknown> = {}) => {
      const document = parse(query);
      return measureOperation(tiny, document, getOperationAST(document)!, variables, { argumentBounds: bounds }).cost;
    };
    // The reviewer's example, literal and in a variable, and a larger size of the same kind.
    expect(measureWithin('{ nodes(first: 333332) { id name } }')).toBe(1 + 100 * 2);
    expect(measureWithin('query ($n: Int) { nodes(first: $n) { id name } }', { n: 333_332 })).toBe(1 + 100 * 2);
    expect(measureWithin('query ($n: Int) { nodes(first: $n) { id } }', { n: 1e400 })).toBe(1 + 100);
    expect(measureWithin('{ nodes(first: 7) { id } }')).toBe(1 + 7);
    // Through an alias and a fragment: the coordinate is the field's, not the response key's.
    expect(measureWithin('{ a: nodes(first: 90000) { ...F } } fragment F on Node { id name }')).toBe(1 + 100 * 2);
    const ids = Array.from({ length: 5000 }, (_, i) => String(i));
    expect(measureWithin('query ($ids: [ID!]!) { byIds(ids: $ids) { id } }', { ids })).toBe(1 + 500);
    // Without bounds the value sent is the size, as before.
    expect(measure('{ nodes(first: 333332) { id name } }').cost).toBe(1 + 333_332 * 2);
  });

  it('refuses bad limits when created', () => {
    expect(() => createLimits({ maxDepth: 0 })).toThrow(ConfigError);
    expect(() => createLimits({ maxCost: 1.5 })).toThrow(/maxCost must be a positive integer, got 1.5/);
    expect(() => createLimits({ maxAliases: -1 })).toThrow(ConfigError);
    expect(createLimits({ maxAliases: 0 }).limits.maxAliases).toBe(0);
  });
});

describe('the default limits on the credit graph', () => {
  const supergraphSdl = readFileSync(repo('schema/supergraph.graphql'), 'utf8');
  const api = Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
  // As the gateway measures: list sizes within @bounds, what @requires fetches counted.
  const model = supergraphCostModel(supergraphSdl);
  // Resolvers are not the point: an empty answer shows the operation got past the limits.
  const empty = { enterprise: () => null, enterprises: () => [] };
  const bankExample = (JSON.parse(readFileSync(repo('gateway/src/playground/examples.json'), 'utf8')) as { query: string; variables: Record<string, unknown> }[])[0]!;
  // The portfolio the benchmark sends and tests/credit-check.test.ts bounds in SQL.
  const portfolioQuery = PORTFOLIO_QUERY;
  const usccs = Array.from({ length: 500 }, () => '914101051000001983');

  it("let the playground's bank example through", async () => {
    const server = await serve({}, api, empty, model);
    const result = await run(server, bankExample.query, bankExample.variables);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: null });
  });

  it('let the portfolio check over 500 enterprises through, and the bank example as a 500-portfolio too', async () => {
    const server = await serve({}, api, empty, model);
    expect((await run(server, portfolioQuery, { usccs })).errors).toBeUndefined();
    const bankPortfolio = bankExample.query
      .replace('($uscc: USCC!)', '($usccs: [USCC!]!)')
      .replace('enterprise(uscc: $uscc)', 'enterprises(usccs: $usccs)');
    expect(measure(bankPortfolio, { usccs }, api).rootFields).toBe(1);
    expect((await run(server, bankPortfolio, { usccs })).errors).toBeUndefined();
  });

  it("let GraphiQL's introspection query through", async () => {
    const server = await serve({}, api, empty, model);
    const result = await run(server, getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }));
    expect(result.errors).toBeUndefined();
    // 15 deep: the depth limit is set by it.
    expect(measure(getIntrospectionQuery(), {}, api).depth).toBe(15);
    expect(measure(getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }), {}, api).fragmentExpansion).toBe(227);
  });

  it('read the @bounds the supergraph composes, and price a page past them as the largest page a subgraph serves', async () => {
    const bounds = argumentBounds(supergraphSdl);
    expect(bounds.get('Query.searchEnterprises(first:)')).toMatchObject({ min: 1, max: 100 });
    expect(bounds.get('Query.enterprises(usccs:)')).toMatchObject({ maxItems: 500 });
    expect(bounds.get('Mutation.creditVerification(usccs:)')).toMatchObject({ maxItems: 500 });
    const limits = createLimits({}, { argumentBounds: bounds });
    const server = new ApolloServer({ schema: api, rootValue: { searchEnterprises: () => ({ edges: [], pageInfo: { hasNextPage: false } }) }, plugins: [limits.plugin] });
    await server.start();
    const page = (first: number) => `{ searchEnterprises(first: ${first}) { edges { node { uscc name status } } } }`;
    // 333,332 asked, 100 the most the registry serves: costed as 100 (searchEnterprises 1 + edges 1 + 100 × (node 1 + 3)).
    const request = { query: page(333_332) };
    const response = await server.executeOperation(request);
    expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeUndefined();
    const costs = [333_332, 100].map((first) => {
      const document = parse(page(first));
      return measureOperation(api, document, getOperationAST(document)!, {}, { argumentBounds: bounds }).cost;
    });
    expect(costs).toEqual([2 + 100 * 4, 2 + 100 * 4]);
    // Without the bounds the same page measured 1,333,330: over the cost limit; a few fields fewer, most of admission's budget.
    const document = parse(page(333_332));
    expect(measureOperation(api, document, getOperationAST(document)!, {}).cost).toBe(2 + 333_332 * 4);
  });

  it('count what a field @requires: the evaluation of 500 enterprises is the five sectors\' evaluation inputs of each, not one field', () => {
    expect(model.requiredCosts?.get('Enterprise.evaluation')).toBe(5 * (1 + 1 + 1 + 1 + 10 * 3));
    expect(model.requiredCosts?.get('Enterprise.financeSignals')).toBe(1 + 10 * 2);
    // The reviewer's example: 1,501 when only the client's selection counted.
    const query = 'query ($u: [USCC!]!) { enterprises(usccs: $u) { evaluation { grade score } } }';
    const document = parse(query);
    const operation = getOperationAST(document)!;
    expect(measureOperation(api, document, operation, { u: usccs }).cost).toBe(1 + 500 * 3);
    expect(measureOperation(api, document, operation, { u: usccs }, model).cost).toBe(1 + 500 * (1 + 170 + 2));
    // Twice in one operation (aliases), twice the work.
    const twice = parse('query ($u: [USCC!]!) { a: enterprises(usccs: $u) { evaluation { grade } } b: enterprises(usccs: $u) { evaluation { grade } } }');
    expect(measureOperation(api, twice, getOperationAST(twice)!, { u: usccs }, model).cost).toBe(2 * (1 + 500 * (1 + 170 + 1)));
  });

  it('refuse partners of partners of partners of a 500-portfolio on cost', async () => {
    const server = await serve({}, api, empty, model);
    const hop = (inner: string) => `supplyChain { partners { partner { uscc ${inner} } } }`;
    const query = `query ($usccs: [USCC!]!) { enterprises(usccs: $usccs) { ${hop(hop(hop('name')))} } }`;
    const result = await run(server, query, { usccs });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', measure: 'cost' });
  });
});
