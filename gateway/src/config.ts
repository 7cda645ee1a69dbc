// Gateway settings, read once from the environment and checked at start-up.
import path from 'node:path';
import {
  CallerSecretError,
  callerSigningKeys,
  configureClock,
  DatabaseConfigError,
  TimeZoneError,
  databaseTarget,
  databaseTimeouts,
  SUPERGRAPH_PATH,
  type Caller,
  type CallerKeyring,
  type DatabaseTarget,
  type DatabaseTimeouts,
} from '@credit-graph/contract';
import { auditKeysFromEnv, type AuditKeys } from './audit/chain.ts';
import type { AuthorizationMode } from './trust/authorization.ts';
import { jwtOptionsFromEnv, type JwtOptions } from './trust/identity.ts';
import type { ResilienceOptions } from './transport/resilience.ts';

export interface GatewayConfig {
  host: string;
  port: number;
  /** Any composed supergraph file; the default is Credit Graph's own. */
  supergraphPath: string;
  /** Subgraph URLs by subgraph name, overriding the URLs in the supergraph. */
  subgraphUrls: Record<string, string>;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Budget of /ready's database check and of each subgraph's answer on /status. */
  readinessTimeoutMs: number;
  /**
   * Keys shared with every subgraph to sign each subgraph call; the first signs, all verify
   * (CALLER_SIGNING_KEYS, or CALLER_SIGNING_SECRET as the one key `default`).
   */
  callerKeys: CallerKeyring;
  /** Token verification: HS256 secret and/or JWKS, issuer, audience (JWT_* variables). */
  jwt: JwtOptions;
  /**
   * The audit log: the keyed chain's keys (AUDIT_HMAC_KEYS), where its head is checkpointed
   * (AUDIT_CHECKPOINT_FILE; Redis too when REDIS_URL is set), how often (at least every
   * AUDIT_CHECKPOINT_EVERY records or AUDIT_CHECKPOINT_INTERVAL_MS), and the budget of one
   * write of the gateway's database (AUDIT_WRITE_TIMEOUT_MS, lock waits included).
   */
  audit: {
    keys: AuditKeys;
    checkpointFile: string | undefined;
    /** AUDIT_CHECKPOINT_REDIS_KEY; default: one key per gateway database (checkpointRedisKey). */
    checkpointRedisKey: string | undefined;
    checkpointEveryRecords: number;
    checkpointEveryMs: number;
    writeTimeoutMs: number;
  };
  /** The gateway's own database (GATEWAY_DATABASE_URL, else PGlite under DATA_DIR/gateway). */
  database: DatabaseTarget;
  /** Pool size, connect and statement timeouts on PostgreSQL (DATABASE_POOL_SIZE, DATABASE_*_TIMEOUT_MS). */
  databaseTimeouts: DatabaseTimeouts;
  /** Shared state for rate limits across replicas (REDIS_URL); in memory when unset. */
  redisUrl: string | undefined;
  /** How long a request waits for Redis before the rate limit lets it through (REDIS_COMMAND_TIMEOUT_MS). */
  redisCommandTimeoutMs: number;
  /** Token bucket per client: burst size and sustained requests per second. */
  rateLimit: { capacity: number; refillPerSecond: number };
  /** `filter` (unauthorized fields come back null) or `reject` (the whole operation is refused). */
  authorizationMode: AuthorizationMode;
  /**
   * Production mode (NODE_ENV=production): introspection and "Did you mean" suggestions only
   * for callers with schema:introspect (developers, regulators).
   */
  production: boolean;
  /**
   * PLAYGROUND_DEMO_TOKENS=true: the playground's example tabs carry the demo tokens it is given
   * (the embedded default of `npm start`). Off by default; refused when NODE_ENV=production.
   */
  playgroundDemoTokens: boolean;
  /** Subgraph calls: time budget, retries of reads, circuit breaker (SUBGRAPH_TIMEOUT_MS, ...). */
  subgraphCalls: ResilienceOptions;
  /** How long stop() lets requests in flight finish before cutting them (SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /**
   * On SIGTERM, how long the gateway stays up answering /ready 503 before it stops accepting
   * connections (SHUTDOWN_DELAY_MS): the load balancer's time to notice. SIGINT skips it.
   */
  shutdownDelayMs: number;
  /**
   * TRUST_LAYER=off, for benchmarks only: no identity, rate limit, safelist, authorization,
   * limits, consent or audit; every subgraph call is signed as TRUST_LAYER_OFF_CALLER.
   * Refused when NODE_ENV=production.
   */
  trustLayer: boolean;
  /**
   * The public address printed on credit reports for verifying them (REPORT_PUBLIC_URL, e.g.
   * https://credit.zhengzhou.gov.cn); unset: the gateway's own address.
   */
  reportPublicUrl: string | undefined;
}

/**
 * Who the subgraphs see when the trust layer is off: a regulator reading for supervision, so
 * that non-public fields answer without consents and names stay masked, as for a bank.
 */
export const TRUST_LAYER_OFF_CALLER: Caller = Object.freeze({
  subject: 'trust-layer-off',
  role: 'REGULATOR',
  scopes: ['credit:read'],
  purpose: 'SUPERVISION',
});

const DEFAULT_PORT = 4000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_READINESS_TIMEOUT_MS = 2000;
const DEFAULT_RATE_LIMIT_CAPACITY = 200;
const DEFAULT_RATE_LIMIT_PER_SECOND = 100;
// Generous enough for a portfolio of 500 under load (p99 about 13 s measured by bench/ on two cores).
const DEFAULT_SUBGRAPH_TIMEOUT_MS = 15_000;
const DEFAULT_SUBGRAPH_RETRIES = 2;
const DEFAULT_CIRCUIT_THRESHOLD = 5;
const DEFAULT_CIRCUIT_COOLDOWN_MS = 5000;
// Longer than a query plan of a few sequential subgraph calls, each within its timeout.
const DEFAULT_DRAIN_MS = 10_000;
// Two failed readiness probes at Kubernetes' default period of 10 s would take 20 s; a
// probe every 2 s with failureThreshold 2 (deploy/) needs about 4 s.
const DEFAULT_SHUTDOWN_DELAY_MS = 5000;
const DEFAULT_AUDIT_CHECKPOINT_EVERY = 100;
const DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS = 10_000;
const DEFAULT_AUDIT_WRITE_TIMEOUT_MS = 10_000;
// A rate limit that waits longer than this for Redis costs more than it protects.
const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 100;

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** REPORT_PUBLIC_URL: an http(s) URL without query or fragment, or unset. */
function publicUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`REPORT_PUBLIC_URL is not a URL: "${value}"`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new ConfigError(`REPORT_PUBLIC_URL must be an http(s) address without query or fragment, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** `SUBGRAPH_SUPPLY_CHAIN_URL` overrides the URL of subgraph `supply-chain`. */
export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = integer(env, name, fallback);
  if (value === 0) throw new ConfigError(`${name} must be at least 1, got "${env[name]}"`);
  return value;
}

function signingKeys(env: NodeJS.ProcessEnv): CallerKeyring {
  try {
    return callerSigningKeys(env);
  } catch (error) {
    if (error instanceof CallerSecretError) throw new ConfigError(error.message);
    throw error;
  }
}

function checkedDatabaseTimeouts(env: NodeJS.ProcessEnv): DatabaseTimeouts {
  try {
    return databaseTimeouts(env);
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function trustLayer(env: NodeJS.ProcessEnv): boolean {
  const raw = env.TRUST_LAYER;
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw !== 'off') throw new ConfigError(`TRUST_LAYER must be "on" or "off", got "${raw}"`);
  // Off serves non-public data to anyone who can reach the port: a benchmarking switch only.
  if (env.NODE_ENV === 'production') throw new ConfigError('TRUST_LAYER=off is for benchmarks and is refused when NODE_ENV=production');
  return false;
}

function authorizationMode(raw: string | undefined): AuthorizationMode {
  if (raw === undefined || raw === '' || raw === 'filter') return 'filter';
  if (raw === 'reject') return 'reject';
  throw new ConfigError(`AUTHORIZATION_MODE must be "filter" or "reject", got "${raw}"`);
}

/** PLAYGROUND_DEMO_TOKENS: "true" or "false" (default); demo tokens in a production page would be live credentials. */
function playgroundDemoTokens(env: NodeJS.ProcessEnv): boolean {
  const raw = env.PLAYGROUND_DEMO_TOKENS ?? 'false';
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`PLAYGROUND_DEMO_TOKENS must be "true" or "false", got "${raw}"`);
  if (raw === 'true' && env.NODE_ENV === 'production') {
    throw new ConfigError('PLAYGROUND_DEMO_TOKENS=true embeds demo tokens in the playground and is refused when NODE_ENV=production');
  }
  return raw === 'true';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  // The business day (consent expiry) is Zhengzhou's unless BUSINESS_TIME_ZONE says otherwise.
  try {
    configureClock(env);
  } catch (error) {
    if (error instanceof TimeZoneError) throw new ConfigError(error.message);
    throw error;
  }
  const subgraphUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = /^SUBGRAPH_(.+)_URL$/.exec(name);
    if (match && value) {
      try {
        new URL(value);
      } catch {
        throw new ConfigError(`${name} is not a URL: "${value}"`);
      }
      subgraphUrls[match[1]!] = value; // keyed by the variable's stem; matched against names below
    }
  }
  const callerKeys = signingKeys(env);
  return {
    host: env.GATEWAY_HOST ?? '127.0.0.1',
    port: integer(env, 'GATEWAY_PORT', DEFAULT_PORT),
    supergraphPath: env.SUPERGRAPH_PATH ? path.resolve(env.SUPERGRAPH_PATH) : SUPERGRAPH_PATH,
    subgraphUrls,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
    readinessTimeoutMs: integer(env, 'READINESS_TIMEOUT_MS', DEFAULT_READINESS_TIMEOUT_MS),
    callerKeys,
    audit: {
      // Outside production, a development key derived from the current caller-signing key.
      keys: auditKeysFromEnv(env, callerKeys[0].secret),
      checkpointFile: env.AUDIT_CHECKPOINT_FILE ? path.resolve(env.AUDIT_CHECKPOINT_FILE) : undefined,
      checkpointRedisKey: env.AUDIT_CHECKPOINT_REDIS_KEY || undefined,
      checkpointEveryRecords: positiveInteger(env, 'AUDIT_CHECKPOINT_EVERY', DEFAULT_AUDIT_CHECKPOINT_EVERY),
      checkpointEveryMs: positiveInteger(env, 'AUDIT_CHECKPOINT_INTERVAL_MS', DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS),
      writeTimeoutMs: positiveInteger(env, 'AUDIT_WRITE_TIMEOUT_MS', DEFAULT_AUDIT_WRITE_TIMEOUT_MS),
    },
    jwt: jwtOptionsFromEnv(env),
    database: databaseTarget('gateway', env),
    databaseTimeouts: checkedDatabaseTimeouts(env),
    redisUrl: env.REDIS_URL || undefined,
    redisCommandTimeoutMs: positiveInteger(env, 'REDIS_COMMAND_TIMEOUT_MS', DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    rateLimit: {
      capacity: integer(env, 'RATE_LIMIT_CAPACITY', DEFAULT_RATE_LIMIT_CAPACITY),
      refillPerSecond: integer(env, 'RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT_PER_SECOND),
    },
    authorizationMode: authorizationMode(env.AUTHORIZATION_MODE),
    production: env.NODE_ENV === 'production',
    playgroundDemoTokens: playgroundDemoTokens(env),
    subgraphCalls: {
      timeoutMs: positiveInteger(env, 'SUBGRAPH_TIMEOUT_MS', DEFAULT_SUBGRAPH_TIMEOUT_MS),
      retries: integer(env, 'SUBGRAPH_RETRIES', DEFAULT_SUBGRAPH_RETRIES),
      circuitThreshold: positiveInteger(env, 'SUBGRAPH_CIRCUIT_THRESHOLD', DEFAULT_CIRCUIT_THRESHOLD),
      circuitCooldownMs: positiveInteger(env, 'SUBGRAPH_CIRCUIT_COOLDOWN_MS', DEFAULT_CIRCUIT_COOLDOWN_MS),
    },
    drainMs: integer(env, 'SHUTDOWN_DRAIN_MS', DEFAULT_DRAIN_MS),
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', DEFAULT_SHUTDOWN_DELAY_MS),
    trustLayer: trustLayer(env),
    reportPublicUrl: publicUrl(env.REPORT_PUBLIC_URL),
  };
}
