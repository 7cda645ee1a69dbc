// Rate limiting: a token bucket per client. Each bucket holds up to `capacity` tokens (the
// burst) and refills at `refillPerSecond` (the sustained rate); a request takes one token or
// is refused with RATE_LIMITED, HTTP 429 and a Retry-After header.
//
// The bucket lives in a store: in memory for one gateway process, or in Redis so that every
// gateway replica shares one bucket per client. The Redis store updates a bucket in one Lua
// script (atomic, so two replicas cannot both take the last token) on the Redis server's clock
// (so replicas with skewed clocks agree on the refill), and lets a bucket expire once it would
// be full again: an absent bucket and a full one are the same.
//
// Every answer that took a token says where its caller stands, in the header fields of the IETF
// draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10, sections 2
// and 3): `RateLimit-Policy: "caller";q=<burst>;w=<seconds to refill it>` and
// `RateLimit: "caller";r=<requests left>;t=<seconds until the bucket is full again>`; a refusal
// adds `Retry-After` (RFC 9110 section 10.2.3).
//
// The limit protects capacity; it grants nothing. So a store that does not answer lets the
// request through, and quickly: the Redis client gives up on a command after
// `commandTimeoutMs` (100 ms by default), queues nothing while disconnected, and the failure
// is logged once per `warningIntervalMs`, not once per request.
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { creditGraphError, DEFAULT_WARNING_INTERVAL_MS, throttledWarning, type Caller } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';

export const DEFAULT_REDIS_PREFIX = 'credit-graph:rate:';
/** The memory store drops buckets that are full again once it holds this many. */
const MEMORY_SWEEP_THRESHOLD = 10_000;
/** How long a request waits for Redis before it is let through (REDIS_COMMAND_TIMEOUT_MS). */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 100;
/** How long connecting to Redis may take before the attempt is abandoned and retried later. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Longest pause between two reconnection attempts. */
const MAX_REDIS_RECONNECT_DELAY_MS = 2_000;

export interface RedisClientOptions {
  /** A command not answered within this many milliseconds fails (the request is let through). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  warningIntervalMs?: number;
  logger?: Pick<Console, 'warn'>;
}

/**
 * An ioredis client for the rate limit, from a redis:// URL, whose waits are all bounded: a
 * command fails after `commandTimeoutMs` (a stopped or partitioned server), at once while the
 * connection is down (no offline queue, no retry of the command), and connecting is given
 * `connectTimeoutMs` per attempt; the client keeps reconnecting in the background. Connection
 * errors are logged once per `warningIntervalMs`.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const commandTimeout = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  for (const [name, value] of Object.entries({ commandTimeout, connectTimeout })) {
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`Redis ${name} must be a positive number of milliseconds, got ${value}`);
  }
  const redis = new Redis(url, {
    commandTimeout,
    connectTimeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_REDIS_RECONNECT_DELAY_MS),
  });
  const warn = throttledWarning((message) => (options.logger ?? console).warn(message), options.warningIntervalMs);
  // Unheard, each failed reconnection would print "[ioredis] Unhandled error event".
  redis.on('error', (error: Error) => warn(`[gateway] Redis ${new URL(url).host}: ${error.message}`));
  return redis;
}

export interface Bucket {
  capacity: number;
  refillPerSecond: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (every token back), rounded up. */
  resetSeconds: number;
  /** Seconds until a token is available again (0 when allowed): the Retry-After value. */
  retryAfterSeconds: number;
}

export interface RateLimitStore {
  /** Takes one token from the bucket at `key`, atomically. */
  take(key: string, bucket: Bucket): Promise<TakeResult>;
}

export interface RateLimiterOptions extends Bucket {
  store: RateLimitStore;
}

export interface RateLimiter extends Bucket {
  take(key: string): Promise<TakeResult>;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, capacity, refillPerSecond } = options;
  if (!store || typeof store.take !== 'function') throw new ConfigError('A rate limiter needs a store (createMemoryStore or createRedisStore)');
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new ConfigError(`Rate limit capacity must be a positive integer, got ${capacity}`);
  }
  if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
    throw new ConfigError(`Rate limit refillPerSecond must be a positive number, got ${refillPerSecond}`);
  }
  const bucket = { capacity, refillPerSecond };
  return { ...bucket, take: (key) => store.take(key, bucket) };
}

/**
 * A second bucket per caller for an operation that costs far more than a read (a credit report's
 * PDF, a stored and signed verification of up to 500 enterprises): `take(caller)` takes one token
 * before any work and throws RATE_LIMITED (429, `retryAfterSeconds`) when none is left. `what`
 * names the operation in the message ("credit reports"). When the store fails (`onStoreError`
 * is told), the token is taken from `fallback` (a bucket of this process, createMemoryStore)
 * instead: unlike an ordinary read, one caller's costly calls must stay bounded while Redis is
 * down (per replica then, not across them). Without a fallback the call is let through.
 */
export function costlyOperationLimit(limiter: RateLimiter, what: string, onStoreError?: (error: Error) => void, fallback?: RateLimiter) {
  return {
    async take(caller: Caller): Promise<void> {
      const key = `${what}:${rateLimitKey({ caller })}`;
      let taken: TakeResult | undefined;
      try {
        taken = await limiter.take(key);
      } catch (error) {
        onStoreError?.(error as Error);
        taken = await fallback?.take(key);
      }
      if (taken && !taken.allowed) {
        const perMinute = Math.round(limiter.refillPerSecond * 60 * 100) / 100;
        throw creditGraphError('RATE_LIMITED', `At most ${perMinute} ${what} a minute (bursts of ${limiter.capacity}) per caller; retry in ${taken.retryAfterSeconds} s`, {
          retryAfterSeconds: taken.retryAfterSeconds,
        });
      }
    },
  };
}

export type CostlyOperationLimit = ReturnType<typeof costlyOperationLimit>;

function retryAfter(tokens: number, refillPerSecond: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / refillPerSecond));
}

function secondsToFull(tokens: number, bucket: Bucket): number {
  return Math.max(0, Math.ceil((bucket.capacity - tokens) / bucket.refillPerSecond));
}

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): RateLimitStore {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refilled(state: { tokens: number; at: number }, bucket: Bucket, at: number): number {
    const elapsed = Math.max(0, at - state.at) / 1000;
    return Math.min(bucket.capacity, state.tokens + elapsed * bucket.refillPerSecond);
  }

  return {
    async take(key, bucket) {
      const at = now();
      if (buckets.size > MEMORY_SWEEP_THRESHOLD) {
        for (const [k, state] of buckets) if (refilled(state, bucket, at) >= bucket.capacity) buckets.delete(k);
      }
      const state = buckets.get(key);
      const tokens = state ? refilled(state, bucket, at) : bucket.capacity;
      const allowed = tokens >= 1;
      const left = allowed ? tokens - 1 : tokens;
      buckets.set(key, { tokens: left, at });
      return {
        allowed,
        remaining: Math.floor(left),
        resetSeconds: secondsToFull(left, bucket),
        retryAfterSeconds: allowed ? 0 : retryAfter(left, bucket.refillPerSecond),
      };
    },
  };
}

// KEYS[1]: the bucket. ARGV: capacity, refill per second. Returns allowed (0/1), tokens left
// (as a string: Redis truncates Lua numbers to integers) and milliseconds until the next token.
const TAKE_TOKEN_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return { allowed, tostring(tokens), wait }
`;
const COMMAND = 'creditGraphTakeToken';

type RedisWithTakeToken = Redis & {
  [COMMAND](key: string, capacity: number, refillPerSecond: number): Promise<[number, string, number]>;
};

export interface RedisStoreOptions {
  /** Prefix of the bucket keys; one per deployment (or per test run). */
  prefix?: string;
}

export function createRedisStore(redis: Redis, options: RedisStoreOptions = {}): RateLimitStore {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (!redis || typeof redis.defineCommand !== 'function') throw new ConfigError('createRedisStore needs an ioredis client');
  if (typeof prefix !== 'string' || prefix === '') throw new ConfigError('The Redis rate limit prefix must be a non-empty string');
  // ioredis runs a defined command with EVALSHA, loading the script on NOSCRIPT.
  redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_TOKEN_SCRIPT });
  const client = redis as RedisWithTakeToken;

  return {
    async take(key, bucket) {
      const [allowed, tokens, waitMs] = await client[COMMAND](prefix + key, bucket.capacity, bucket.refillPerSecond);
      return {
        allowed: allowed === 1,
        remaining: Math.floor(Number(tokens)),
        resetSeconds: secondsToFull(Number(tokens), bucket),
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
      };
    },
  };
}

export interface RateLimitContext {
  caller?: Caller;
  clientAddress?: string;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, a dotted IPv4 tail read), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const text = address.split('%')[0]!;
  if (isIP(text) !== 6) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const words = (part: string | undefined) =>
    (part ? part.split(':') : []).flatMap((word) => {
      if (!word.includes('.')) return [Number.parseInt(word, 16)];
      const [a, b, c, d] = word.split('.').map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  const left = words(head);
  const right = words(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The part of a client address a bucket is kept for: an IPv4 address as it is; an IPv4-mapped
 * IPv6 address (::ffff:192.0.2.1, what a dual-stack listener sees) as its IPv4 address; any
 * other IPv6 address as its /64 prefix, since one subscriber is given a whole /64 (RFC 6177,
 * RFC 7934) and could otherwise take a fresh bucket per address. Anything else as it is.
 */
export function addressBucket(address: string): string {
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/**
 * The bucket of a request: the authenticated caller's subject, so that one institution behind
 * many addresses (or many behind one NAT) is limited as itself; else the client address
 * (addressBucket: an IPv6 client by its /64).
 */
export function rateLimitKey(context: RateLimitContext): string {
  const caller = context.caller;
  if (caller && caller.role !== 'PUBLIC') return `subject:${caller.subject}`;
  return `address:${context.clientAddress ? addressBucket(context.clientAddress) : 'unknown'}`;
}

/** The name of the one quota policy in the RateLimit fields: one bucket per caller. */
export const RATE_LIMIT_POLICY = 'caller';

/**
 * The draft-ietf-httpapi-ratelimit-headers-10 fields for one take: `RateLimit-Policy` (q: the
 * burst, w: the seconds an empty bucket takes to fill) and `RateLimit` (r: requests left now,
 * t: seconds until the bucket is full again), as Structured Field lists (RFC 9651).
 */
export function rateLimitHeaders(limiter: Bucket, result: Pick<TakeResult, 'remaining' | 'resetSeconds'>): Record<string, string> {
  const window = Math.max(1, Math.ceil(limiter.capacity / limiter.refillPerSecond));
  return {
    'ratelimit-policy': `"${RATE_LIMIT_POLICY}";q=${limiter.capacity};w=${window}`,
    ratelimit: `"${RATE_LIMIT_POLICY}";r=${Math.max(0, result.remaining)};t=${result.resetSeconds}`,
  };
}

/**
 * Apollo Server plugin: every request that reaches GraphQL (parseable or not) takes a token as
 * soon as its source is known; a refused one is answered at didResolveOperation, the first hook
 * where Apollo Server turns a thrown error into a response (earlier hooks give a 500). Every
 * request that took a token is answered with the RateLimit fields (rateLimitHeaders), refused
 * or not. If the
 * store fails (Redis down or not answering in time) the request is let through and the failure
 * logged, once per `warningIntervalMs`: the limit protects capacity, it does not decide who
 * may read what.
 */
export function rateLimitPlugin<Context extends RateLimitContext>(
  limiter: RateLimiter,
  keyOf: (context: Context) => string = rateLimitKey,
  options: { warningIntervalMs?: number } = {},
): ApolloServerPlugin<Context> {
  let warn: ((message: string) => void) | undefined;
  const intervalMs = options.warningIntervalMs ?? DEFAULT_WARNING_INTERVAL_MS;
  throttledWarning(() => undefined, intervalMs); // checks the option now, not at the first failure
  return {
    async requestDidStart() {
      let refused: TakeResult | undefined;
      return {
        async didResolveSource(requestContext: GraphQLRequestContext<Context>) {
          try {
            const result = await limiter.take(keyOf(requestContext.contextValue));
            for (const [name, value] of Object.entries(rateLimitHeaders(limiter, result))) requestContext.response.http.headers.set(name, value);
            if (!result.allowed) refused = result;
          } catch (error) {
            warn ??= throttledWarning((message) => requestContext.logger.warn(message), intervalMs);
            warn(`Rate limit store failed, request let through: ${(error as Error).message}`);
          }
        },
        async didResolveOperation(requestContext) {
          if (!refused) return;
          const seconds = refused.retryAfterSeconds;
          requestContext.response.http.headers.set('retry-after', String(seconds));
          throw creditGraphError(
            'RATE_LIMITED',
            `Rate limit of ${limiter.refillPerSecond} requests per second (bursts of ${limiter.capacity}) exceeded; retry in ${seconds} s`,
            { retryAfterSeconds: seconds },
          );
        },
      };
    },
  };
}
