// A worker's authorization: the code a housekeeping worker shows a household (the national
// housekeeping platform's practice) so that the household sees the worker's record unmasked.
// It is a short-lived HS256 JWT signed with the gateway's JWT secret, for its own audience (so
// it is never taken for an access token, nor an access token for it), naming one worker and
// the one scope `worker:view`. The caller presents it in the x-worker-authorization header,
// with or without credentials of its own; the gateway turns it into `caller.workerGrants`.
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { creditGraphError, WORKER_ID_PATTERN } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import { CLOCK_TOLERANCE_SECONDS, DEFAULT_JWT_ISSUER, MIN_HS256_SECRET_BYTES } from './identity.ts';

/** The header a household presents the worker's code in. */
export const WORKER_AUTHORIZATION_HEADER = 'x-worker-authorization';
/** Only for worker authorizations: an access token (audience credit-graph-gateway) never passes. */
export const WORKER_AUTHORIZATION_AUDIENCE = 'credit-graph-worker-authorization';
export const WORKER_AUTHORIZATION_SCOPE = 'worker:view';
export const DEFAULT_WORKER_AUTHORIZATION_TTL = '2h';
/** A worker's consent is for a visit, not a standing permission. */
export const MAX_WORKER_AUTHORIZATION_SECONDS = 24 * 3600;
const ALGORITHMS = ['HS256'];
const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

export interface WorkerAuthorizationOptions {
  /** The gateway's HS256 secret (JWT_SECRET); without it no worker authorization is accepted. */
  secret?: string;
  /** The identity issuer (JWT_ISSUER); default credit-graph. */
  issuer?: string;
  /** The current time (tests move it). */
  now?: Date;
}

function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_HS256_SECRET_BYTES) {
    throw new ConfigError(`the JWT secret must be at least ${MIN_HS256_SECRET_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

function badInput(message: string): never {
  throw creditGraphError('BAD_USER_INPUT', message);
}

/** `30m`, `2h`, `1d` or seconds (`900`, 900), checked against the 24 h bound. */
function ttlSeconds(ttl: string | number): number {
  const match = typeof ttl === 'string' ? /^(\d+)\s*([smhd]?)$/.exec(ttl.trim()) : null;
  const seconds = typeof ttl === 'number' ? ttl : match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : NaN;
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_WORKER_AUTHORIZATION_SECONDS) {
    badInput(`a worker authorization lasts from 1 s to at most 24 h, given as 30m, 2h, 1d or seconds; got "${String(ttl)}"`);
  }
  return seconds;
}

const refuse = (reason: string) =>
  creditGraphError('UNAUTHENTICATED', `Worker authorization refused (${WORKER_AUTHORIZATION_HEADER}): ${reason}`, {
    header: WORKER_AUTHORIZATION_HEADER,
  });

/**
 * Signs worker `workerId`'s authorization, valid for `ttl` (`30m`, `2h`, `1d`, or seconds; at
 * most 24 h). A bad worker id or ttl is BAD_USER_INPUT.
 */
export async function issueWorkerAuthorization(
  secret: string,
  workerId: string,
  ttl: string | number = DEFAULT_WORKER_AUTHORIZATION_TTL,
  options: Omit<WorkerAuthorizationOptions, 'secret'> = {},
): Promise<string> {
  if (typeof workerId !== 'string' || !WORKER_ID_PATTERN.test(workerId)) {
    badInput(`"${String(workerId)}" is not a worker id: "wk_" followed by 16 lowercase hex characters`);
  }
  const lifetime = ttlSeconds(ttl);
  // Both times from one clock reading (jose would date a string span from its own `now`).
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ scope: WORKER_AUTHORIZATION_SCOPE })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(workerId)
    .setIssuer(options.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(WORKER_AUTHORIZATION_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(secretKey(secret));
}

/** A jose failure as a message the household can act on. */
function explain(error: unknown, issuer: string): string {
  if (error instanceof errors.JWTExpired) return 'it has expired; ask the worker for a new code';
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = error;
    if (reason === 'missing') return `it has no "${claim}" claim`;
    if (claim === 'aud') return `it is not a worker authorization (audience must be "${WORKER_AUTHORIZATION_AUDIENCE}")`;
    if (claim === 'iss') return `it was not issued by "${issuer}"`;
    if (claim === 'iat') return 'it is older than 24 h or dated in the future';
    return `its claim "${claim}" is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted (HS256 only)';
  return 'it is not a signed token (header.payload.signature)';
}

/**
 * The worker id a presented authorization names. Throws UNAUTHENTICATED, saying why, when the
 * token is forged, expired, for another audience or issuer, not HS256, longer-lived than 24 h,
 * or names no well-formed worker id.
 */
export async function verifyWorkerAuthorization(token: string, options: WorkerAuthorizationOptions): Promise<string> {
  const issuer = options.issuer ?? DEFAULT_JWT_ISSUER;
  if (!options.secret) throw refuse('this gateway has no JWT secret, so it accepts no worker authorizations');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token.trim(), secretKey(options.secret), {
      algorithms: ALGORITHMS, // pinned: refuses `none` and HS/RS confusion
      issuer,
      audience: WORKER_AUTHORIZATION_AUDIENCE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: options.now ?? new Date(),
      requiredClaims: ['exp', 'iat', 'sub'],
      maxTokenAge: MAX_WORKER_AUTHORIZATION_SECONDS,
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) throw refuse(explain(error, issuer));
    throw error;
  }
  const { sub, scope, exp, iat } = payload as JWTPayload & { scope?: unknown };
  if (scope !== WORKER_AUTHORIZATION_SCOPE) throw refuse(`its scope must be "${WORKER_AUTHORIZATION_SCOPE}"`);
  if (typeof sub !== 'string' || !WORKER_ID_PATTERN.test(sub)) throw refuse('it names no worker id ("wk_" + 16 hex characters)');
  // A code signed with the right secret but a long life is still refused: at most 24 h.
  if (exp! - iat! > MAX_WORKER_AUTHORIZATION_SECONDS) throw refuse('it is valid for more than 24 h');
  return sub;
}
