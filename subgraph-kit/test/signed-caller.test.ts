// A subgraph answers only requests signed by the gateway for it, over this exact request, once:
// a real registry subgraph on an ephemeral port, called directly with forged, replayed,
// redirected, stale and valid signed calls. (The gateway's half is tested end to end in
// tests/signed-calls.test.ts.)
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANONYMOUS_CALLER,
  CALLER_HEADER,
  CallerSecretError,
  createCallerSigner,
  type Caller,
  type CallerKey,
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

  /** Headers for `body` signed as the gateway would, then sent as given (to replay or redirect them). */
  const sign = (body: string, options: { caller?: Caller; subgraph?: string; now?: number; keys?: string | CallerKey[] } = {}) => {
    const { pathname } = new URL(subgraph.url);
    return createCallerSigner(options.keys ?? TEST_CALLER_SECRET).sign(
      options.caller ?? BANK,
      { subgraph: options.subgraph ?? 'registry', method: 'POST', path: pathname, body },
      options.now,
    );
  };
  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, ...((await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }) };
  };
  const body = JSON.stringify({ query: ENTERPRISE_QUERY, variables: { u: model.uscc } });

  it('refuses a caller signed with another secret', async () => {
    expect(await expectRefused(await sign(body, { keys: OTHER_SECRET }))).toContain('signature does not match');
  });

  it('refuses the captured signature with any other body', async () => {
    const headers = await sign(body);
    const other = JSON.stringify({ query: ENTERPRISE_QUERY, variables: { u: seedUniverse(ENTERPRISES)[1]!.uscc } });
    const refused = await post(other, headers);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toContain('body is not the one that was signed');
  });

  it('refuses a replay of the same signed request, however soon', async () => {
    const headers = await sign(body);
    expect((await post(body, headers)).data).toEqual({ enterprise: { name: model.name } });
    const replay = await post(body, headers);
    expect(replay.status).toBe(401);
    expect(replay.errors?.[0]?.message).toContain('replay');
  });

  it('refuses a call signed for another subgraph', async () => {
    expect(await expectRefused(await sign(body, { subgraph: 'finance' }))).toContain('another subgraph');
  });

  it('refuses a signed request 36 s later (stale)', async () => {
    expect(await expectRefused(await sign(body, { now: Date.now() - 36_000 }))).toContain('stale');
  });

  it('refuses a signature dated in the future beyond the clock skew', async () => {
    expect(await expectRefused(await sign(body, { now: Date.now() + 60_000 }))).toContain('future');
  });

  it('refuses a key id it does not hold', async () => {
    expect(await expectRefused(await sign(body, { keys: [{ id: 'next', secret: OTHER_SECRET }] }))).toContain('key id "next"');
  });

  it('refuses forged headers: a signature cut and pasted onto another token', async () => {
    const [header, payload] = (await sign(body))[CALLER_HEADER]!.split('.');
    const [, , signature] = (await sign(body, { caller: { subject: 'x', role: 'REGULATOR', scopes: ['credit:read'] } }))[CALLER_HEADER]!.split('.');
    expect(await expectRefused({ [CALLER_HEADER]: `${header}.${payload}.${signature}` })).toContain('signature does not match');
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

  it('keeps /health and /ready unsigned, and serves /metrics unsigned on its own port only', async () => {
    const base = subgraph.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', subgraph: 'registry', database: 'ok' });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const metrics = await fetch(subgraph.metricsUrl!);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^credit_graph_sql_statements_total \d+$/m);
  });

  it('refuses to start with a short secret option, or without one in the environment', async () => {
    const memory = { kind: 'pglite', dataDir: undefined } as const;
    await expect(startSubgraph(registry, { database: memory, callerSecret: 'too-short' })).rejects.toThrow(CallerSecretError);
    vi.stubEnv('CALLER_SIGNING_SECRET', '');
    vi.stubEnv('CALLER_SIGNING_KEYS', '');
    try {
      await expect(startSubgraph(registry, { database: memory })).rejects.toThrow(/CALLER_SIGNING_SECRET is not set/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('key rotation and replicas', () => {
  const NEW_SECRET = 'the-next-caller-signing-secret-0123456789abcdef';
  const started: RunningSubgraph<unknown>[] = [];
  afterAll(() => Promise.all(started.map((s) => s.stop())));

  const signedPost = async (url: string, keys: string | CallerKey[], headers?: Record<string, string>) => {
    const body = JSON.stringify({ query: '{ districts { code } }' });
    const sent = headers ?? (await createCallerSigner(keys).sign(ANONYMOUS_CALLER, { subgraph: 'registry', method: 'POST', path: '/graphql', body }));
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...sent }, body });
    return { status: response.status, headers: sent };
  };

  it('during a rotation accepts calls signed with the old and with the new key, and only those', async () => {
    const rotating = [{ id: 'k2', secret: NEW_SECRET }, { id: 'default', secret: TEST_CALLER_SECRET }];
    const replica = await startTestSubgraph(registry, ENTERPRISES, { callerSecret: rotating });
    started.push(replica);
    expect((await signedPost(replica.url, TEST_CALLER_SECRET)).status).toBe(200); // a gateway not yet rotated
    expect((await signedPost(replica.url, rotating)).status).toBe(200); // a gateway already rotated
    expect((await signedPost(replica.url, [{ id: 'k3', secret: NEW_SECRET }])).status).toBe(401);
  });

  // CI sets REDIS_URL; without it this case shows as skipped, never as passed.
  it.runIf(process.env.REDIS_URL)('replicas of a subgraph share the replay cache through Redis', async () => {
    const [first, second] = await Promise.all([
      startTestSubgraph(registry, ENTERPRISES, { redisUrl: process.env.REDIS_URL }),
      startTestSubgraph(registry, ENTERPRISES, { redisUrl: process.env.REDIS_URL }),
    ]);
    started.push(first, second);
    const accepted = await signedPost(first.url, TEST_CALLER_SECRET);
    expect(accepted.status).toBe(200);
    // The same signed call sent to the other replica: refused, it saw the nonce through Redis.
    expect((await signedPost(second.url, TEST_CALLER_SECRET, accepted.headers)).status).toBe(401);
  });

  it('without Redis each replica remembers only its own nonces (why replicas need REDIS_URL)', async () => {
    const [first, second] = await Promise.all([
      startTestSubgraph(registry, ENTERPRISES, { redisUrl: '' }),
      startTestSubgraph(registry, ENTERPRISES, { redisUrl: '' }),
    ]);
    started.push(first, second);
    const accepted = await signedPost(first.url, TEST_CALLER_SECRET);
    expect((await signedPost(first.url, TEST_CALLER_SECRET, accepted.headers)).status).toBe(401);
    expect((await signedPost(second.url, TEST_CALLER_SECRET, accepted.headers)).status).toBe(200);
  });
});
