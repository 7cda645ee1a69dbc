// The regulator's supervision list (supervision/list.ts) answers a sector that cannot give its
// evaluation input, or a subgraph that fails, as SUBGRAPH_UNAVAILABLE, whichever error the graph
// lists first. The graph's
// answers here are the ones the seeded stack gave (tests/supervision.test.ts runs the list there):
// with the finance subgraph's database stopped, finance fails its evaluation input with
// INTERNAL_SERVER_ERROR and the registry then refuses the class with SUBGRAPH_UNAVAILABLE.
import { describe, expect, it } from 'vitest';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { supervisionList } from '../src/supervision/list.ts';

const regulator: Caller = { subject: 'inspector', role: 'REGULATOR', scopes: [...ROLE_SCOPES.REGULATOR], purpose: 'SUPERVISION' };
const ARGS = { districtCode: '410105', first: 2 };

const sectorDatabaseDown: ExecutionResult = {
  data: null,
  errors: [
    new GraphQLError('Internal server error', { path: ['searchEnterprises', 'edges', 0, 'node', 'financeEvaluationInput'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    new GraphQLError('The evaluation needs every sector; finance did not answer for it, so no grade is given. Retry later.', {
      path: ['searchEnterprises', 'edges', 0, 'node', 'supervision'],
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'registry', sectors: ['finance'] },
    }),
  ],
};

const codeOf = async (answer: ExecutionResult) => {
  try {
    await supervisionList(async () => answer, regulator, undefined, ARGS);
  } catch (error) {
    return { code: (error as GraphQLError).extensions.code, message: (error as GraphQLError).message };
  }
  return undefined;
};

describe('supervisionList with a sector that cannot answer', () => {
  it('is SUBGRAPH_UNAVAILABLE when the unavailable sector is not the first error listed (a sector database down)', async () => {
    expect(await codeOf(sectorDatabaseDown)).toEqual({
      code: 'SUBGRAPH_UNAVAILABLE',
      message: expect.stringContaining('Supervision classes cannot be computed now: The evaluation needs every sector'),
    });
  });

  it('is SUBGRAPH_UNAVAILABLE when the registry itself fails (its database stopped: its own INTERNAL_SERVER_ERROR, named by serviceName)', async () => {
    const registryDown = { data: null, errors: [new GraphQLError('Internal server error', { path: ['searchEnterprises'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'registry' } })] };
    expect(await codeOf(registryDown)).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', message: 'Supervision classes cannot be computed now: Internal server error' });
  });

  it("still refuses a forged cursor with BAD_USER_INPUT and answers a failure of the gateway's own as INTERNAL_SERVER_ERROR", async () => {
    const refused = { data: null, errors: [new GraphQLError('"after" is not a cursor', { extensions: { code: 'BAD_USER_INPUT' } })] };
    expect((await codeOf(refused))?.code).toBe('BAD_USER_INPUT');
    const broken = { data: null, errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
    expect(await codeOf(broken)).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'The supervision list could not be read' });
  });
});
