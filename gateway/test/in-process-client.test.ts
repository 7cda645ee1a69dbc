// The in-process transport gives the event loop a turn before each subgraph call. An embedded
// (PGlite) database answers without I/O, so without it a whole operation ran as one chain of
// promise callbacks: no other request was read, no probe answered and no admission timer fired
// until it ended (a reviewer's burst: no OVERLOADED ever, /ready blocked for seconds).
import { describe, expect, it } from 'vitest';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { InProcessSubgraph } from '@credit-graph/contract';
import { InProcessClient } from '../src/transport/in-process.ts';
import type { CallerContext } from '../src/transport/subgraph-client.ts';

/** A subgraph whose answers come from promise callbacks only, as PGlite's do. */
function microtaskSubgraph(order: string[]): InProcessSubgraph {
  return {
    name: 'registry',
    async execute() {
      order.push('execute');
      return { status: 200, result: { data: { __typename: 'Query' } } };
    },
    checkDatabase: async () => undefined,
  };
}

const fetchOptions = { request: { query: '{ __typename }' }, context: {} } as unknown as GraphQLDataSourceProcessOptions<CallerContext>;

describe('the in-process transport', () => {
  it('lets the event loop run (I/O, timers) before each subgraph call', async () => {
    const order: string[] = [];
    const client = new InProcessClient(microtaskSubgraph(order), { timeoutMs: 1000 });
    setImmediate(() => order.push('event loop'));
    const answer = await client.process(fetchOptions);
    expect(answer).toMatchObject({ data: { __typename: 'Query' } });
    expect(order).toEqual(['event loop', 'execute']);
  });

  it('interleaves two operations at their calls instead of running one to its end', async () => {
    const order: string[] = [];
    const client = new InProcessClient(microtaskSubgraph(order), { timeoutMs: 1000 });
    const operation = async (name: string) => {
      for (let call = 0; call < 3; call++) {
        await client.process(fetchOptions);
        order.push(`${name}${call}`);
      }
    };
    await Promise.all([operation('a'), new Promise<void>((resolve) => setImmediate(() => resolve(operation('b'))))]);
    const finished = order.filter((entry) => entry !== 'execute');
    // b starts before a has finished its three calls.
    expect(finished.indexOf('b0')).toBeLessThan(finished.indexOf('a2'));
  });
});
