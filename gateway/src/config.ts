// Gateway settings, read once from the environment and checked at start-up.
// Every variable is declared once in GATEWAY_SETTINGS (zod, through the contract's settings
// module), composed with the parts every service shares; loadConfig reports every bad variable
// at once, in one ConfigError, before anything opens.
import path from 'node:path';
import {
  CALLER_KEY_SETTINGS,
  callerSigningKeys,
  checked,
  CLOCK_SETTINGS,
  composeSettings,
  configureClock,
  databaseSettings,
  DEFAULT_GATEWAY_METRICS_PORT,
  metricsListen,
  databaseTarget,
  databaseTimeouts,
  defineSettings,
  integer,
  NODE_SETTINGS,
  OBSERVABILITY_SETTINGS,
  oneOf,
  PROBE_SETTINGS,
  rawValue,
  readManifest,
  isGatewayHosted,
  REDIS_SETTINGS,
  RUNTIME_SETTINGS,
  SettingsError,
  SUPERGRAPH_PATH,
  text,
  type Caller,
  type CallerKeyring,
  type DatabaseTarget,
  type DatabaseTimeouts,
  type Env,
  type LogLevel,
  type MetricsListen,
} from '@credit-graph/contract';
import { auditKeysFromEnv, parseAuditKeys, type AuditKeys } from './audit/chain.ts';
import type { AuthorizationMode } from './trust/authorization.ts';
import type { JwtOptions } from './trust/identity.ts';
import { parseTrustedProxies } from './trust/client-address.ts';
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
  /**
   * A second bucket per caller for issuing credit reports (REPORT_RATE_LIMIT_CAPACITY,
   * REPORT_RATE_LIMIT_PER_MINUTE): a report costs a PDF rendering (about 0.25 s of the
   * gateway's CPU), a thousand times a plain read.
   */
  reportRateLimit: { capacity: number; refillPerSecond: number };
  /**
   * A bucket per agency caller for credit verifications (VERIFICATION_RATE_LIMIT_CAPACITY,
   * VERIFICATION_RATE_LIMIT_PER_MINUTE): each reads up to 500 enterprises across all six
   * subgraphs and stores a signed record of them.
   */
  verificationRateLimit: { capacity: number; refillPerSecond: number };
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
  /** Work in flight at once: cost budget, longest wait, longest queue (ADMISSION_* variables, trust/admission.ts). */
  admission: { maxCostInFlight: number; maxWaitMs: number; maxQueue: number };
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
  /** pino level of the gateway's JSON log lines (LOG_LEVEL, default info). */
  logLevel: LogLevel;
  /**
   * Where Prometheus scrapes /metrics (METRICS_PORT, default 9464, `off`: no metrics; METRICS_HOST,
   * default GATEWAY_HOST): a listener apart from the GraphQL port.
   */
  metrics: MetricsListen | undefined;
  /**
   * Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES: addresses, CIDRs, or
   * proxy-addr's names loopback/linklocal/uniquelocal); empty: the peer is the client.
   */
  trustedProxies: string[];
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

/**
 * Issuer and audience of tokens unless JWT_ISSUER / JWT_AUDIENCE say otherwise. Declared here,
 * not in trust/identity.ts: identity imports this module, and the settings below read these at
 * load, so a bundle that loads identity first would see them undefined.
 */
export const DEFAULT_JWT_ISSUER = 'credit-graph';
export const DEFAULT_JWT_AUDIENCE = 'credit-graph-gateway';
const DEFAULT_PORT = 4000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_RATE_LIMIT_CAPACITY = 200;
const DEFAULT_RATE_LIMIT_PER_SECOND = 100;
const DEFAULT_REPORT_RATE_LIMIT_CAPACITY = 10;
const DEFAULT_REPORT_RATE_LIMIT_PER_MINUTE = 6;
// A procurement's bidders checked at once, and again at award: tens a minute is generous.
const DEFAULT_VERIFICATION_RATE_LIMIT_CAPACITY = 20;
const DEFAULT_VERIFICATION_RATE_LIMIT_PER_MINUTE = 30;
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
/**
 * Admission (trust/admission.ts): one maximal operation (trust/limits.ts DEFAULT_MAX_COST), or
 * three portfolio checks of 500 enterprises (259,501 each, what they @require counted), or
 * about six hundred single credit checks (1,676) at once. Measured against the manifests' 192 MB heap cap (bench/README.md,
 * session 8): lower it with the cap.
 */
export const DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT = 1_000_000;
/** How long an operation may wait for admission before OVERLOADED: a portfolio of 500 takes 1-2 s. */
export const DEFAULT_ADMISSION_MAX_WAIT_MS = 10_000;
/**
 * Operations waiting for admission at most; the next is OVERLOADED at once. Each waiting one
 * holds its request body (up to MAX_BODY_BYTES) and parsed document on the heap, so the queue
 * is bounded like everything else; 100 waiting is 20 s of portfolios of 500 on two cores.
 */
export const DEFAULT_ADMISSION_MAX_QUEUE = 100;

/** A bad setting; `issues` lists every one found (loadConfig reports them all at once). */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(
    message: string,
    readonly issues: readonly string[] = [message],
  ) {
    super(message);
  }
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

const SUBGRAPH_URL_PATTERN = /^SUBGRAPH_(.+)_URL$/;

function checkedUrl(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL: "${raw}"`);
  }
  return raw;
}

/** SUBGRAPH_<NAME>_URL of Credit Graph's own subgraphs (others, for a foreign supergraph, are checked by a rule). */
const SUBGRAPH_URL_SETTINGS = Object.fromEntries(
  readManifest()
    .filter((entry) => !isGatewayHosted(entry))
    .map((entry) => {
      const name = subgraphUrlVariable(entry.name);
      return [
        name,
        checked(name, { section: 'Gateway', row: 'SUBGRAPH_<NAME>_URL', default: '', example: entry.url, description: "override one subgraph's URL (`SUBGRAPH_SUPPLY_CHAIN_URL` for `supply-chain`); default: the URL in the supergraph. A variable naming no subgraph of the supergraph is a start-up error" }, (raw) =>
          checkedUrl(name, raw),
        ),
      ];
    }),
);

/** Token verification: HS256 secret and/or JWKS, issuer, audience (also read by `credit-graph credentials`). */
export const JWT_SETTINGS = defineSettings({
  JWT_SECRET: text('JWT_SECRET', { section: 'Secrets', secret: 'value', description: 'HS256 secret for bearer tokens (at least 32 bytes); `npm start` generates one' }),
  JWT_JWKS_FILE: text('JWT_JWKS_FILE', { section: 'Secrets', row: 'JWT_JWKS', description: 'RS256/ES256 keys for bearer tokens, from a JWKS file or URL' }),
  JWT_JWKS_URL: checked('JWT_JWKS_URL', { section: 'Secrets', row: 'JWT_JWKS', description: 'RS256/ES256 keys for bearer tokens, from a JWKS file or URL' }, (raw) => checkedUrl('JWT_JWKS_URL', raw)),
  JWT_ISSUER: text('JWT_ISSUER', { section: 'Secrets', description: 'required `iss` of tokens' }, DEFAULT_JWT_ISSUER),
  JWT_AUDIENCE: text('JWT_AUDIENCE', { section: 'Secrets', description: 'required `aud` of tokens' }, DEFAULT_JWT_AUDIENCE),
});

/** JWT_* as identity options, checked: a ConfigError lists every bad variable. */
export function jwtOptions(env: Env = process.env): JwtOptions {
  try {
    const s = JWT_SETTINGS.parse(env);
    return { secret: s.JWT_SECRET, jwksFile: s.JWT_JWKS_FILE, jwksUrl: s.JWT_JWKS_URL, issuer: s.JWT_ISSUER, audience: s.JWT_AUDIENCE };
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(error.message, error.issues);
    throw error;
  }
}

const GATEWAY_OWN_SETTINGS = defineSettings(
  {
    GATEWAY_PORT: integer('GATEWAY_PORT', DEFAULT_PORT, { section: 'Gateway', description: 'port the gateway listens on' }),
    GATEWAY_HOST: text('GATEWAY_HOST', { section: 'Gateway', description: 'interface the gateway binds to (the image sets `0.0.0.0`)' }, '127.0.0.1'),
    SUPERGRAPH_PATH: text('SUPERGRAPH_PATH', {
      section: 'Gateway',
      default: 'schema/supergraph.graphql',
      description:
        'the supergraph the gateway serves: any composed Federation 2 supergraph that `@apollo/gateway` serves (its own list of supported features: core, join, tag, inaccessible; `@cost`/`@listSize` are not linked for a purpose), plus `@authenticated` and `@requiresScopes`, which this gateway enforces. A feature linked `for: SECURITY`/`EXECUTION` outside these (`@policy`, `@context`) is refused at start, naming it',
    }),
    ...SUBGRAPH_URL_SETTINGS,
    MAX_BODY_BYTES: integer('MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, { section: 'Gateway', description: 'largest request body, in bytes' }),
    ...JWT_SETTINGS.settings,
    AUDIT_HMAC_KEYS: checked(
      'AUDIT_HMAC_KEYS',
      {
        section: 'Secrets',
        secret: 'value',
        example: 'a1:<64 hex characters>',
        description:
          'keys of the audit chain, `keyId:secret,...` (secret: 64+ hex characters or 32+ bytes), the first one current; keep the old ones listed after a rotation so their records still verify. Required when `NODE_ENV=production`; `npm start` generates one into `DATA_DIR/secrets.json`; otherwise, when unset, a key is derived from `CALLER_SIGNING_SECRET` (key id `derived`)',
      },
      (raw) => (raw === undefined ? undefined : parseAuditKeys(raw)),
    ),
    AUDIT_CHECKPOINT_FILE: text('AUDIT_CHECKPOINT_FILE', {
      section: 'Gateway',
      example: '/var/lib/credit-graph/audit-checkpoint.json',
      description:
        "file the signed checkpoints of the audit chain's head go to (mode 0600), with those of the stored verifications' and issued reports' chains beside it (`<name>.credit-verification.json`, `<name>.credit-report.json`): put it where the database's administrators cannot write. `npm start` on the embedded gateway database defaults it to `DATA_DIR/audit-checkpoint.json`; a PostgreSQL gateway database gets no default (name a file, or use Redis)",
    }),
    AUDIT_CHECKPOINT_REDIS_KEY: text('AUDIT_CHECKPOINT_REDIS_KEY', { section: 'Gateway', description: 'Redis key of the checkpoint (when `REDIS_URL` is set), the verifications\' and reports\' chains under `<key>:credit-verification` and `<key>:credit-report`; default: one key per gateway database' }),
    AUDIT_CHECKPOINT_EVERY: integer(
      'AUDIT_CHECKPOINT_EVERY',
      DEFAULT_AUDIT_CHECKPOINT_EVERY,
      { section: 'Gateway', description: 'a checkpoint is written at least every this many records (and at shutdown): the most an attacker with database access can delete unseen' },
      1,
    ),
    AUDIT_CHECKPOINT_INTERVAL_MS: integer('AUDIT_CHECKPOINT_INTERVAL_MS', DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS, { section: 'Gateway', description: 'a checkpoint is written at least this often, in ms' }, 1),
    AUDIT_WRITE_TIMEOUT_MS: integer(
      'AUDIT_WRITE_TIMEOUT_MS',
      DEFAULT_AUDIT_WRITE_TIMEOUT_MS,
      {
        section: 'Gateway',
        description:
          "budget of one write of the gateway's database (audit record, write intent, change feed), in ms, lock waits included: a blocked database fails the request (503) instead of hanging it",
      },
      1,
    ),
    REDIS_COMMAND_TIMEOUT_MS: integer(
      'REDIS_COMMAND_TIMEOUT_MS',
      DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      {
        section: 'Gateway',
        description:
          'how long a request waits for Redis before the rate limit lets it through, in ms; while Redis is down requests go through at once, and the gateway logs one warning a minute, not one per request',
      },
      1,
    ),
    // 0 was always refused (by the rate limiter, at start); the schema says so with the rest.
    RATE_LIMIT_CAPACITY: integer(
      'RATE_LIMIT_CAPACITY',
      DEFAULT_RATE_LIMIT_CAPACITY,
      { section: 'Gateway', description: 'token bucket per caller (per client address when anonymous, see `TRUSTED_PROXIES`): burst size' },
      1,
    ),
    RATE_LIMIT_PER_SECOND: integer('RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT_PER_SECOND, { section: 'Gateway', description: 'token bucket per caller: tokens refilled per second' }, 1),
    REPORT_RATE_LIMIT_CAPACITY: integer(
      'REPORT_RATE_LIMIT_CAPACITY',
      DEFAULT_REPORT_RATE_LIMIT_CAPACITY,
      { section: 'Gateway', description: 'a second token bucket per caller for issuing credit reports (each renders a PDF, about 0.25 s of CPU): burst size' },
      1,
    ),
    REPORT_RATE_LIMIT_PER_MINUTE: integer(
      'REPORT_RATE_LIMIT_PER_MINUTE',
      DEFAULT_REPORT_RATE_LIMIT_PER_MINUTE,
      { section: 'Gateway', description: 'the credit report bucket: reports refilled per minute' },
      1,
    ),
    VERIFICATION_RATE_LIMIT_CAPACITY: integer(
      'VERIFICATION_RATE_LIMIT_CAPACITY',
      DEFAULT_VERIFICATION_RATE_LIMIT_CAPACITY,
      { section: 'Gateway', description: "a token bucket per agency caller for credit verifications (each reads up to 500 enterprises and stores a signed record): burst size" },
      1,
    ),
    VERIFICATION_RATE_LIMIT_PER_MINUTE: integer(
      'VERIFICATION_RATE_LIMIT_PER_MINUTE',
      DEFAULT_VERIFICATION_RATE_LIMIT_PER_MINUTE,
      { section: 'Gateway', description: 'the credit verification bucket: verifications refilled per minute' },
      1,
    ),
    AUTHORIZATION_MODE: oneOf('AUTHORIZATION_MODE', ['filter', 'reject'], 'filter', {
      section: 'Gateway',
      description:
        '`filter`: unauthorized fields come back `null` with an error carrying the standard `path`; a removed non-null field nulls its nearest nullable parent, as GraphQL execution does (`data: null` when that is the root); `reject`: the whole operation is refused',
    }),
    PLAYGROUND_DEMO_TOKENS: checked(
      'PLAYGROUND_DEMO_TOKENS',
      {
        default: 'false',
        section: 'Embedded default',
        description:
          "`true`: the playground's example tabs carry the demo tokens `npm start` passes in `PLAYGROUND_TOKENS` (demo mode, set by `npm start`'s embedded default); a start-up error with `NODE_ENV=production`",
      },
      (raw) => {
        // Unlike most switches, an empty value is a mistake here (as before the schema).
        const value = raw ?? 'false';
        if (value !== 'true' && value !== 'false') throw new Error(`PLAYGROUND_DEMO_TOKENS must be "true" or "false", got "${value}"`);
        return value === 'true';
      },
      true,
    ),
    PLAYGROUND_TOKENS: checked(
      'PLAYGROUND_TOKENS',
      { section: 'Embedded default', secret: 'value', description: 'set by `npm start` for the gateway it launches (demo tokens by role, JSON); leave unset' },
      (raw) => {
        if (raw === undefined) return undefined;
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw new Error('PLAYGROUND_TOKENS must be a JSON object of tokens by role');
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
          throw new Error('PLAYGROUND_TOKENS must be a JSON object of tokens by role');
        }
        return parsed as Record<string, string>;
      },
    ),
    TRUST_LAYER: oneOf('TRUST_LAYER', ['on', 'off'], 'on', {
      section: 'Gateway',
      description:
        '**benchmarking switch**: `off` removes identity, rate limit, safelist, authorization, limits, consent and audit, and signs every subgraph call as one fixed internal caller (a regulator, purpose `SUPERVISION`) so anyone reaching the port reads non-public data; refused when `NODE_ENV=production`. Used by `npm run bench` (see `bench/`)',
    }),
    SUBGRAPH_TIMEOUT_MS: integer(
      'SUBGRAPH_TIMEOUT_MS',
      DEFAULT_SUBGRAPH_TIMEOUT_MS,
      {
        section: 'Subgraph calls',
        description:
          "budget of each subgraph call, in ms, from connecting to the last byte of the answer (a portfolio of 500 under load takes seconds); past it the subgraph's fields are `null` with `SUBGRAPH_UNAVAILABLE` (`reason: \"timeout\"`) and the rest answers",
      },
      1,
    ),
    SUBGRAPH_RETRIES: integer('SUBGRAPH_RETRIES', DEFAULT_SUBGRAPH_RETRIES, {
      section: 'Subgraph calls',
      description: 'retries, with exponential backoff and jitter, of a read that could not reach its subgraph (a refused or reset connection); a mutation is never retried, nor is a call that timed out',
    }),
    SUBGRAPH_CIRCUIT_THRESHOLD: integer(
      'SUBGRAPH_CIRCUIT_THRESHOLD',
      DEFAULT_CIRCUIT_THRESHOLD,
      {
        section: 'Subgraph calls',
        description:
          'circuit breaker per subgraph: after this many consecutive failed calls, calls to it fail at once (`reason: "circuit open"`) for the cool-down; then one call probes it and closes the circuit again if answered. `/status` shows each subgraph\'s state and circuit (`{"state": "ECONNREFUSED", "circuit": "open"}`)',
      },
      1,
    ),
    SUBGRAPH_CIRCUIT_COOLDOWN_MS: integer('SUBGRAPH_CIRCUIT_COOLDOWN_MS', DEFAULT_CIRCUIT_COOLDOWN_MS, { section: 'Subgraph calls', description: 'how long an open circuit fails calls at once before one probes the subgraph, in ms' }, 1),
    ADMISSION_MAX_COST_IN_FLIGHT: integer(
      'ADMISSION_MAX_COST_IN_FLIGHT',
      DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT,
      {
        section: 'Gateway',
        description:
          'the most work one gateway process holds at once: the sum of the costs of the operations in flight (cost as `QUERY_TOO_COMPLEX` measures it; a portfolio check of 500 is about 260,000, a single credit check about 1,700). Past it an operation waits (`ADMISSION_MAX_WAIT_MS`), then gets `OVERLOADED` (503). The default suits the manifests\' 192 MB heap cap; lower it with the cap. `npm start`\'s in-process server, which also runs the six subgraphs, uses 320,000 unless this is set',
      },
      1,
    ),
    ADMISSION_MAX_WAIT_MS: integer('ADMISSION_MAX_WAIT_MS', DEFAULT_ADMISSION_MAX_WAIT_MS, { section: 'Gateway', description: 'how long an operation waits for admission, in ms, before `OVERLOADED` (503, `Retry-After`)' }),
    ADMISSION_MAX_QUEUE: integer('ADMISSION_MAX_QUEUE', DEFAULT_ADMISSION_MAX_QUEUE, {
      section: 'Gateway',
      description: 'operations waiting for admission at most (each holds its request on the heap); the next one gets `OVERLOADED` at once',
    }),
    SHUTDOWN_DRAIN_MS: integer('SHUTDOWN_DRAIN_MS', DEFAULT_DRAIN_MS, {
      section: 'Gateway',
      description: 'on SIGTERM/SIGINT the gateway stops accepting connections, lets requests in flight finish (their audit records written) for up to this long (ms), then exits',
    }),
    SHUTDOWN_DELAY_MS: integer('SHUTDOWN_DELAY_MS', DEFAULT_SHUTDOWN_DELAY_MS, {
      section: 'Gateway',
      description:
        'on SIGTERM the gateway first answers `/ready` with 503 for this long (ms; `0` under `npm start`) while still serving (time for a load balancer to take it out), then drains; SIGINT (Ctrl-C) drains at once',
    }),
    TRUSTED_PROXIES: checked(
      'TRUSTED_PROXIES',
      {
        section: 'Behind a proxy',
        example: '10.0.0.0/8,fd00::/8',
        description:
          "proxies whose `X-Forwarded-For` is believed: comma-separated IPv4/IPv6 addresses and CIDRs (or `loopback`, `linklocal`, `uniquelocal`). The client address (rate limit of anonymous callers, the audit record) is the direct peer unless it is trusted; then the header is walked from the right, stopping at the first address not trusted (at most 16 proxies in a row are believed). Unset: trust none, the header is ignored (docs/operations.md: behind an ingress)",
      },
      (raw) => parseTrustedProxies(raw ?? ''),
    ),
    REPORT_PUBLIC_URL: checked(
      'REPORT_PUBLIC_URL',
      {
        section: 'Gateway',
        example: 'https://credit.zhengzhou.gov.cn',
        description: 'public address printed on credit reports (QR code, verification link: `<url>/reports/verify`); an http(s) address without query or fragment; unset: the gateway\'s own address',
      },
      publicUrl,
    ),
    APOLLO_TELEMETRY_DISABLED: text(
      'APOLLO_TELEMETRY_DISABLED',
      { section: 'Gateway', description: "Apollo's usage reporting; the gateway sets it to `true` when unset (nothing leaves the network)" },
      'true',
    ),
  },
  [
    // A foreign supergraph's subgraphs have names of their own: any SUBGRAPH_<NAME>_URL must be a URL.
    (env) => {
      const bad = Object.keys(env)
        .filter((name) => SUBGRAPH_URL_PATTERN.test(name) && !(name in SUBGRAPH_URL_SETTINGS) && rawValue(env, name) !== undefined)
        .flatMap((name) => {
          try {
            checkedUrl(name, env[name]);
            return [];
          } catch (error) {
            return [(error as Error).message];
          }
        });
      return bad.length > 0 ? bad.join('; ') : undefined;
    },
    // Off serves non-public data to anyone who can reach the port: a benchmarking switch only.
    (env) => (env.TRUST_LAYER === 'off' && env.NODE_ENV === 'production' ? 'TRUST_LAYER=off is for benchmarks and is refused when NODE_ENV=production' : undefined),
    // Demo tokens in a production page would be live credentials.
    (env) =>
      env.PLAYGROUND_DEMO_TOKENS === 'true' && env.NODE_ENV === 'production'
        ? 'PLAYGROUND_DEMO_TOKENS=true embeds demo tokens in the playground and is refused when NODE_ENV=production'
        : undefined,
    (env) => (!rawValue(env, 'AUDIT_HMAC_KEYS') && env.NODE_ENV === 'production' ? 'AUDIT_HMAC_KEYS is required when NODE_ENV=production (e.g. "k1:<64 hex characters>")' : undefined),
  ],
);

/** Every variable the gateway reads: its own, and the parts shared with the subgraphs. */
export const GATEWAY_SETTINGS = composeSettings(
  GATEWAY_OWN_SETTINGS,
  databaseSettings('gateway'),
  CALLER_KEY_SETTINGS,
  CLOCK_SETTINGS,
  PROBE_SETTINGS,
  REDIS_SETTINGS,
  RUNTIME_SETTINGS,
  OBSERVABILITY_SETTINGS,
  NODE_SETTINGS,
);

/**
 * The gateway's settings from `env`, checked at once: a ConfigError lists every bad variable
 * (its `issues`), so one start-up shows every mistake. Installs the business clock.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  let s: ReturnType<typeof GATEWAY_SETTINGS.parse>;
  try {
    s = GATEWAY_SETTINGS.parse(env);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(error.message, error.issues);
    throw error;
  }
  // The business day (consent expiry) is Zhengzhou's unless BUSINESS_TIME_ZONE says otherwise.
  configureClock(env);
  const subgraphUrls: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const match = SUBGRAPH_URL_PATTERN.exec(name);
    if (match && value) subgraphUrls[match[1]!] = value; // keyed by the variable's stem; matched against names below
  }
  // Checked above: these cannot fail now.
  const callerKeys: CallerKeyring = callerSigningKeys(env);
  return {
    host: s.GATEWAY_HOST,
    port: s.GATEWAY_PORT,
    supergraphPath: s.SUPERGRAPH_PATH ? path.resolve(s.SUPERGRAPH_PATH) : SUPERGRAPH_PATH,
    subgraphUrls,
    maxBodyBytes: s.MAX_BODY_BYTES,
    readinessTimeoutMs: s.READINESS_TIMEOUT_MS,
    callerKeys,
    audit: {
      // Outside production, a development key derived from the current caller-signing key.
      keys: s.AUDIT_HMAC_KEYS ?? auditKeysFromEnv(env, callerKeys[0].secret),
      checkpointFile: s.AUDIT_CHECKPOINT_FILE ? path.resolve(s.AUDIT_CHECKPOINT_FILE) : undefined,
      checkpointRedisKey: s.AUDIT_CHECKPOINT_REDIS_KEY,
      checkpointEveryRecords: s.AUDIT_CHECKPOINT_EVERY,
      checkpointEveryMs: s.AUDIT_CHECKPOINT_INTERVAL_MS,
      writeTimeoutMs: s.AUDIT_WRITE_TIMEOUT_MS,
    },
    jwt: jwtOptions(env),
    database: databaseTarget('gateway', env),
    databaseTimeouts: databaseTimeouts(env),
    redisUrl: s.REDIS_URL,
    redisCommandTimeoutMs: s.REDIS_COMMAND_TIMEOUT_MS,
    rateLimit: {
      capacity: s.RATE_LIMIT_CAPACITY,
      refillPerSecond: s.RATE_LIMIT_PER_SECOND,
    },
    reportRateLimit: {
      capacity: s.REPORT_RATE_LIMIT_CAPACITY,
      refillPerSecond: s.REPORT_RATE_LIMIT_PER_MINUTE / 60,
    },
    verificationRateLimit: {
      capacity: s.VERIFICATION_RATE_LIMIT_CAPACITY,
      refillPerSecond: s.VERIFICATION_RATE_LIMIT_PER_MINUTE / 60,
    },
    authorizationMode: s.AUTHORIZATION_MODE,
    production: env.NODE_ENV === 'production',
    playgroundDemoTokens: s.PLAYGROUND_DEMO_TOKENS,
    subgraphCalls: {
      timeoutMs: s.SUBGRAPH_TIMEOUT_MS,
      retries: s.SUBGRAPH_RETRIES,
      circuitThreshold: s.SUBGRAPH_CIRCUIT_THRESHOLD,
      circuitCooldownMs: s.SUBGRAPH_CIRCUIT_COOLDOWN_MS,
    },
    admission: { maxCostInFlight: s.ADMISSION_MAX_COST_IN_FLIGHT, maxWaitMs: s.ADMISSION_MAX_WAIT_MS, maxQueue: s.ADMISSION_MAX_QUEUE },
    drainMs: s.SHUTDOWN_DRAIN_MS,
    shutdownDelayMs: s.SHUTDOWN_DELAY_MS,
    trustLayer: s.TRUST_LAYER === 'on',
    trustedProxies: s.TRUSTED_PROXIES,
    logLevel: s.LOG_LEVEL as LogLevel,
    // Checked by the schema above: cannot throw now.
    metrics: metricsListen(env, { port: DEFAULT_GATEWAY_METRICS_PORT, host: s.GATEWAY_HOST }),
    reportPublicUrl: s.REPORT_PUBLIC_URL,
  };
}
