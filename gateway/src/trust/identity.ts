// Identity: who is asking. A bearer JWT (HS256 with a shared secret, or RS256/ES256 with keys
// from a JWKS file or URL) or an institution's API key becomes a Caller; no credentials is the
// anonymous PUBLIC caller. Any credential that does not check out is refused with
// UNAUTHENTICATED and a message saying what to fix; the token and the secret never appear in it.
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ANONYMOUS_CALLER, creditGraphError, hs256Key, type Caller, type Role, type Sector } from '@credit-graph/contract';
import { allowedScopes, apiKeyLabel, bindingProblem, findApiKey, isWellFormedApiKey } from './api-keys.ts';
import { ConfigError, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '../config.ts';

export { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER };
import type { GatewayDb } from '../database.ts';

export const DEFAULT_TOKEN_TTL = '8h';
/** Allowed clock skew between the token issuer and the gateway. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_HS256_SECRET_BYTES = 32;
/** Each key source accepts only its own algorithms: this is what refuses `none` and HS/RS confusion. */
const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

export interface JwtOptions {
  /** HS256 shared secret, at least 32 bytes. */
  secret?: string;
  /** A JWKS JSON file with the public keys of RS256/ES256 tokens. */
  jwksFile?: string;
  /** A JWKS URL (fetched and cached by jose) with the public keys of RS256/ES256 tokens. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
}

export interface IdentityOptions {
  db: GatewayDb;
  jwt: JwtOptions;
  /** The clock for expiry checks (tests move it). */
  now?: () => Date;
}

export interface Credentials {
  /** The `Authorization` header. */
  authorization?: string;
  /** The `x-api-key` header. */
  apiKey?: string;
}

export interface Identity {
  identify(request: Credentials): Promise<Caller>;
}

function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_HS256_SECRET_BYTES) {
    throw new ConfigError(`the JWT secret must be at least ${MIN_HS256_SECRET_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

function jwksKeys(jwt: JwtOptions): JWTVerifyGetKey | undefined {
  if (jwt.jwksFile && jwt.jwksUrl) throw new ConfigError('give either a JWKS file or a JWKS URL, not both');
  if (jwt.jwksFile) {
    try {
      return createLocalJWKSet(JSON.parse(readFileSync(jwt.jwksFile, 'utf8')) as JSONWebKeySet);
    } catch (error) {
      throw new ConfigError(`the JWKS file ${jwt.jwksFile} is not a readable JSON Web Key Set: ${(error as Error).message}`);
    }
  }
  if (jwt.jwksUrl) {
    let url: URL;
    try {
      url = new URL(jwt.jwksUrl);
    } catch {
      throw new ConfigError(`the JWKS URL is not a URL: "${jwt.jwksUrl}"`);
    }
    return createRemoteJWKSet(url);
  }
  return undefined;
}

const refuse = (message: string) => creditGraphError('UNAUTHENTICATED', message);
const when = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an unknown time');
/** Claim values come from the caller; quote them short. */
const quote = (value: unknown) => JSON.stringify(value ?? null)?.slice(0, 80);

/** A jose failure as a message the caller can act on. */
function explain(error: unknown, options: JwtOptions): string {
  if (error instanceof errors.JWTExpired) return `token expired at ${when(error.payload.exp)}; get a new one`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    if (reason === 'missing') return `token has no "${claim}" claim`;
    if (claim === 'iss') return `wrong issuer: token is from ${quote(payload.iss)}, expected "${options.issuer}"`;
    if (claim === 'aud') return `wrong audience: token is for ${quote(payload.aud)}, expected "${options.audience}"`;
    if (claim === 'nbf') return `token is not valid before ${when(payload.nbf)}`;
    return `token claim "${claim}" is invalid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the key set matches the token (check its "kid" and "alg")';
  if (error instanceof errors.JWKSTimeout) return 'the key set could not be fetched in time; try again';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'token is malformed';
  return 'token could not be verified';
}

function callerFromClaims(payload: JWTPayload): Caller {
  const { sub, role, institution, sector, uscc, scope } = payload;
  if (typeof sub !== 'string' || sub === '') throw refuse('token has no "sub" claim');
  const problem = bindingProblem(role, sector, uscc, institution);
  if (problem) throw refuse(`token claims: ${problem}`);
  if (institution !== undefined && typeof institution !== 'string') throw refuse('token claim "institution" must be a string');
  if (scope !== undefined && typeof scope !== 'string') throw refuse('token claim "scope" must be a space-separated string');
  const bound = role as Role;
  const allowed = allowedScopes(bound, sector as Sector | undefined);
  // A token may narrow its role's scopes but never widen them: extra scopes are ignored.
  const scopes = scope === undefined ? allowed : [...new Set(scope.split(/\s+/))].filter((s) => allowed.includes(s));
  return {
    subject: sub,
    role: bound,
    scopes,
    ...(institution ? { institution } : {}),
    ...(bound === 'SECTOR_PLATFORM' ? { sector: sector as Sector } : {}),
    ...(bound === 'ENTERPRISE' ? { uscc: uscc as string } : {}),
  };
}

export function createIdentity(options: IdentityOptions): Identity {
  const { db, jwt } = options;
  const now = options.now ?? (() => new Date());
  if (!db) throw new ConfigError('identity needs the gateway database (for API keys)');
  if (!jwt?.issuer || !jwt.audience) throw new ConfigError('identity needs the JWT issuer and audience');
  const secretBytes = jwt.secret !== undefined ? secretKey(jwt.secret) : undefined;
  // Imported into WebCrypto once, not by jose on every token (schema/src/hmac-key.ts).
  let imported: Promise<CryptoKey> | undefined;
  const secret = secretBytes ? () => (imported ??= hs256Key(secretBytes, ['verify'])) : undefined;
  const jwks = jwksKeys(jwt);
  if (!secret && !jwks) {
    throw new ConfigError('identity needs a key source: a JWT secret (JWT_SECRET), a JWKS file (JWT_JWKS_FILE) or a JWKS URL (JWT_JWKS_URL)');
  }

  async function fromToken(token: string): Promise<Caller> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw refuse('token is malformed: expected a signed JWT (header.payload.signature)');
    }
    const verifyOptions = {
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now(),
      requiredClaims: ['exp', 'sub'],
    };
    try {
      // Choose the key source by `alg`, then pin the algorithms to that source, so an HS256
      // token is never checked against a public key and vice versa.
      if (secret && typeof alg === 'string' && SECRET_ALGORITHMS.includes(alg)) {
        return callerFromClaims((await jwtVerify(token, await secret(), { ...verifyOptions, algorithms: SECRET_ALGORITHMS })).payload);
      }
      if (jwks && typeof alg === 'string' && JWKS_ALGORITHMS.includes(alg)) {
        return callerFromClaims((await jwtVerify(token, jwks, { ...verifyOptions, algorithms: JWKS_ALGORITHMS })).payload);
      }
    } catch (error) {
      if (error instanceof GraphQLError) throw error; // a coded refusal from callerFromClaims
      if (error instanceof errors.JOSEError) throw refuse(explain(error, jwt));
      throw refuse('token could not be verified: the key set is unavailable'); // e.g. the JWKS URL is down
    }
    const accepted = [...(secret ? SECRET_ALGORITHMS : []), ...(jwks ? JWKS_ALGORITHMS : [])];
    throw refuse(`unsupported token algorithm ${quote(alg)}; this gateway accepts ${accepted.join(', ')}`);
  }

  async function fromApiKey(key: string): Promise<Caller> {
    if (!isWellFormedApiKey(key)) throw refuse('malformed API key: expected cgk_<8 characters>_<43 characters>');
    const row = await findApiKey(db, key);
    if (!row) throw refuse(`unknown API key ${apiKeyLabel(key.slice(4, 12))}`);
    const label = apiKeyLabel(row.prefix);
    if (row.revokedAt) throw refuse(`API key ${label} was revoked at ${row.revokedAt.toISOString()}`);
    if (row.expiresAt && row.expiresAt.getTime() <= now().getTime()) {
      throw refuse(`API key ${label} expired at ${row.expiresAt.toISOString()}`);
    }
    const role = row.role as Role;
    // Re-checked on every use: a row edited in the database gains nothing beyond its role.
    if (bindingProblem(role, row.sector, row.uscc, row.institution ?? undefined)) throw refuse(`API key ${label} is not bound to a valid role`);
    const allowed = allowedScopes(role, (row.sector ?? undefined) as Sector | undefined);
    return {
      subject: row.subject,
      role,
      scopes: row.scopes.filter((scope) => allowed.includes(scope)),
      ...(row.institution ? { institution: row.institution } : {}),
      ...(row.sector ? { sector: row.sector as Sector } : {}),
      ...(row.uscc ? { uscc: row.uscc } : {}),
    };
  }

  return {
    async identify({ authorization, apiKey }) {
      const header = authorization?.trim();
      const key = apiKey?.trim();
      if (header && key) throw refuse('send one credential: either an Authorization bearer token or an x-api-key, not both');
      if (key) return fromApiKey(key);
      if (!header) return ANONYMOUS_CALLER;
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw refuse('the Authorization header must be "Bearer <token>"');
      return fromToken(match[1]!);
    },
  };
}

export interface TokenClaims {
  sub: string;
  role: Role;
  institution?: string;
  sector?: Sector;
  uscc?: string;
  /** Space-separated scopes; omitted means every scope the role allows. */
  scope?: string;
}

export interface SignTokenOptions {
  issuer?: string;
  audience?: string;
  /** A jose time span (`8h`, `30m`) or seconds. */
  expiresIn?: string | number;
}

/** An HS256 token as createIdentity accepts it (for the credentials CLI, `npm start` and tests). */
export async function signToken(secret: string, claims: TokenClaims, options: SignTokenOptions = {}): Promise<string> {
  const { sub, ...rest } = claims;
  const expiresIn = options.expiresIn ?? DEFAULT_TOKEN_TTL;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(options.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? `${expiresIn}s` : expiresIn)
    .sign(secretKey(secret));
}
