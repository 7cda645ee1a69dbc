// The signed subgraph call: how the gateway tells a subgraph who is asking, so that a subgraph
// answers only requests the gateway made, once, to it. Both halves live here, beside the claims
// they share: the gateway signs (`createCallerSigner`), every subgraph verifies
// (`createCallerVerifier`), and the replay caches they need sit beside them.
//
// The wire format is one compact JWS (RFC 7515, HS256, made and checked by `fast-jwt`) in the
// `x-credit-graph-caller` header. Its claims bind the call the way DPoP proofs do (RFC 9449:
// `htm`, `htu`, `jti`, `iat`) plus what a call between services needs:
//   aud     the target subgraph's name: a call signed for finance is refused by registry
//   htm     the HTTP method;  htu  the request target (path and query) as sent
//   bh      SHA-256 of the exact body bytes, base64url: another body breaks the signature
//   jti     a random nonce: each subgraph refuses a nonce it has seen within the validity window
//   iat     when it was signed: refused after 30 s (and 5 s of clock skew either way)
//   caller  the verified caller (role, scopes, purpose, consents...)
// and the protected header names the key (`kid`), so keys rotate without downtime: during a
// rotation every service verifies with the old and the new key while the gateway signs with
// the new one (CALLER_SIGNING_KEYS="new:<secret>,old:<secret>").
//
// Why JWS rather than HTTP Message Signatures (RFC 9421): JWS libraries are widely used and
// maintained, check alg/kid/typ/aud themselves and compare in constant time; the RFC 9421
// packages on npm (http-message-signatures, http-message-sig) are small single-maintainer
// projects that would still need a home-made Content-Digest and a custom component for the
// subgraph name. The claims above carry the same bindings.
//
// Why fast-jwt (nearform, Fastify's JWT library) rather than jose, the bearer tokens' library:
// jose 6 signs and verifies HMAC through WebCrypto, whose every call is a job on libuv's thread
// pool: 146 µs of CPU per sign and 103 µs per verify on Node 24, against 5.6 µs for the HMAC
// itself through node:crypto, which fast-jwt uses (bench/micro/caller-signature.ts, bench/README.md
// session 7). A credit check signs seven calls at the gateway and verifies one in each subgraph.
import { createHash, randomUUID } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { PURPOSES, ROLES, SECTORS, WORKER_ID_PATTERN, type Caller } from './caller.ts';
import { within } from './deadline.ts';
import { creditGraphError } from './errors.ts';
import { isValidUscc } from './uscc.ts';

export const CALLER_HEADER = 'x-credit-graph-caller';
export const CALLER_SECRET_VARIABLE = 'CALLER_SIGNING_SECRET';
export const CALLER_KEYS_VARIABLE = 'CALLER_SIGNING_KEYS';
/** The key id of a key given alone (CALLER_SIGNING_SECRET or a bare secret option). */
export const DEFAULT_KEY_ID = 'default';
/** Shorter secrets are guessable offline from one captured request. */
export const MIN_SECRET_LENGTH = 32;
/** A signed call older than this is refused; its nonce is remembered at least this long. */
export const DEFAULT_MAX_AGE_MS = 30_000;
/** Clock difference between gateway and subgraph hosts that is tolerated, each way. */
export const MAX_CLOCK_SKEW_MS = 5_000;
/** The JWS `typ`: a token of another kind (a bearer JWT signed with the same secret) is refused. */
export const CALLER_SIGNATURE_TYPE = 'credit-graph-call+jwt';
/**
 * A caller is a few short strings plus, for a bank, the enterprises of the operation that
 * consented: a portfolio of 500 is about 15 KB signed. Anything larger is not ours.
 */
export const MAX_CALLER_HEADER_LENGTH = 32 * 1024;
/**
 * Request headers a subgraph server accepts, in bytes: room for the largest signed caller.
 * Node's default (16 KB) answers a portfolio's subgraph calls with 431.
 */
export const MAX_SUBGRAPH_HEADER_BYTES = 64 * 1024;
/** Nonces an in-memory replay cache holds at most (about 10 MB): 3,000 calls a second for 35 s. */
export const DEFAULT_REPLAY_CACHE_ENTRIES = 100_000;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const BODY_HASH = /^[A-Za-z0-9_-]{43}$/;
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A missing or weak signing key: raised at start-up, before any port is opened. */
export class CallerSecretError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** One signing key: its id (sent in the JWS header) and its secret. */
export interface CallerKey {
  id: string;
  secret: string;
}

/** The keys a service holds: the first signs, all verify. */
export type CallerKeyring = readonly [CallerKey, ...CallerKey[]];

/** A secret alone (one key, id `default`) or a keyring. */
export type CallerKeys = string | readonly CallerKey[];

/** Checks a secret given as an option; `source` names where it came from in the message. */
export function checkCallerSecret(secret: unknown, source = 'callerSecret'): string {
  if (typeof secret !== 'string' || secret === '') {
    throw new CallerSecretError(
      `${source} is not set: the gateway and every subgraph need the same secret of at least ${MIN_SECRET_LENGTH} characters to sign and verify the caller`,
    );
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new CallerSecretError(`${source} has ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required`);
  }
  return secret;
}

/** Normalises keys given as an option: a bare secret is key `default`; ids must be unique. */
export function checkCallerKeys(keys: unknown, source = 'callerKeys'): CallerKeyring {
  if (typeof keys === 'string' || keys === undefined) return [{ id: DEFAULT_KEY_ID, secret: checkCallerSecret(keys, source) }];
  if (!Array.isArray(keys) || keys.length === 0) throw new CallerSecretError(`${source} must name at least one key`);
  const seen = new Set<string>();
  for (const key of keys as CallerKey[]) {
    if (typeof key?.id !== 'string' || !KEY_ID.test(key.id)) {
      throw new CallerSecretError(`${source}: key id "${String(key?.id)}" must be 1-64 letters, digits, ".", "_" or "-"`);
    }
    if (seen.has(key.id)) throw new CallerSecretError(`${source}: key id "${key.id}" is given twice`);
    seen.add(key.id);
    checkCallerSecret(key.secret, `${source} key "${key.id}"`);
  }
  return keys as unknown as CallerKeyring;
}

/**
 * The keys from the environment, checked once at start-up: CALLER_SIGNING_KEYS
 * (`kid:secret,kid2:secret2`, the first signs, all verify) or CALLER_SIGNING_SECRET (one key,
 * id `default`). Both set is ambiguous and refused.
 */
export function callerSigningKeys(env: NodeJS.ProcessEnv = process.env): CallerKeyring {
  const list = env[CALLER_KEYS_VARIABLE];
  const single = env[CALLER_SECRET_VARIABLE];
  if (list && single) {
    throw new CallerSecretError(`Set ${CALLER_KEYS_VARIABLE} or ${CALLER_SECRET_VARIABLE}, not both (the secret alone is key "${DEFAULT_KEY_ID}")`);
  }
  if (!list) return checkCallerKeys(single, CALLER_SECRET_VARIABLE);
  const keys = list.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new CallerSecretError(`${CALLER_KEYS_VARIABLE} entries are "kid:secret", comma-separated`);
    return { id: entry.slice(0, colon).trim(), secret: entry.slice(colon + 1).trim() };
  });
  return checkCallerKeys(keys, CALLER_KEYS_VARIABLE);
}

/** The one secret of CALLER_SIGNING_SECRET (single-key set-ups and tools). */
export function callerSigningSecret(env: NodeJS.ProcessEnv = process.env): string {
  return checkCallerSecret(env[CALLER_SECRET_VARIABLE], CALLER_SECRET_VARIABLE);
}

/** What a signature binds besides the caller: which subgraph, and the exact HTTP request. */
export interface SubgraphCall {
  /** The target subgraph's name, as in the supergraph's join__Graph (e.g. `supply-chain`). */
  subgraph: string;
  method: string;
  /** Request target: path and query string, as on the request line (`/graphql`). */
  path: string;
  /** The exact body bytes (a string is taken as UTF-8). */
  body: string | Uint8Array;
}

/** SHA-256 of the body, base64url: the `bh` claim. */
export function bodyHash(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** Canonical caller: keys sorted, undefined dropped, so equal callers carry equal claims. */
function canonicalCaller(caller: Caller): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(caller).sort()) {
    const value = caller[key as keyof Caller];
    if (value !== undefined) sorted[key] = value;
  }
  return sorted;
}

export interface CallerSigner {
  /** Headers that carry `caller` to `call.subgraph` for this exact request, signed at `now` (ms). */
  sign(caller: Caller, call: SubgraphCall, now?: number): Promise<Record<string, string>>;
}

/**
 * A call's nonce: 122 random bits (a version-4 UUID's) as 22 base64url characters. randomUUID
 * draws from Node's cached CSPRNG batch: 1.0 µs against 6.4 µs for randomBytes(16), which asks
 * OpenSSL for every call (seven calls per credit check).
 */
function nonce(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

/** The gateway half: signs with the first key of `keys`. */
export function createCallerSigner(keys: CallerKeys): CallerSigner {
  const [signing] = checkCallerKeys(keys);
  const signToken = createSigner({ key: Buffer.from(signing.secret, 'utf8'), algorithm: 'HS256', kid: signing.id, header: { alg: 'HS256', typ: CALLER_SIGNATURE_TYPE } });
  return {
    async sign(caller, call, now = Date.now()) {
      const token = signToken({
        caller: canonicalCaller(caller),
        htm: call.method.toUpperCase(),
        htu: call.path,
        bh: bodyHash(call.body),
        aud: call.subgraph,
        iat: Math.floor(now / 1000),
        jti: nonce(),
      });
      return { [CALLER_HEADER]: token };
    },
  };
}

/**
 * Remembers nonces for a while. `firstUse` resolves true the first time a nonce is offered
 * within `ttlMs`, false after.
 */
export interface ReplayCache {
  firstUse(nonce: string, ttlMs: number): Promise<boolean>;
}

/**
 * One process's replay cache, bounded: at most `maxEntries` nonces. A call signed at most
 * maxAge + skew ago is remembered for the whole window in which its signature is valid;
 * entries expire in insertion order, so pruning is linear. When full of live nonces it
 * refuses (false): a replay is never let through for want of room.
 */
export function createMemoryReplayCache(options: { maxEntries?: number; now?: () => number } = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? DEFAULT_REPLAY_CACHE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new CallerSecretError('maxEntries must be a positive integer');
  const now = options.now ?? (() => performance.now());
  const expiries = new Map<string, number>();
  return {
    async firstUse(nonce, ttlMs) {
      const at = now();
      for (const [seen, expiry] of expiries) {
        if (expiry > at) break;
        expiries.delete(seen);
      }
      if (expiries.has(nonce) || expiries.size >= maxEntries) return false;
      expiries.set(nonce, at + ttlMs);
      return true;
    },
  };
}

/** The part of an ioredis client the shared replay cache uses. */
export interface ReplayRedis {
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null>;
}

/**
 * A replay cache shared by the replicas of one subgraph through Redis (`SET key 1 PX ttl NX`).
 * Every nonce also goes into the process's own cache; when Redis does not answer within
 * `timeoutMs` the local answer decides (replays to this replica are still refused) and one
 * warning per minute is logged, so a Redis outage never stalls or stops the subgraph.
 */
export function createRedisReplayCache(options: {
  redis: ReplayRedis;
  /** Key prefix; one per subgraph (`credit-graph:nonce:finance:`). */
  prefix: string;
  local?: ReplayCache;
  timeoutMs?: number;
  logger?: Pick<Console, 'warn'>;
}): ReplayCache {
  const local = options.local ?? createMemoryReplayCache();
  const timeoutMs = options.timeoutMs ?? 200;
  const logger = options.logger ?? console;
  let lastWarning = -Infinity;
  return {
    async firstUse(nonce, ttlMs) {
      const locally = await local.firstUse(nonce, ttlMs);
      try {
        const shared = await within(timeoutMs, options.redis.set(`${options.prefix}${nonce}`, '1', 'PX', ttlMs, 'NX'));
        return locally && shared === 'OK';
      } catch (error) {
        if (performance.now() - lastWarning > 60_000) {
          lastWarning = performance.now();
          logger.warn(`[replay-cache] Redis unavailable (${(error as Error).message}); nonces are checked per replica only`);
        }
        return locally;
      }
    },
  };
}

const isString = (value: unknown): boolean => typeof value === 'string' && value !== '';
const oneOf = (values: readonly string[]) => (value: unknown) => values.includes(value as string);

// One check per Caller field: the mapped type makes tsc fail here when Caller gains a field
// that the wire format does not check yet.
const CALLER_FIELDS: { [Field in keyof Caller]-?: { required: boolean; valid: (value: unknown) => boolean } } = {
  subject: { required: true, valid: isString },
  role: { required: true, valid: oneOf(ROLES) },
  scopes: { required: true, valid: (v) => Array.isArray(v) && v.every((scope) => typeof scope === 'string') },
  institution: { required: false, valid: isString },
  sector: { required: false, valid: oneOf(SECTORS) },
  uscc: { required: false, valid: isValidUscc },
  purpose: { required: false, valid: oneOf(PURPOSES) },
  consents: { required: false, valid: (v) => Array.isArray(v) && v.every(isValidUscc) },
  consentIds: { required: false, valid: (v) => Array.isArray(v) && v.every(isString) },
  workerGrants: { required: false, valid: (v) => Array.isArray(v) && v.every((id) => typeof id === 'string' && WORKER_ID_PATTERN.test(id)) },
};

function unauthenticated(reason: string): never {
  throw creditGraphError('UNAUTHENTICATED', `Subgraph request refused: ${reason}. Query the gateway, not the subgraph.`);
}

function checkCaller(value: unknown): Caller {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) unauthenticated('the signed caller is not an object');
  const record = value as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!Object.hasOwn(CALLER_FIELDS, field)) unauthenticated(`the signed caller has an unknown field "${field}"`);
  }
  for (const [field, check] of Object.entries(CALLER_FIELDS)) {
    const present = record[field] !== undefined;
    if ((check.required && !present) || (present && !check.valid(record[field]))) {
      unauthenticated(`the signed caller has a missing or invalid "${field}"`);
    }
  }
  return Object.freeze(record) as unknown as Caller;
}

/** What a subgraph received: headers (lower-case names, as node gives them) and the request. */
export interface ReceivedCall {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  path: string;
  body: Uint8Array | string;
}

export interface CallerVerifierOptions {
  /** Every key the subgraph accepts (during a rotation, the old and the new). */
  keys: CallerKeys;
  /** This subgraph's name: a signature for another subgraph is refused. */
  subgraph: string;
  /** Where seen nonces are remembered (default: this process's memory). */
  replayCache?: ReplayCache;
  /** Oldest signature accepted, in ms. */
  maxAgeMs?: number;
}

export interface CallerVerifier {
  /**
   * The caller the gateway signed for this exact request, at `now` (ms). Throws
   * UNAUTHENTICATED (401) when the request is unsigned or malformed, signed with an unknown
   * key id or another secret, made for another subgraph, method, path or body, older than
   * maxAgeMs, dated in the future, or a replay of a nonce already seen.
   */
  verify(call: ReceivedCall, now?: number): Promise<Caller>;
}

/** The JWS protected header (the first segment), or undefined when it is not a JSON object. */
function protectedHeader(token: string): { kid?: unknown } | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' && !Array.isArray(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

/** The claims every signed call carries (checked here, so that a refusal names the missing one). */
const REQUIRED_CLAIMS = ['iat', 'jti', 'aud', 'htm', 'htu', 'bh', 'caller'] as const;

/** The subgraph half. Options are checked here, at start-up. */
export function createCallerVerifier(options: CallerVerifierOptions): CallerVerifier {
  const subgraph = options.subgraph;
  if (typeof subgraph !== 'string' || subgraph === '') throw new CallerSecretError('subgraph must be named');
  // One verifier per key id: the signature (HS256 only, constant-time), typ and aud. The claims'
  // presence and the dates are checked below, the dates against `now` (per call).
  const verifiers = new Map(
    checkCallerKeys(options.keys).map((key) => [
      key.id,
      createVerifier({
        key: Buffer.from(key.secret, 'utf8'),
        algorithms: ['HS256'],
        checkTyp: CALLER_SIGNATURE_TYPE,
        allowedAud: subgraph,
        ignoreExpiration: true,
        ignoreNotBefore: true,
      }),
    ]),
  );
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const replayCache = options.replayCache ?? createMemoryReplayCache();
  // A nonce is remembered for as long as any signature carrying it could still verify (dated up
  // to the skew ahead, accepted up to maxAge + skew after), plus a second: the age check lets a
  // signature through at exactly its limit, and a review replayed one there.
  const nonceTtlMs = maxAgeMs + 2 * MAX_CLOCK_SKEW_MS + 1_000;

  return {
    async verify(call, now = Date.now()) {
      const token = call.headers[CALLER_HEADER];
      if (token === undefined || token === '') unauthenticated(`the request is not signed (no ${CALLER_HEADER} header)`);
      if (typeof token !== 'string') unauthenticated(`the ${CALLER_HEADER} header is repeated`);
      if (token.length > MAX_CALLER_HEADER_LENGTH || !JWS.test(token)) unauthenticated(`the ${CALLER_HEADER} header is not a compact JWS`);

      const kid = protectedHeader(token)?.kid;
      const verifyToken = typeof kid === 'string' ? verifiers.get(kid) : undefined;
      if (!verifyToken) unauthenticated(`the signature's key id ${JSON.stringify(kid ?? null)} is not one this subgraph accepts`);
      let payload: Record<string, unknown>;
      try {
        payload = verifyToken(token) as Record<string, unknown>;
      } catch (error) {
        const code = error instanceof TokenError ? error.code : undefined;
        if (code === TokenError.codes.invalidSignature) unauthenticated('the caller signature does not match');
        if (code === TokenError.codes.invalidType) unauthenticated('the caller signature has another typ (not a signed subgraph call)');
        if (code === TokenError.codes.invalidClaimValue || code === TokenError.codes.invalidClaimType) {
          unauthenticated(`the call was signed for another subgraph, not ${subgraph}`);
        }
        unauthenticated('the caller signature is malformed');
      }
      const missing = REQUIRED_CLAIMS.find((claim) => !Object.hasOwn(payload, claim));
      if (missing) unauthenticated(`the signed call has a missing or invalid "${missing}" claim`);
      // iat in whole seconds (RFC 7519 NumericDate): older than maxAgeMs, or later than now,
      // each beyond the tolerated clock skew, is refused.
      if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) unauthenticated('the signed call has a missing or invalid "iat" claim');
      const signedAt = payload.iat * 1000;
      if (now - signedAt > maxAgeMs + MAX_CLOCK_SKEW_MS) unauthenticated(`the caller signature is stale (older than ${maxAgeMs} ms)`);
      if (signedAt - now > MAX_CLOCK_SKEW_MS) unauthenticated('the caller signature is dated in the future');

      if (payload.htm !== call.method.toUpperCase()) unauthenticated(`the call was signed for method ${String(payload.htm)}, not ${call.method}`);
      if (payload.htu !== call.path) unauthenticated('the call was signed for another path');
      if (typeof payload.bh !== 'string' || !BODY_HASH.test(payload.bh) || payload.bh !== bodyHash(call.body)) {
        unauthenticated('the request body is not the one that was signed');
      }
      const caller = checkCaller(payload.caller);
      if (typeof payload.jti !== 'string' || !NONCE.test(payload.jti)) unauthenticated('the signed call has no valid nonce');
      // Last: only a genuine, current call for this subgraph takes a place in the cache.
      if (!(await replayCache.firstUse(payload.jti, nonceTtlMs))) unauthenticated('the signed call was already used (replay)');
      return caller;
    },
  };
}
