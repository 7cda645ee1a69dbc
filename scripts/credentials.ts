// Issues credentials for each role (`credit-graph credentials ...`, `npm run credentials -- ...`;
// the CLI in scripts/credit-graph.ts parses the arguments and calls these functions):
//   credentials token --role BANK --institution <USCC> [--sector s] [--uscc c] [--scope "a b"] [--ttl 8h] [--subject s]
//   credentials api-key issue --role ... (same binding options) [--expires 2027-01-01]
//   credentials api-key revoke <id>
//   credentials api-key list
//   credentials worker-authorization --worker wk_<16 hex> [--ttl 2h]
// Tokens are HS256, signed with JWT_SECRET for JWT_ISSUER / JWT_AUDIENCE. API keys go to the
// gateway's database (GATEWAY_DATABASE_URL, else PGlite under DATA_DIR). A worker authorization
// (the code a worker shows a household, at most 24 h) is signed with JWT_SECRET for JWT_ISSUER;
// the housekeeping platform issues it once the worker agrees. Bad arguments exit with 2.
import { isValidUscc, type Role, type Sector } from '@credit-graph/contract';
import { allowedScopes, apiKeyLabel, bindingProblem, issueApiKey, listApiKeys, revokeApiKey } from '../gateway/src/trust/api-keys.ts';
import { MIN_HS256_SECRET_BYTES, signToken, DEFAULT_TOKEN_TTL } from '../gateway/src/trust/identity.ts';
import {
  DEFAULT_WORKER_AUTHORIZATION_TTL,
  issueWorkerAuthorization,
  WORKER_AUTHORIZATION_HEADER,
} from '../gateway/src/trust/worker-authorization.ts';
import type { GatewayDb } from '../gateway/src/database.ts';
import { UsageError, withGatewayDatabase } from './cli.ts';
import { ConfigError, jwtOptions } from '../gateway/src/config.ts';
import { readEmbeddedSecrets } from './embedded.ts';

/** Options of the credential commands (strings as typed; checked here as the gateway checks them). */
export interface CredentialOptions {
  role?: string;
  institution?: string;
  sector?: string;
  uscc?: string;
  scope?: string;
  subject?: string;
  ttl?: string;
  expires?: string;
  worker?: string;
}

type Values = CredentialOptions;

/** The role binding and scopes from the options, checked as the gateway will check them. */
function grant(values: Values) {
  const problem = bindingProblem(values.role, values.sector, values.uscc, values.institution);
  if (problem) throw new UsageError(problem);
  const role = values.role as Role;
  const sector = values.sector as Sector | undefined;
  if (sector && role !== 'SECTOR_PLATFORM') throw new UsageError(`--sector applies to SECTOR_PLATFORM only, not ${role}`);
  if (values.uscc && role !== 'ENTERPRISE') throw new UsageError(`--uscc applies to ENTERPRISE only, not ${role}`);
  // Banks, platforms, regulators and agencies act as an institution: consents, verifications and audit key on its USCC.
  if (role === 'BANK' || role === 'SECTOR_PLATFORM' || role === 'REGULATOR' || role === 'AGENCY') {
    if (!values.institution) throw new UsageError(`a ${role} acts for an institution: give --institution <its USCC>`);
  }
  if (values.institution && !isValidUscc(values.institution)) {
    throw new UsageError(`--institution must be the institution's USCC, got "${values.institution}"`);
  }
  const allowed = allowedScopes(role, sector);
  const scopes = values.scope === undefined ? undefined : values.scope.split(/\s+/).filter(Boolean);
  const extra = scopes?.filter((scope) => !allowed.includes(scope)) ?? [];
  if (extra.length > 0) throw new UsageError(`a ${role} cannot hold ${extra.join(', ')}; allowed: ${allowed.join(', ') || '(none)'}`);
  const subject = values.subject ?? values.uscc ?? values.institution ?? `${role.toLowerCase()}-cli`;
  return { role, sector, uscc: values.uscc, institution: values.institution, scopes, subject };
}

/**
 * The gateway's JWT settings, with a secret long enough to sign with: JWT_SECRET, else the one
 * `npm start` generated for the embedded default (DATA_DIR/secrets.json). Neither is a refusal
 * (ConfigError, exit 1), not a mistake in the command line.
 */
function signingJwt() {
  const jwt = jwtOptions({ ...process.env, JWT_SECRET: process.env.JWT_SECRET || readEmbeddedSecrets().JWT_SECRET });
  if (!jwt.secret) throw new ConfigError('set JWT_SECRET (the gateway\'s HS256 secret) to sign tokens, or run `npm start` once so that it generates one');
  if (Buffer.byteLength(jwt.secret) < MIN_HS256_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_HS256_SECRET_BYTES} bytes`);
  }
  return { ...jwt, secret: jwt.secret };
}

function timeSpan(ttl: string): string {
  if (!/^\d+\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.test(ttl)) {
    throw new UsageError(`--ttl must be a time span such as 30m, 8h or 7d, got "${ttl}"`);
  }
  return ttl;
}

/** Prints a signed bearer token for the role binding in `values`. */
export async function token(values: Values): Promise<void> {
  if (values.expires) throw new UsageError('--expires is for API keys; tokens take --ttl');
  if (values.worker) throw new UsageError('--worker is for worker-authorization');
  const { role, sector, uscc, institution, scopes, subject } = grant(values);
  const jwt = signingJwt();
  const ttl = timeSpan(values.ttl ?? DEFAULT_TOKEN_TTL);
  const claims = {
    sub: subject,
    role,
    ...(institution ? { institution } : {}),
    ...(sector ? { sector } : {}),
    ...(uscc ? { uscc } : {}),
    ...(scopes ? { scope: scopes.join(' ') } : {}),
  };
  console.log(await signToken(jwt.secret, claims, { issuer: jwt.issuer, audience: jwt.audience, expiresIn: ttl }));
}

/** Prints a worker authorization (the short-lived code a worker shows a household). */
export async function workerAuthorization(values: Values): Promise<void> {
  const { worker, ttl, ...others } = values;
  const extra = Object.keys(others).filter((name) => others[name as keyof typeof others] !== undefined);
  if (extra.length > 0) throw new UsageError(`worker-authorization takes only --worker and --ttl, not --${extra.join(', --')}`);
  if (!worker) throw new UsageError('give --worker <the worker id, wk_ + 16 hex characters>');
  const jwt = signingJwt();
  // issueWorkerAuthorization refuses a bad worker id or --ttl (over 24 h) with BAD_USER_INPUT.
  const authorization = await issueWorkerAuthorization(jwt.secret, worker, ttl ?? DEFAULT_WORKER_AUTHORIZATION_TTL, { issuer: jwt.issuer });
  console.log(authorization);
  console.error(`The household sends it as the ${WORKER_AUTHORIZATION_HEADER} header to see worker ${worker} unmasked.`);
}

function date(raw: string): Date {
  const value = new Date(raw);
  if (Number.isNaN(value.getTime())) throw new UsageError(`--expires must be a date such as 2027-01-01, got "${raw}"`);
  if (value.getTime() <= Date.now()) throw new UsageError(`--expires must be in the future, got ${value.toISOString()}`);
  return value;
}

/** Issues an API key bound as in `values`; prints its id and the key (shown once). */
export async function apiKeyIssue(values: Values): Promise<void> {
  if (values.worker) throw new UsageError('--worker is for worker-authorization');
  if (values.ttl) throw new UsageError('--ttl is for tokens; API keys take --expires');
  const { role, sector, uscc, institution, scopes, subject } = grant(values);
  const expiresAt = values.expires ? date(values.expires) : undefined;
  await withDatabase(async (db) => {
    const issued = await issueApiKey(db, { role, subject, institution, sector, uscc, scopes, expiresAt });
    console.log(`id   ${issued.id}\nkey  ${issued.key}`);
    console.error('The key is shown only now: store it safely. Send it as the x-api-key header.');
  });
}

/** Revokes the API key with this id; exit code 1 when there is none. */
export async function apiKeyRevoke(id: string): Promise<void> {
  await withDatabase(async (db) => {
    const row = await revokeApiKey(db, id);
    if (!row) {
      console.error(`no API key with id ${id}`);
      process.exitCode = 1;
      return;
    }
    console.log(`revoked ${row.id} (${apiKeyLabel(row.prefix)}) at ${row.revokedAt!.toISOString()}`);
  });
}

/** Lists every API key: id, label, binding, scopes and status (never the key itself). */
export async function apiKeyList(): Promise<void> {
  await withDatabase(async (db) => {
    const rows = await listApiKeys(db);
    if (rows.length === 0) console.log('no API keys');
    const now = Date.now();
    for (const row of rows) {
      const status = row.revokedAt
        ? `revoked ${row.revokedAt.toISOString()}`
        : row.expiresAt && row.expiresAt.getTime() <= now
          ? `expired ${row.expiresAt.toISOString()}`
          : `active${row.expiresAt ? ` until ${row.expiresAt.toISOString()}` : ''}`;
      const binding = [row.institution && `institution=${row.institution}`, row.sector && `sector=${row.sector}`, row.uscc && `uscc=${row.uscc}`]
        .filter(Boolean)
        .join(' ');
      console.log(`${row.id}  ${apiKeyLabel(row.prefix)}…  ${row.role}  ${row.subject}  ${binding}  scopes=${row.scopes.join(',') || '-'}  ${status}`);
    }
  });
}

const withDatabase = (work: (db: GatewayDb) => Promise<void>) => withGatewayDatabase((gateway) => work(gateway.db));
