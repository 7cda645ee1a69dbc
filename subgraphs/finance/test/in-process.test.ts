// The in-process transport answers exactly what the HTTP endpoint answers (issue 13 §3): one
// subgraph started once, asked the same requests both ways, must give the same HTTP status and
// the same body: data, error codes and messages (@bounds, permissions, parse and validation
// failures) and the response extensions the gateway reads (read reports for the audit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_REPORT_EXTENSION, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { seedUniverse, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, testBank } from '@credit-graph/subgraph-kit/testing';
import { finance } from '../src/index.ts';

const ENTERPRISES = 30;
const universe = seedUniverse(ENTERPRISES);
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
const ANONYMOUS: Caller = { subject: 'anonymous', role: 'PUBLIC', scopes: [] };
let subgraph: RunningSubgraph<unknown>;

beforeAll(async () => {
  subgraph = await startTestSubgraph(finance as never, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

/** An answer without what differs by transport alone: each exchange's own request id. */
function comparable(answer: { status: number; data?: unknown; errors?: { extensions?: Record<string, unknown> }[]; extensions?: unknown }) {
  return {
    status: answer.status,
    data: JSON.parse(JSON.stringify(answer.data ?? null)) as unknown,
    errors: answer.errors?.map(({ extensions, ...error }) => {
      const { requestId: _perExchange, ...rest } = extensions ?? {};
      return { ...error, extensions: rest };
    }),
    extensions: answer.extensions ?? undefined,
  };
}

async function bothWays(query: string, variables: Record<string, unknown>, caller: Caller) {
  const overHttp = await subgraphGraphql(subgraph.url, query, variables, caller);
  const { status, result } = await subgraph.inProcess.execute({ query, variables }, { caller, requestId: 'in-process-test' });
  return { http: comparable(overHttp), inProcess: comparable({ status, ...JSON.parse(JSON.stringify(result)) }) };
}

const representations = (usccs: string[]) => ({ representations: usccs.map((uscc) => ({ __typename: 'Enterprise', uscc })) });

describe('a subgraph called in-process', () => {
  it('answers a guarded read like HTTP, read report included', async () => {
    const usccs = universe.slice(0, 3).map((enterprise) => enterprise.uscc);
    const { http, inProcess } = await bothWays(entitiesQuery('Enterprise', 'uscc finance { currentTaxCreditLevel taxCredits { year level } }'), representations(usccs), REGULATOR);
    expect(http.status).toBe(200);
    expect(http.errors).toBeUndefined();
    expect((http.extensions as Record<string, { read: string[] }>)[READ_REPORT_EXTENSION]!.read).toEqual(expect.arrayContaining(usccs));
    expect(inProcess).toEqual(http);
  });

  it('refuses like HTTP: a bank without consent is denied, and the refusal is reported', async () => {
    const uscc = universe[5]!.uscc;
    const { http, inProcess } = await bothWays(entitiesQuery('Enterprise', 'uscc finance { currentTaxCreditLevel }'), representations([uscc]), testBank([]));
    expect(http.errors?.length).toBeGreaterThan(0);
    expect(inProcess).toEqual(http);
  });

  it('answers public signals to anyone like HTTP', async () => {
    const { http, inProcess } = await bothWays(entitiesQuery('Enterprise', 'financeSignals { grade minorRecords }'), representations([universe[1]!.uscc]), ANONYMOUS);
    expect(http.errors).toBeUndefined();
    expect(inProcess).toEqual(http);
  });

  it('fails like HTTP, with the same status and code, on a missing variable, a parse error and an unknown field', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [entitiesQuery('Enterprise', 'uscc financeSignals { grade }'), {}],
      ['{ _entities(', {}],
      ['{ noSuchField }', {}],
    ];
    for (const [query, variables] of cases) {
      const { http, inProcess } = await bothWays(query, variables, ANONYMOUS);
      expect(http.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
      expect(inProcess).toEqual(http);
    }
  });
});
