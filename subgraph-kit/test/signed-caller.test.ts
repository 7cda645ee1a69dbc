// A subgraph answers only requests signed by the gateway: a real registry subgraph on an
// ephemeral port, called directly with forged, stale and valid caller headers. (The gateway's
// half is tested end to end in tests/gateway-product.test.ts.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANONYMOUS_CALLER,
  CALLER_HEADER,
  CallerSecretError,
  readManifest,
  signCaller,
  TIMESTAMP_HEADER,
  type Caller,
} from '@credit-graph/contract';
import { registry } from '@credit-graph/registry';
import { seedUniverse, startSubgraph, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import {
  entitiesQuery,
  graphql,
  startTestSubgraph,
  subgraphGraphql,
  TEST_CALLER_SECRET,
} from '@credit-graph/subgraph-kit/testing';

const ENTERPRISES = 20;
const model = seedUniverse(ENTERPRISES)[0]!;
const OTHER_SECRET = 'not-the-test-secret-but-just-as-long-0123456789';
const ENTERPRISE_QUERY = 'query ($u: USCC!) { enterprise(uscc: $u) { name } }';
const BANK: Caller = { subject: 'officer-7', role: 'BANK', scopes: ['credit:read'], purpose: 'LOAN_APPROVAL' };

// The registry as defined, except that `Query.enterprise` also records the caller it was given.
const seenCallers: Caller[] = [];
const { Query, ...otherResolvers } = registry.resolvers as Record<string, Record<string, (...args: any[]) => unknown>>;
const recordingRegistry = {
  ...registry,
  resolvers: {
    ...otherResolvers,
    Query: {
      ...Query,
      enterprise: (parent: unknown, args: unknown, context: { caller: Caller }, info: unknown) => {
        seenCallers.push(context.caller);
        return Query!.enterprise!(parent, args, context, info);
      },
    },
  },
} as typeof registry;

let subgraph: RunningSubgraph<unknown>;

beforeAll(async () => {
  subgraph = await startTestSubgraph(recordingRegistry, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

async function expectRefused(headers: Record<string, string>, query = ENTERPRISE_QUERY): Promise<string> {
  const before = seenCallers.length;
  const result = await graphql(subgraph.url, query, { u: model.uscc }, headers);
  expect(result.status).toBe(401);
  expect(result.data).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  expect(seenCallers.length).toBe(before); // refused before any resolver ran
  return result.errors![0]!.message;
}

describe('signed caller context at the subgraph', () => {
  it('answers a signed request and hands the verified caller to the resolvers', async () => {
    const result = await subgraphGraphql(subgraph.url, ENTERPRISE_QUERY, { u: model.uscc }, BANK);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ enterprise: { name: model.name } });
    expect(seenCallers.at(-1)).toEqual(BANK);
  });

  it('refuses an unsigned request, even `{ __typename }`, with 401 UNAUTHENTICATED', async () => {
    expect(await expectRefused({})).toContain('not signed');
    await expectRefused({}, '{ __typename }');
    await expectRefused({}, '{ _service { sdl } }');
  });

  it('refuses an unsigned GET request too (one that passes CSRF prevention)', async () => {
    const response = await fetch(`${subgraph.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a caller signed with another secret', async () => {
    expect(await expectRefused(signCaller(BANK, OTHER_SECRET))).toContain('signature does not match');
  });

  it('refuses forged caller headers: a regulator swapped in under the bank\'s valid signature', async () => {
    const regulator: Caller = { subject: 'officer-7', role: 'REGULATOR', scopes: ['credit:read', 'personal:read'] };
    const forged = { ...signCaller(BANK, TEST_CALLER_SECRET), [CALLER_HEADER]: signCaller(regulator, OTHER_SECRET)[CALLER_HEADER]! };
    expect(await expectRefused(forged)).toContain('signature does not match');
  });

  it('refuses a signed request replayed 31 s later (stale)', async () => {
    expect(await expectRefused(signCaller(BANK, TEST_CALLER_SECRET, Date.now() - 31_000))).toContain('stale');
  });

  it('refuses a signature dated in the future beyond the clock skew', async () => {
    expect(await expectRefused(signCaller(BANK, TEST_CALLER_SECRET, Date.now() + 60_000))).toContain('future');
  });

  it('refuses a replay whose timestamp was refreshed without re-signing', async () => {
    const old = signCaller(BANK, TEST_CALLER_SECRET, Date.now() - 31_000);
    expect(await expectRefused({ ...old, [TIMESTAMP_HEADER]: String(Date.now()) })).toContain('signature does not match');
  });

  it('resolves `_entities` and `_service` when signed, and refuses `_entities` unsigned', async () => {
    const query = entitiesQuery('Enterprise', 'uscc name');
    const representations = [{ __typename: 'Enterprise', uscc: model.uscc }];
    const signed = await subgraphGraphql(subgraph.url, query, { representations }, BANK);
    expect(signed.errors).toBeUndefined();
    expect(signed.data).toEqual({ _entities: [{ uscc: model.uscc, name: model.name }] });

    const service = await subgraphGraphql(subgraph.url, '{ _service { sdl } }');
    expect(service.data?._service.sdl).toContain('type Enterprise');

    const unsigned = await graphql(subgraph.url, query, { representations });
    expect(unsigned.status).toBe(401);
    expect(unsigned.data).toBeUndefined();
  });

  it('keeps /health and /metrics unsigned', async () => {
    const base = subgraph.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('refuses to start with a short secret option, or without one in the environment', async () => {
    const memory = { kind: 'pglite', dataDir: undefined } as const;
    await expect(startSubgraph(registry, { database: memory, callerSecret: 'too-short' })).rejects.toThrow(CallerSecretError);
    vi.stubEnv('CALLER_SIGNING_SECRET', '');
    try {
      await expect(startSubgraph(registry, { database: memory })).rejects.toThrow(/CALLER_SIGNING_SECRET is not set/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
