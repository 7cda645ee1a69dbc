// Subgraph calls when the service misbehaves, one call at a time: a real HTTP endpoint on
// loopback that resets each request (a crashing process), never answers (a hung one), refuses
// the caller (HTTP 401) or answers, and counts what reached it. The whole graph, with real
// subgraph processes stopped and restarted, is tested in tests/resilience.test.ts.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CALLER_SECRET } from '@credit-graph/subgraph-kit/testing';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createSubgraphPolicy, type ResilienceOptions } from '../src/transport/resilience.ts';
import { SubgraphClient } from '../src/transport/subgraph-client.ts';

type Behaviour = 'reset' | 'hang' | 'unauthorized' | 'answer';

interface Endpoint {
  url: string;
  behaviour: Behaviour;
  requests: number;
  connections: number;
  close(): Promise<void>;
}

async function startEndpoint(): Promise<Endpoint> {
  const reply = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    endpoint.requests++;
    req.resume();
    req.on('end', () => {
      if (endpoint.behaviour === 'reset') req.socket.destroy();
      else if (endpoint.behaviour === 'unauthorized') reply(res, 401, { errors: [{ message: 'No signed caller', extensions: { code: 'UNAUTHENTICATED' } }] });
      else if (endpoint.behaviour === 'answer') reply(res, 200, { data: { __typename: 'Query' } });
      // 'hang': no answer at all
    });
  });
  server.on('connection', () => endpoint.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint: Endpoint = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    behaviour: 'answer',
    requests: 0,
    connections: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return endpoint;
}

const OPTIONS: ResilienceOptions = { timeoutMs: 2000, retries: 2, circuitThreshold: 3, circuitCooldownMs: 300 };
const silent = { warn: () => undefined, error: () => undefined };
const READ = '{ __typename }';
const WRITE = 'mutation { grantConsent(input: {}) { id } }';

let endpoint: Endpoint;
const pools: Agent[] = [];
beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterEach(() => {
  endpoint.behaviour = 'answer';
  endpoint.requests = 0;
  endpoint.connections = 0;
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await endpoint?.close();
});

function client(options: Partial<ResilienceOptions> = {}) {
  const settings = { ...OPTIONS, ...options };
  const policy = createSubgraphPolicy('trade', settings, silent);
  const pool = new Agent();
  pools.push(pool);
  const trade = new SubgraphClient('trade', endpoint.url, {
    callerKeys: TEST_CALLER_SECRET,
    timeoutMs: settings.timeoutMs,
    dispatcher: pool,
    policy,
    logger: silent,
  });
  // What the gateway's query plan does for one fetch, as a health check (no incoming request).
  const send = (query: string) => trade.process({ kind: 'health check', request: { query }, context: {} } as never);
  return { policy, send };
}

/** The error a call failed with (it must fail). */
async function failure(call: Promise<unknown>): Promise<GraphQLError> {
  const error = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

describe('subgraph calls', () => {
  it('answer through kept-alive connections', async () => {
    const { send } = client();
    for (let i = 0; i < 10; i++) expect((await send(READ)).data).toEqual({ __typename: 'Query' });
    expect(endpoint.requests).toBe(10);
    // undici may open a second connection while the first finishes its answer; never one per call.
    expect(endpoint.connections).toBeLessThanOrEqual(2);
  });

  it('retry a read that got no answer twice, then fail with SUBGRAPH_UNAVAILABLE naming the service, not its URL', async () => {
    endpoint.behaviour = 'reset';
    const { send } = client({ circuitThreshold: 10 });
    const error = await failure(send(READ));
    expect(endpoint.requests).toBe(3);
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'unreachable' });
    expect(error.message).toBe('The trade service did not answer; the fields it owns are null. Retry later.');
  });

  it('answer a read whose retry finds the service back', async () => {
    endpoint.behaviour = 'reset';
    const { send } = client({ circuitThreshold: 10 });
    // The first attempt is reset; the service is back before the retry (after at least one turn).
    const answered = send(READ);
    while (endpoint.requests === 0) await sleep(1);
    endpoint.behaviour = 'answer';
    expect((await answered).data).toEqual({ __typename: 'Query' });
    expect(endpoint.requests).toBe(2);
  });

  it('send a mutation exactly once, even when it got no answer', async () => {
    endpoint.behaviour = 'reset';
    const { send } = client({ circuitThreshold: 10 });
    const error = await failure(send(WRITE));
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', reason: 'unreachable' });
    expect(endpoint.requests).toBe(1);
  });

  it('give up on a hung service after the timeout, without retrying it', async () => {
    endpoint.behaviour = 'hang';
    const { send } = client({ timeoutMs: 200 });
    const started = Date.now();
    const error = await failure(send(READ));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(1000);
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'timeout' });
    expect(error.message).toMatch(/^The trade service did not answer within 200 ms;/);
    expect(endpoint.requests).toBe(1);
  });

  it('pass on a GraphQL error the service answered with: not retried, and no failure for the circuit', async () => {
    endpoint.behaviour = 'unauthorized';
    const { send, policy } = client();
    for (let i = 0; i < OPTIONS.circuitThreshold + 1; i++) {
      const error = await failure(send(READ));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', serviceName: 'trade' });
    }
    expect(endpoint.requests).toBe(OPTIONS.circuitThreshold + 1);
    expect(policy.circuit).toBe('closed');
  });
});

describe('the circuit breaker of a subgraph', () => {
  it('opens after 3 consecutive failures and then fails calls at once, without calling the service', async () => {
    endpoint.behaviour = 'reset';
    const { send, policy } = client({ retries: 0, circuitCooldownMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await failure(send(READ))).extensions.reason).toBe('unreachable');
    expect(policy.circuit).toBe('open');

    endpoint.behaviour = 'answer'; // back, but the circuit is open for the cool-down
    // At once: the answering service is never called (its request count stays 3 below); no
    // wall-clock bound, which a loaded CI machine broke (867 ms for an in-memory refusal).
    const error = await failure(send(READ));
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'circuit open', retryAfterSeconds: 60 });
    expect(error.message).toMatch(/^The trade service is failing, .*\(circuit open\); the fields it owns are null\. Retry in 60 s\.$/);
    expect(endpoint.requests).toBe(3);
  });

  it('stops the retries of a read once it opens', async () => {
    endpoint.behaviour = 'reset';
    const { send, policy } = client({ retries: 5, circuitCooldownMs: 60_000 });
    expect((await failure(send(READ))).extensions.reason).toBe('circuit open');
    expect(endpoint.requests).toBe(3);
    expect(policy.circuit).toBe('open');
  });

  it('lets one call probe after the cool-down: a failed probe reopens it, an answered one closes it', async () => {
    endpoint.behaviour = 'reset';
    const { send, policy } = client({ retries: 0, circuitCooldownMs: 150 });
    for (let i = 0; i < 3; i++) await failure(send(READ));
    expect(policy.circuit).toBe('open');

    await sleep(160);
    expect((await failure(send(READ))).extensions.reason).toBe('unreachable'); // the probe
    expect(endpoint.requests).toBe(4);
    expect(policy.circuit).toBe('open');
    expect((await failure(send(READ))).extensions.reason).toBe('circuit open');

    await sleep(160);
    endpoint.behaviour = 'answer';
    expect((await send(READ)).data).toEqual({ __typename: 'Query' });
    expect(policy.circuit).toBe('closed');
    expect((await send(READ)).data).toEqual({ __typename: 'Query' });
    expect(endpoint.requests).toBe(6);
  });

  it('counts only consecutive failures: an answer in between resets the count', async () => {
    const { send, policy } = client({ retries: 0 });
    for (const behaviour of ['reset', 'reset', 'answer', 'reset', 'reset'] as const) {
      endpoint.behaviour = behaviour;
      await send(READ).catch(() => undefined);
    }
    expect(policy.circuit).toBe('closed');
    await send(READ).catch(() => undefined);
    expect(policy.circuit).toBe('open');
  });
});

describe('subgraph call settings', () => {
  const env = { CALLER_SIGNING_SECRET: TEST_CALLER_SECRET };

  it('default to a 15 s timeout, 2 retries, a circuit opening after 5 failures for 5 s, and a 10 s drain', () => {
    const config = loadConfig(env);
    expect(config.subgraphCalls).toEqual({ timeoutMs: 15000, retries: 2, circuitThreshold: 5, circuitCooldownMs: 5000 });
    expect(config.drainMs).toBe(10_000);
  });

  it('are read from the environment', () => {
    const config = loadConfig({
      ...env,
      SUBGRAPH_TIMEOUT_MS: '750',
      SUBGRAPH_RETRIES: '0',
      SUBGRAPH_CIRCUIT_THRESHOLD: '10',
      SUBGRAPH_CIRCUIT_COOLDOWN_MS: '30000',
      SHUTDOWN_DRAIN_MS: '20000',
    });
    expect(config.subgraphCalls).toEqual({ timeoutMs: 750, retries: 0, circuitThreshold: 10, circuitCooldownMs: 30_000 });
    expect(config.drainMs).toBe(20_000);
  });

  it('refuse a zero timeout or threshold and non-integers at start-up, naming the variable', () => {
    expect(() => loadConfig({ ...env, SUBGRAPH_TIMEOUT_MS: '0' })).toThrow(new ConfigError('SUBGRAPH_TIMEOUT_MS must be at least 1, got "0"'));
    expect(() => loadConfig({ ...env, SUBGRAPH_CIRCUIT_THRESHOLD: '0' })).toThrow(/SUBGRAPH_CIRCUIT_THRESHOLD must be at least 1/);
    expect(() => loadConfig({ ...env, SUBGRAPH_RETRIES: 'two' })).toThrow(/SUBGRAPH_RETRIES must be a non-negative integer, got "two"/);
    expect(() => loadConfig({ ...env, SHUTDOWN_DRAIN_MS: '-1' })).toThrow(ConfigError);
  });
});
