// The signed caller context: how the gateway tells a subgraph who is asking, so that a subgraph
// answers only requests that came through the gateway. Both halves live here, beside the
// serializer they share: the gateway signs (`signCaller`), every subgraph verifies
// (`verifyCaller`). HMAC-SHA256 over the timestamp and the canonical caller, with a secret that
// the gateway and all subgraphs share (CALLER_SIGNING_SECRET).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PURPOSES, ROLES, SECTORS, WORKER_ID_PATTERN, type Caller } from './caller.ts';
import { creditGraphError } from './errors.ts';
import { isValidUscc } from './uscc.ts';

export const CALLER_HEADER = 'x-credit-graph-caller';
export const TIMESTAMP_HEADER = 'x-credit-graph-timestamp';
export const SIGNATURE_HEADER = 'x-credit-graph-signature';
export const CALLER_SECRET_VARIABLE = 'CALLER_SIGNING_SECRET';
/** Shorter secrets are guessable offline from one captured request. */
export const MIN_SECRET_LENGTH = 32;
/** A signed context older than this is refused (a captured request cannot be replayed later). */
export const DEFAULT_MAX_AGE_MS = 30_000;
/** Clock difference between gateway and subgraph hosts that is tolerated. */
export const MAX_CLOCK_SKEW_MS = 5_000;
/**
 * A caller is a few short strings plus, for a bank, the enterprises of the operation that
 * consented: a portfolio of 500 is about 14 KB encoded. Anything larger is not ours.
 */
export const MAX_CALLER_HEADER_LENGTH = 32 * 1024;
/**
 * Request headers a subgraph server accepts, in bytes: room for the largest signed caller.
 * Node's default (16 KB) answers a portfolio's subgraph calls with 431.
 */
export const MAX_SUBGRAPH_HEADER_BYTES = 64 * 1024;

/** A missing or weak signing secret: raised at start-up, before any port is opened. */
export class CallerSecretError extends Error {
  readonly code = 'INVALID_CONFIG';
}

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

/** The signing secret from the environment (CALLER_SIGNING_SECRET), checked once at start-up. */
export function callerSigningSecret(env: NodeJS.ProcessEnv = process.env): string {
  return checkCallerSecret(env[CALLER_SECRET_VARIABLE], CALLER_SECRET_VARIABLE);
}

/** Canonical JSON of the (flat) caller: keys sorted, undefined dropped, so equal callers sign equal. */
function canonicalCaller(caller: Caller): string {
  return JSON.stringify(caller, Object.keys(caller).sort());
}

function hmac(secret: string, timestamp: string, encodedCaller: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${encodedCaller}`).digest();
}

/** The gateway half: headers that carry `caller` to a subgraph, signed at `now`. */
export function signCaller(caller: Caller, secret: string, now: number = Date.now()): Record<string, string> {
  const encoded = Buffer.from(canonicalCaller(caller), 'utf8').toString('base64url');
  const timestamp = String(Math.trunc(now));
  return {
    [CALLER_HEADER]: encoded,
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: hmac(secret, timestamp, encoded).toString('hex'),
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

function decodeCaller(encoded: string): Caller {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    unauthenticated(`the ${CALLER_HEADER} header is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    unauthenticated(`the ${CALLER_HEADER} header is not a caller object`);
  }
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

function single(headers: Record<string, string | string[] | undefined>, name: string): string {
  const value = headers[name];
  if (value === undefined || value === '') unauthenticated(`the request is not signed (no ${name} header)`);
  if (typeof value !== 'string') unauthenticated(`the ${name} header is repeated`);
  return value;
}

export interface VerifyCallerOptions {
  /** Oldest signature accepted, in ms. */
  maxAgeMs?: number;
  /** The current time in ms (tests). */
  now?: number;
}

/**
 * The subgraph half: the caller the gateway signed into `headers` (lower-case names, as node
 * gives them). Throws UNAUTHENTICATED when the request is unsigned, malformed, signed with
 * another secret, altered, older than `maxAgeMs` or dated in the future.
 */
export function verifyCaller(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  options: VerifyCallerOptions = {},
): Caller {
  const { maxAgeMs = DEFAULT_MAX_AGE_MS, now = Date.now() } = options;
  const encoded = single(headers, CALLER_HEADER);
  const timestamp = single(headers, TIMESTAMP_HEADER);
  const signature = single(headers, SIGNATURE_HEADER);
  if (encoded.length > MAX_CALLER_HEADER_LENGTH || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    unauthenticated(`the ${CALLER_HEADER} header is not base64url`);
  }
  if (!/^\d{1,15}$/.test(timestamp)) unauthenticated(`the ${TIMESTAMP_HEADER} header is not a time in milliseconds`);
  if (!/^[0-9a-f]{64}$/.test(signature)) unauthenticated(`the ${SIGNATURE_HEADER} header is not a hex HMAC-SHA256`);

  // Constant-time comparison: no timing hint about how much of a forged signature matched.
  if (!timingSafeEqual(Buffer.from(signature, 'hex'), hmac(secret, timestamp, encoded))) {
    unauthenticated('the caller signature does not match');
  }
  const age = now - Number(timestamp);
  if (age > maxAgeMs) unauthenticated(`the caller signature is stale (${age} ms old; the limit is ${maxAgeMs} ms)`);
  if (age < -MAX_CLOCK_SKEW_MS) unauthenticated(`the caller signature is dated ${-age} ms in the future`);
  return decodeCaller(encoded);
}
