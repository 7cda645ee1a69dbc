// Admission: the sum of the costs in flight is bounded; the rest waits in order, at most the
// wait bound, then OVERLOADED (503, Retry-After); every admitted cost is given back.
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { argumentBounds, creditGraphError, errorResponsePlugin } from '@credit-graph/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../src/trust/admission.ts';
import { inOrder } from '../src/trust/in-order.ts';
import { createLimits } from '../src/trust/limits.ts';

const typeDefs = `
  type Item { id: ID, children(first: Int): [Item] }
  type Query { items(first: Int! @bounds(min: 0, max: 1000), tag: String): [Item] }
  directive @bounds(maxLength: Int, maxItems: Int, min: Float, max: Float) on ARGUMENT_DEFINITION
`;

/** Cost of `{ items(first: n) { id } }` as the limits measure it: the list field plus n ids. */
const cost = (n: number) => 1 + n;

interface Harness {
  server: ApolloServer;
  admission: ReturnType<typeof createAdmission>;
  /** Operations whose resolver is running, by tag; `finish(tag)` lets one answer. */
  running: string[];
  finish(tag: string): void;
  run(n: number, tag: string): Promise<{ status: number | undefined; retryAfter: string | undefined; code: unknown; data: unknown }>;
}

const servers: ApolloServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

/** `outside`: plugins Apollo Server runs beside the in-order chain (their hooks concurrently with it). */
/** `bounds`: the declared argument bounds the limits size lists within (argumentBounds of the SDL). */
async function harness(options: { budget: number; maxWaitMs: number; maxQueue?: number; refuse?: string; outside?: ApolloServerPlugin<BaseContext>[]; bounds?: boolean }): Promise<Harness> {
  const limits = createLimits({}, options.bounds ? { argumentBounds: argumentBounds(typeDefs) } : {});
  const admission = createAdmission({ costOf: limits.costOf, maxCostInFlight: options.budget, maxWaitMs: options.maxWaitMs, maxQueue: options.maxQueue });
  const running: string[] = [];
  const gates = new Map<string, () => void>();
  // A plugin after admission that refuses one tag: an admitted operation refused later.
  const refusing: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          if (options.refuse && request.variables?.tag === options.refuse) throw creditGraphError('FORBIDDEN', 'refused after admission');
        },
      };
    },
  };
  const server = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        items: async (_: unknown, { first, tag }: { first: number; tag: string }) => {
          running.push(tag);
          await new Promise<void>((resolve) => gates.set(tag, resolve));
          // At most 1,000, as @bounds says a subgraph serves (which would refuse more).
          return Array.from({ length: Math.min(first, 1000) }, (_, i) => ({ id: `${tag}-${i}` }));
        },
      },
    },
    plugins: [...inOrder([limits.plugin, admission.plugin, refusing, errorResponsePlugin as ApolloServerPlugin<BaseContext>]), ...(options.outside ?? [])],
  });
  await server.start();
  servers.push(server);
  return {
    server,
    admission,
    running,
    finish: (tag) => gates.get(tag)!(),
    async run(n, tag) {
      const response = await server.executeOperation({ query: 'query($n: Int!, $tag: String) { items(first: $n, tag: $tag) { id } }', variables: { n, tag } });
      const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
      return { status: response.http.status, retryAfter: response.http.headers.get('retry-after'), code: body?.errors?.[0]?.extensions?.code, data: body?.data };
    },
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('admission', () => {
  it('admits operations while their costs fit, holds the next until an answer is sent, and gives every cost back', async () => {
    const h = await harness({ budget: cost(100) + cost(50), maxWaitMs: 60_000 });
    const first = h.run(100, 'a');
    const second = h.run(50, 'b');
    const third = h.run(10, 'c');
    await settle();
    expect(h.running).toEqual(['a', 'b']);
    expect(h.admission.state()).toEqual({ costInFlight: cost(100) + cost(50), operationsInFlight: 2, waiting: 1 });
    h.finish('b');
    expect((await second).data).toEqual({ items: expect.any(Array) });
    await settle();
    expect(h.running).toEqual(['a', 'b', 'c']);
    h.finish('a');
    h.finish('c');
    expect((await first).status).toBe(200);
    expect(((await third).data as { items: unknown[] }).items).toHaveLength(10);
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('runs an operation larger than the budget alone, and keeps the queue in order behind it', async () => {
    const h = await harness({ budget: cost(10), maxWaitMs: 60_000 });
    const small = h.run(5, 'small');
    await settle();
    const large = h.run(400, 'large');
    const later = h.run(1, 'later');
    await settle();
    // `later` fits the budget beside `small`, but `large` came first: it is not overtaken.
    expect(h.running).toEqual(['small']);
    h.finish('small');
    await small;
    await settle();
    expect(h.running).toEqual(['small', 'large']);
    h.finish('large');
    expect(((await large).data as { items: unknown[] }).items).toHaveLength(400);
    await settle();
    h.finish('later');
    await later;
    expect(h.running).toEqual(['small', 'large', 'later']);
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('refuses an operation that waited past the bound with OVERLOADED, 503 and Retry-After, and lets the queue behind it move', async () => {
    const h = await harness({ budget: cost(10), maxWaitMs: 50 });
    const holder = h.run(10, 'holder');
    await settle();
    const refused = await h.run(10, 'waits');
    expect(refused).toMatchObject({ status: 503, code: 'OVERLOADED', retryAfter: '1' });
    expect(h.running).toEqual(['holder']);
    expect(h.admission.state()).toEqual({ costInFlight: cost(10), operationsInFlight: 1, waiting: 0 });
    h.finish('holder');
    await holder;
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('refuses at once, without waiting, an operation that finds the queue full; the queue behind the holder still moves', async () => {
    const h = await harness({ budget: cost(10), maxWaitMs: 60_000, maxQueue: 2 });
    const holder = h.run(10, 'holder');
    await settle();
    const queued = [h.run(10, 'q1'), h.run(10, 'q2')];
    await settle();
    expect(h.admission.state()).toEqual({ costInFlight: cost(10), operationsInFlight: 1, waiting: 2 });
    // The third waiter would wait 60 s; the full queue refuses it now.
    const started = performance.now();
    const refused = await h.run(10, 'q3');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(refused).toMatchObject({ status: 503, code: 'OVERLOADED', retryAfter: '60' });
    expect(h.admission.state()).toEqual({ costInFlight: cost(10), operationsInFlight: 1, waiting: 2 });
    h.finish('holder');
    await holder;
    await settle();
    h.finish('q1');
    await queued[0];
    await settle();
    h.finish('q2');
    await queued[1];
    expect(h.running).toEqual(['holder', 'q1', 'q2']);
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('gives the cost back when a later check refuses the admitted operation', async () => {
    const h = await harness({ budget: cost(10), maxWaitMs: 60_000, refuse: 'no' });
    const refused = await h.run(10, 'no');
    expect(refused).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
    const next = h.run(10, 'yes');
    await settle();
    expect(h.running).toEqual(['yes']);
    h.finish('yes');
    await next;
  });

  it('does not hold operations the limits refused, and refuses a budget that is not a positive integer', async () => {
    const h = await harness({ budget: 5, maxWaitMs: 60_000 });
    expect(await h.run(2_000_000, 'huge')).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX' });
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
    expect(() => createAdmission({ costOf: () => 1, maxCostInFlight: 0 })).toThrow(/positive integer/);
    expect(() => createAdmission({ costOf: () => 1, maxWaitMs: -1 })).toThrow(/non-negative/);
    expect(() => createAdmission({ costOf: () => 1, maxQueue: 1.5 })).toThrow(/maxQueue must be a non-negative integer/);
  });
});

// A reviewer's attacks (session 8): a cost of NaN from a size of Infinity (JSON's 1e400) held the
// budget for the life of the process; fractional sizes; an admission granted after its request
// had already been answered was never given back.
describe('admission under attack', () => {
  it('a nested list with first: 0 above first: Infinity (JSON 1e400) does not poison the budget with NaN', async () => {
    const h = await harness({ budget: 1_000, maxWaitMs: 60_000 });
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

  it("a page far past its argument's @bounds holds only what the subgraph would serve, so a small check behind it is not held up", async () => {
    // The reviewer's attack: `first: 333332` where the subgraph serves at most 1,000.
    const bounded = await harness({ budget: 1100, maxWaitMs: 1000, bounds: true });
    const large = bounded.run(333_332, 'large');
    await settle();
    expect(bounded.admission.state()).toMatchObject({ costInFlight: cost(1000), operationsInFlight: 1 });
    const small = bounded.run(10, 'small');
    await settle();
    expect(bounded.admission.state()).toMatchObject({ costInFlight: cost(1000) + cost(10), operationsInFlight: 2, waiting: 0 });
    expect(bounded.running).toEqual(['large', 'small']);
    bounded.finish('small');
    bounded.finish('large');
    await Promise.all([large, small]);
    expect(bounded.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });

    // Sized by the value sent (no bounds known), the same page held the budget and the small check waited.
    const unbounded = await harness({ budget: 1100, maxWaitMs: 1000 });
    const held = unbounded.run(333_332, 'large');
    await settle();
    const waiting = unbounded.run(10, 'small');
    await settle();
    expect(unbounded.admission.state()).toMatchObject({ costInFlight: cost(333_332), waiting: 1 });
    unbounded.finish('large');
    await settle();
    unbounded.finish('small');
    await Promise.all([held, waiting]);
  });

  it('after the NaN request, two small operations within the budget still run at once', async () => {
    const h = await harness({ budget: 1_000, maxWaitMs: 60_000 });
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
    const h = await harness({ budget: 1_000, maxWaitMs: 60_000 });
    const answer = await h.server.executeOperation({ query: 'query($big: Int!) { items(first: $big, tag: "i") { id } }', variables: { big: JSON.parse('1e400') } });
    expect(answer.body.kind === 'single' && answer.body.singleResult.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(h.running).toEqual([]);
    expect(h.admission.state()).toEqual({ costInFlight: 0, operationsInFlight: 0, waiting: 0 });
  });

  it('fractional costs (Int variables sent as 0.1, refused later by coercion) give back exactly what they took', async () => {
    const h = await harness({ budget: 1_000, maxWaitMs: 60_000 });
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
    const h = await harness({ budget: 10, maxWaitMs: 60_000, outside: [outside] });
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
