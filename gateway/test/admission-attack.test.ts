// A reviewer's attacks on admission (session 8), kept as regression tests: a cost of NaN from a
// size of Infinity (JSON's 1e400) held the budget for the life of the process; fractional sizes;
// an admission granted after its request had already been answered was never given back.
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { errorResponsePlugin } from '@credit-graph/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../src/trust/admission.ts';
import { inOrder } from '../src/trust/in-order.ts';
import { createLimits } from '../src/trust/limits.ts';

const typeDefs = `
  type Item { id: ID, children(first: Int): [Item] }
  type Query { items(first: Int!, tag: String): [Item] }
`;

const servers: ApolloServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function harness(budget: number, extra: ApolloServerPlugin<BaseContext>[] = []) {
  const limits = createLimits();
  const admission = createAdmission({ costOf: limits.costOf, maxCostInFlight: budget, maxWaitMs: 60_000 });
  const gates = new Map<string, () => void>();
  const running: string[] = [];
  const server = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        items: async (_: unknown, { first, tag }: { first: number; tag: string }) => {
          running.push(tag);
          await new Promise<void>((resolve) => gates.set(tag, resolve));
          return Array.from({ length: first }, (_, i) => ({ id: `${tag}-${i}` }));
        },
      },
    },
    plugins: [...inOrder([limits.plugin, admission.plugin, errorResponsePlugin as ApolloServerPlugin<BaseContext>]), ...extra],
  });
  await server.start();
  servers.push(server);
  return { server, admission, running, limits, finish: (tag: string) => gates.get(tag)!() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('admission (attack)', () => {
  it('a nested list with first: 0 above first: Infinity (JSON 1e400) does not poison the budget with NaN', async () => {
    const h = await harness(1_000);
    // Over HTTP, JSON.parse('{"big":1e400}') gives Infinity; 0 * Infinity = NaN passes the limits (NaN > limit is false).
    const poison = await h.server.executeOperation({
      query: 'query($big: Int) { items(first: 0, tag: "p") { children(first: $big) { id } } }',
      variables: { big: JSON.parse('1e400') },
    });
    // The limits count the size as the largest safe integer: under a list of none the cost stays
    // small (not NaN), and graphql-js refuses the value itself.
    expect(poison.body.kind === 'single' && poison.body.singleResult.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(poison.body.kind).toBe('single');
    const state = h.admission.state();
    expect(state.operationsInFlight).toBe(0);
    expect(state.costInFlight).toBe(0);
  });

  it('after the NaN request, two small operations within the budget still run at once', async () => {
    const h = await harness(1_000);
    await h.server.executeOperation({
      query: 'query($big: Int) { items(first: 0, tag: "p") { children(first: $big) { id } } }',
      variables: { big: JSON.parse('1e400') },
    });
    const a = h.server.executeOperation({ query: '{ items(first: 1, tag: "a") { id } }' });
    const b = h.server.executeOperation({ query: '{ items(first: 1, tag: "b") { id } }' });
    await settle();
    await settle();
    // Budget 1000, each costs 2: both run at once. With costInFlight NaN, only one operation at a
    // time was ever admitted again (fits() held only when nothing was in flight).
    expect(h.running).toEqual(['a', 'b']);
    h.finish('a');
    await a;
    await settle();
    h.finish('b');
    await b;
  });

  it('counts a size of Infinity at the top as over the cost limit', async () => {
    const h = await harness(1_000);
    const answer = await h.server.executeOperation({ query: 'query($big: Int!) { items(first: $big, tag: "i") { id } }', variables: { big: JSON.parse('1e400') } });
    expect(answer.body.kind === 'single' && answer.body.singleResult.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(h.running).toEqual([]);
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('fractional costs (Int variables sent as 0.1, refused later by coercion) give back exactly what they took', async () => {
    const h = await harness(1_000);
    const q = 'query($n: Int!, $m: Int) { items(first: $n, tag: "f") { children(first: $m) { id } } }';
    for (const [n, m] of [[0.1, 0.7], [0.3, 0.9], [0.7, 0.3]]) await h.server.executeOperation({ query: q, variables: { n, m } });
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('gives back an admission granted after its request was answered (a plugin outside the inOrder chain refused it while it waited)', async () => {
    // A didResolveOperation hook not chained by inOrder (Apollo runs them with Promise.all) that
    // rejects while admission is queued: Apollo sends the error (willSendResponse, nothing held
    // yet), and the queued admission comes later: it must be given back at once.
    const outside: ApolloServerPlugin<BaseContext> = {
      async requestDidStart() {
        return {
          async didResolveOperation({ request }) {
            if (request.query?.includes('"late"')) throw new Error('refused by an unchained plugin');
          },
        };
      },
    };
    const h = await harness(10, [outside]);
    const holder = h.server.executeOperation({ query: '{ items(first: 9, tag: "holder") { id } }' });
    await settle();
    const late = await h.server.executeOperation({ query: '{ items(first: 9, tag: "late") { id } }' });
    expect(late.body.kind).toBe('single');
    h.finish('holder');
    await holder;
    await settle();
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });
});
