import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { Redis } from 'ioredis';
import { buildSchema } from 'graphql';
import { ANONYMOUS_CALLER, throttledWarning, type Caller } from '@credit-graph/contract';
import { ConfigError } from '../src/config.ts';
import {
  costlyOperationLimit,
  createMemoryStore,
  createRateLimiter,
  createRedisClient,
  createRedisStore,
  rateLimitHeaders,
  rateLimitKey,
  rateLimitPlugin,
  type RateLimitContext,
  type RateLimiter,
  type RateLimitStore,
} from '../src/trust/rate-limit.ts';

const bank: Caller = { subject: 'bank-icbc-risk', role: 'BANK', scopes: ['credit:read'] };
const otherBank: Caller = { subject: 'bank-ccb-risk', role: 'BANK', scopes: ['credit:read'] };

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function takeMany(limiter: RateLimiter, key: string, n: number) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await limiter.take(key));
  return results;
}

describe('the token bucket in memory', () => {
  it('lets a burst of `capacity` through, then refuses with the seconds until the next token', async () => {
    const time = clock();
    const limiter = createRateLimiter({ store: createMemoryStore({ now: time.now }), capacity: 3, refillPerSecond: 1 });
    expect(await takeMany(limiter, 'k', 4)).toEqual([
      { allowed: true, remaining: 2, resetSeconds: 1, retryAfterSeconds: 0 },
      { allowed: true, remaining: 1, resetSeconds: 2, retryAfterSeconds: 0 },
      { allowed: true, remaining: 0, resetSeconds: 3, retryAfterSeconds: 0 },
      { allowed: false, remaining: 0, resetSeconds: 3, retryAfterSeconds: 1 },
    ]);
  });

  it('refills over time, never beyond capacity', async () => {
    const time = clock();
    const limiter = createRateLimiter({ store: createMemoryStore({ now: time.now }), capacity: 2, refillPerSecond: 2 });
    await takeMany(limiter, 'k', 2);
    expect((await limiter.take('k')).allowed).toBe(false);
    time.advance(250); // half a token
    expect((await limiter.take('k')).allowed).toBe(false);
    time.advance(250); // one token
    expect(await limiter.take('k')).toEqual({ allowed: true, remaining: 0, resetSeconds: 1, retryAfterSeconds: 0 });
    time.advance(60_000); // an idle minute refills to 2, not 120
    expect((await takeMany(limiter, 'k', 3)).map((r) => r.allowed)).toEqual([true, true, false]);
  });

  it('tells a slow bucket to retry after whole seconds, rounded up', async () => {
    const time = clock();
    const limiter = createRateLimiter({ store: createMemoryStore({ now: time.now }), capacity: 1, refillPerSecond: 0.1 });
    await limiter.take('k');
    expect((await limiter.take('k')).retryAfterSeconds).toBe(10);
    time.advance(2_500);
    expect((await limiter.take('k')).retryAfterSeconds).toBe(8);
  });

  it('keeps one bucket per key', async () => {
    const limiter = createRateLimiter({ store: createMemoryStore(), capacity: 1, refillPerSecond: 0.01 });
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(false);
    expect((await limiter.take('b')).allowed).toBe(true);
  });

  it('refuses bad options when created', () => {
    const store = createMemoryStore();
    expect(() => createRateLimiter({ store, capacity: 0, refillPerSecond: 1 })).toThrow(ConfigError);
    expect(() => createRateLimiter({ store, capacity: 2.5, refillPerSecond: 1 })).toThrow(/capacity must be a positive integer/);
    expect(() => createRateLimiter({ store, capacity: 5, refillPerSecond: 0 })).toThrow(/refillPerSecond must be a positive number/);
    expect(() => createRateLimiter({ store: undefined as unknown as RateLimitStore, capacity: 5, refillPerSecond: 1 })).toThrow(ConfigError);
    expect(() => createRedisStore({} as Redis)).toThrow(ConfigError);
  });
});

describe('the rate limit key', () => {
  it("is the authenticated caller's subject, wherever it calls from", () => {
    expect(rateLimitKey({ caller: bank, clientAddress: '10.0.0.1' })).toBe('subject:bank-icbc-risk');
    expect(rateLimitKey({ caller: bank, clientAddress: '10.0.0.2' })).toBe('subject:bank-icbc-risk');
  });

  it('is the client address for an anonymous caller or no caller at all', () => {
    expect(rateLimitKey({ caller: ANONYMOUS_CALLER, clientAddress: '10.0.0.1' })).toBe('address:10.0.0.1');
    expect(rateLimitKey({ clientAddress: '10.0.0.2' })).toBe('address:10.0.0.2');
  });
});

describe('the rate limit key of an IPv6 client', () => {
  // One subscriber holds a whole /64 (RFC 6177, RFC 7934): keyed by the full address, a client
  // would get a fresh bucket per address it picks in its prefix.
  it('is its /64 prefix, however the address is written', () => {
    const key = 'address:2001:db8:85a3:42::/64';
    expect(rateLimitKey({ clientAddress: '2001:db8:85a3:42::1' })).toBe(key);
    expect(rateLimitKey({ clientAddress: '2001:db8:85a3:42:ffff:ffff:ffff:fffe' })).toBe(key);
    expect(rateLimitKey({ clientAddress: '2001:0DB8:85A3:0042:0:0:0:7' })).toBe(key);
    expect(rateLimitKey({ clientAddress: '2001:db8:85a3:42::192.0.2.1' })).toBe(key);
    expect(rateLimitKey({ clientAddress: 'fe80::1%eth0' })).toBe('address:fe80:0:0:0::/64');
    expect(rateLimitKey({ clientAddress: '::1' })).toBe('address:0:0:0:0::/64');
    expect(rateLimitKey({ clientAddress: '2001:db8:85a3:43::1' })).not.toBe(key);
  });

  it('is the IPv4 address for an IPv4-mapped one, so that one client has one bucket on a dual-stack listener', () => {
    expect(rateLimitKey({ clientAddress: '::ffff:192.0.2.1' })).toBe('address:192.0.2.1');
    expect(rateLimitKey({ clientAddress: '::FFFF:c000:0201' })).toBe('address:192.0.2.1');
    expect(rateLimitKey({ clientAddress: '192.0.2.1' })).toBe('address:192.0.2.1');
  });
});

describe('the rate limit plugin', () => {
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (message: string) => void warnings.push(message) };

  async function serve(limiter: RateLimiter) {
    const server = new ApolloServer<RateLimitContext>({
      schema: buildSchema('type Query { hello: String }'),
      rootValue: { hello: () => 'world' },
      plugins: [rateLimitPlugin(limiter)],
      logger,
    });
    await server.start();
    return async (contextValue: RateLimitContext, query = '{ hello }') => {
      const response = await server.executeOperation({ query }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      const headers = response.http.headers;
      return {
        ...response.body.singleResult,
        status: response.http.status,
        retryAfter: headers.get('retry-after'),
        rateLimit: headers.get('ratelimit'),
        rateLimitPolicy: headers.get('ratelimit-policy'),
      };
    };
  }

  it('answers within the limit and refuses beyond it with RATE_LIMITED, HTTP 429 and Retry-After', async () => {
    const request = await serve(createRateLimiter({ store: createMemoryStore(), capacity: 2, refillPerSecond: 0.5 }));
    const context = { caller: bank, clientAddress: '10.0.0.1' };
    for (let i = 0; i < 2; i++) expect(await request(context)).toMatchObject({ data: { hello: 'world' }, retryAfter: undefined });
    const refused = await request(context);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      {
        message: 'Rate limit of 0.5 requests per second (bursts of 2) exceeded; retry in 2 s',
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 2 },
      },
    ]);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('2');
  });

  it('says on every answer, refused or not, the policy and what is left (draft-ietf-httpapi-ratelimit-headers-10)', async () => {
    const request = await serve(createRateLimiter({ store: createMemoryStore(), capacity: 2, refillPerSecond: 0.5 }));
    const context = { caller: otherBank, clientAddress: '10.0.0.1' };
    const answers = [await request(context), await request(context), await request(context)];
    // A burst of 2, refilled at 0.5/s: an empty bucket is full again after 4 s.
    expect(answers.map((a) => a.rateLimitPolicy)).toEqual(Array(3).fill('"caller";q=2;w=4'));
    expect(answers.map((a) => a.rateLimit)).toEqual(['"caller";r=1;t=2', '"caller";r=0;t=4', '"caller";r=0;t=4']);
    expect(answers.map((a) => a.status)).toEqual([undefined, undefined, 429]);
    // A parse error took a token too, and says so.
    const unparsed = await request({ caller: { ...bank, subject: 'parse-error' }, clientAddress: '10.0.0.1' }, '{ hello');
    expect(unparsed.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(unparsed.rateLimit).toBe('"caller";r=1;t=2');
  });

  it('writes the fields as Structured Field lists with whole seconds, for any bucket', () => {
    expect(rateLimitHeaders({ capacity: 100, refillPerSecond: 50 }, { remaining: 99, resetSeconds: 1 })).toEqual({
      'ratelimit-policy': '"caller";q=100;w=2',
      ratelimit: '"caller";r=99;t=1',
    });
    // A bucket that refills faster than its burst still has a window of at least one second.
    expect(rateLimitHeaders({ capacity: 5, refillPerSecond: 1000 }, { remaining: 4, resetSeconds: 1 })['ratelimit-policy']).toBe('"caller";q=5;w=1');
  });

  it('limits each authenticated caller on its own, even behind one address', async () => {
    const request = await serve(createRateLimiter({ store: createMemoryStore(), capacity: 1, refillPerSecond: 0.01 }));
    expect((await request({ caller: bank, clientAddress: '10.0.0.1' })).errors).toBeUndefined();
    expect((await request({ caller: bank, clientAddress: '10.0.0.9' })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await request({ caller: otherBank, clientAddress: '10.0.0.1' })).errors).toBeUndefined();
  });

  it('limits anonymous callers by address', async () => {
    const request = await serve(createRateLimiter({ store: createMemoryStore(), capacity: 1, refillPerSecond: 0.01 }));
    expect((await request({ caller: ANONYMOUS_CALLER, clientAddress: '10.0.0.1' })).errors).toBeUndefined();
    expect((await request({ caller: ANONYMOUS_CALLER, clientAddress: '10.0.0.1' })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await request({ caller: ANONYMOUS_CALLER, clientAddress: '10.0.0.2' })).errors).toBeUndefined();
  });

  it('counts requests that fail to parse', async () => {
    const request = await serve(createRateLimiter({ store: createMemoryStore(), capacity: 1, refillPerSecond: 0.01 }));
    expect((await request({ clientAddress: '10.0.0.1' }, '{ hello')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await request({ clientAddress: '10.0.0.1' })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('lets requests through when the store fails (the limit protects capacity, it grants nothing), warning once per interval', async () => {
    const broken: RateLimitStore = { take: async () => Promise.reject(new Error('connection refused')) };
    const request = await serve(createRateLimiter({ store: broken, capacity: 1, refillPerSecond: 1 }));
    warnings.length = 0;
    for (let i = 0; i < 3; i++) expect((await request({ clientAddress: '10.0.0.1' })).data).toEqual({ hello: 'world' });
    expect(warnings).toEqual(['Rate limit store failed, request let through: connection refused']);
  });
});

describe('costly operation limits', () => {
  const broken: RateLimitStore = { take: async () => Promise.reject(new Error('connection refused')) };
  const caller: Caller = { subject: 'agency-clerk', role: 'AGENCY', scopes: [], institution: '12410100MB0000000X' };

  it('keep a bound while the store fails: the bucket of this process takes over', async () => {
    const errors: string[] = [];
    const limit = costlyOperationLimit(
      createRateLimiter({ store: broken, capacity: 2, refillPerSecond: 0.01 }),
      'credit reports',
      (error) => errors.push(error.message),
      createRateLimiter({ store: createMemoryStore(), capacity: 2, refillPerSecond: 0.01 }),
    );
    await limit.take(caller);
    await limit.take(caller);
    await expect(limit.take(caller)).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(errors).toEqual(['connection refused', 'connection refused', 'connection refused']);
  });

  it('let the call through on a failing store when given no fallback', async () => {
    const limit = costlyOperationLimit(createRateLimiter({ store: broken, capacity: 1, refillPerSecond: 0.01 }), 'credit reports');
    for (let i = 0; i < 3; i++) await limit.take(caller);
  });
});

describe('throttled warnings', () => {
  it('says a repeated warning once per interval, with the count it kept quiet', () => {
    const said: string[] = [];
    const time = clock();
    const warn = throttledWarning((message) => said.push(message), 60_000, time.now);
    for (let i = 0; i < 5; i++) warn('Redis down');
    time.advance(60_000);
    warn('Redis down');
    expect(said).toEqual(['Redis down', 'Redis down (and 4 more since the last warning)']);
    expect(() => throttledWarning(() => undefined, -1)).toThrow(RangeError);
  });
});

/** A Redis server of the test's own (redis-server on a free port), so that it can be stopped with SIGSTOP. */
async function ownRedisServer(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.quit();
      return { url, process: server };
    } catch {
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  server.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the rate limit with Redis unreachable', () => {
  const logger = { warn: (message: string) => void said.push(message) };
  let said: string[] = [];

  async function serveWith(redis: Redis) {
    const limiter = createRateLimiter({ store: createRedisStore(redis, { prefix: `test:${randomUUID()}:` }), capacity: 1000, refillPerSecond: 1000 });
    const server = new ApolloServer<RateLimitContext>({
      schema: buildSchema('type Query { hello: String }'),
      rootValue: { hello: () => 'world' },
      plugins: [rateLimitPlugin(limiter)],
      logger: { debug() {}, info() {}, error() {}, warn: (message: string) => void said.push(message) },
    });
    await server.start();
    return async () => {
      const response = await server.executeOperation({ query: '{ hello }' }, { contextValue: { clientAddress: '10.0.0.1' } });
      return response.body.kind === 'single' ? response.body.singleResult : undefined;
    };
  }

  it('lets every request through when nothing listens on the Redis port, with one warning', async () => {
    said = [];
    const redis = createRedisClient(`redis://127.0.0.1:${await freePort()}`, { logger });
    try {
      const request = await serveWith(redis);
      for (let i = 0; i < 20; i++) expect((await request())?.data).toEqual({ hello: 'world' });
      // One warning from the plugin; the connection errors are throttled the same way.
      expect(said.filter((message) => message.startsWith('Rate limit store failed'))).toHaveLength(1);
      expect(said.filter((message) => message.includes('ECONNREFUSED')).length).toBeLessThanOrEqual(1);
    } finally {
      redis.disconnect();
    }
  });

  it('lets every request through when the Redis server stops answering (SIGSTOP), and answers again once it resumes', async () => {
    said = [];
    const server = await ownRedisServer();
    const redis = createRedisClient(server.url, { logger });
    try {
      const request = await serveWith(redis);
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      expect((await request())?.data).toEqual({ hello: 'world' });
      expect(said).toEqual([]);
      server.process.kill('SIGSTOP');
      // Each waits for the command timeout (100 ms), then goes through: none hangs.
      for (let i = 0; i < 10; i++) expect((await request())?.data).toEqual({ hello: 'world' });
      expect(said.filter((message) => message.startsWith('Rate limit store failed'))).toHaveLength(1);
      expect(said[0]).toMatch(/timed out/i);
      server.process.kill('SIGCONT');
      await expect(redis.ping()).resolves.toBe('PONG');
      expect((await request())?.data).toEqual({ hello: 'world' });
    } finally {
      redis.disconnect();
      server.process.kill('SIGCONT');
      server.process.kill('SIGKILL');
    }
  });

  it('refuses bad client options when created', () => {
    expect(() => createRedisClient('redis://127.0.0.1:6379', { commandTimeoutMs: 0 })).toThrow(ConfigError);
  });
});

// CI (.ci/run) sets REDIS_URL to the machine's Redis; without it these are reported as skipped.
describe.runIf(process.env.REDIS_URL)('the token bucket in Redis', () => {
  const url = process.env.REDIS_URL!;
  const prefix = `credit-graph:test:rate:${randomUUID()}:`;
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    connections.push(redis);
    return redis;
  };
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    a = connect();
    b = connect();
    await Promise.all([a.connect(), b.connect()]);
  });

  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('shares one bucket between two limiters on two connections', async () => {
    const first = createRateLimiter({ store: createRedisStore(a, { prefix }), capacity: 5, refillPerSecond: 0.001 });
    const second = createRateLimiter({ store: createRedisStore(b, { prefix }), capacity: 5, refillPerSecond: 0.001 });
    const turns = [first, second, first, second, first, second, first];
    const results = [];
    for (const limiter of turns) results.push(await limiter.take('shared'));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(results[5]!.retryAfterSeconds).toBeGreaterThan(900);
  });

  it('never lets more than `capacity` through under concurrent takes from two connections', async () => {
    const first = createRateLimiter({ store: createRedisStore(a, { prefix }), capacity: 10, refillPerSecond: 0.001 });
    const second = createRateLimiter({ store: createRedisStore(b, { prefix }), capacity: 10, refillPerSecond: 0.001 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).take('concurrent')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });

  it("refills on the Redis server's clock", async () => {
    const limiter = createRateLimiter({ store: createRedisStore(a, { prefix }), capacity: 1, refillPerSecond: 10 });
    expect((await limiter.take('refill')).allowed).toBe(true);
    expect(await limiter.take('refill')).toEqual({ allowed: false, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await limiter.take('refill')).allowed).toBe(true);
  });

  it('lets a bucket expire once it would be full again', async () => {
    const limiter = createRateLimiter({ store: createRedisStore(a, { prefix }), capacity: 4, refillPerSecond: 2 });
    await takeMany(limiter, 'expiry', 4);
    const ttl = await a.pttl(`${prefix}expiry`);
    // Empty: 2 s to refill 4 tokens at 2/s, plus a second of slack.
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
  });

  it('shares one bucket between two gateway processes', async () => {
    const script = `
      import { Redis } from 'ioredis';
      import { createRateLimiter, createRedisStore } from ${JSON.stringify(fileURLToPath(new URL('../src/trust/rate-limit.ts', import.meta.url)))};
      const redis = new Redis(process.env.REDIS_URL);
      const limiter = createRateLimiter({ store: createRedisStore(redis, { prefix: process.env.PREFIX }), capacity: 12, refillPerSecond: 0.001 });
      const results = [];
      for (let i = 0; i < 10; i++) results.push(await limiter.take('two-processes'));
      await redis.quit();
      console.log(JSON.stringify(results.filter((r) => r.allowed).length));
    `;
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, REDIS_URL: url, PREFIX: prefix },
      });
    const outputs = await Promise.all([run(), run()]);
    const allowed = outputs.map(({ stdout }) => Number(stdout.trim()));
    // 20 takes against one bucket of 12: whichever process got there first, 12 in total.
    expect(allowed[0]! + allowed[1]!).toBe(12);
  });
});
