// Issues credentials for each role:
//   tsx scripts/credentials.ts token --role BANK --institution <USCC> [--sector s] [--uscc c] [--scope "a b"] [--ttl 8h] [--subject s]
//   tsx scripts/credentials.ts api-key issue --role ... (same binding options) [--expires 2027-01-01]
//   tsx scripts/credentials.ts api-key revoke <id>
//   tsx scripts/credentials.ts api-key list
//   tsx scripts/credentials.ts worker-authorization --worker wk_<16 hex> [--ttl 2h]
// Tokens are HS256, signed with JWT_SECRET for JWT_ISSUER / JWT_AUDIENCE. API keys go to the
// gateway's database (GATEWAY_DATABASE_URL, else PGlite under DATA_DIR). A worker authorization
// (the code a worker shows a household, at most 24 h) is signed with JWT_SECRET for JWT_ISSUER;
// the housekeeping platform issues it once the worker agrees. Bad arguments exit with 2.
import { isValidUscc, type Role, type Sector } from '@credit-graph/contract';
import { allowedScopes, apiKeyLabel, bindingProblem, issueApiKey, listApiKeys, revokeApiKey } from '../gateway/src/trust/api-keys.ts';
import { jwtOptionsFromEnv, MIN_HS256_SECRET_BYTES, signToken, DEFAULT_TOKEN_TTL } from '../gateway/src/trust/identity.ts';
import {
  DEFAULT_WORKER_AUTHORIZATION_TTL,
  issueWorkerAuthorization,
  WORKER_AUTHORIZATION_HEADER,
} from '../gateway/src/trust/worker-authorization.ts';
import type { GatewayDb } from '../gateway/src/database.ts';
import { parseCommandLine, runCommand, UsageError, withGatewayDatabase } from './cli.ts';

const USAGE = `usage:
  credentials token --role ROLE [--institution USCC] [--sector SECTOR] [--uscc USCC] [--scope "a b"] [--ttl ${DEFAULT_TOKEN_TTL}] [--subject ID]
  credentials api-key issue --role ROLE [--institution USCC] [--sector SECTOR] [--uscc USCC] [--scope "a b"] [--expires 2027-01-01] [--subject ID]
  credentials api-key revoke ID
  credentials api-key list
  credentials worker-authorization --worker WORKER_ID [--ttl ${DEFAULT_WORKER_AUTHORIZATION_TTL}]`;

const GRANT_OPTIONS = {
  role: { type: 'string' },
  institution: { type: 'string' },
  sector: { type: 'string' },
  uscc: { type: 'string' },
  scope: { type: 'string' },
  subject: { type: 'string' },
  ttl: { type: 'string' },
  expires: { type: 'string' },
  worker: { type: 'string' },
} as const;

const parse = (args: string[]) => parseCommandLine(args, GRANT_OPTIONS);

type Values = ReturnType<typeof parse>['values'];

/** The role binding and scopes from the options, checked as the gateway will check them. */
function grant(values: Values) {
  const problem = bindingProblem(values.role, values.sector, values.uscc);
  if (problem) throw new UsageError(problem);
  const role = values.role as Role;
  const sector = values.sector as Sector | undefined;
  if (sector && role !== 'SECTOR_PLATFORM') throw new UsageError(`--sector applies to SECTOR_PLATFORM only, not ${role}`);
  if (values.uscc && role !== 'ENTERPRISE') throw new UsageError(`--uscc applies to ENTERPRISE only, not ${role}`);
  // Banks, platforms and regulators act as an institution: consents and audit key on its USCC.
  if (role === 'BANK' || role === 'SECTOR_PLATFORM' || role === 'REGULATOR') {
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

/** The gateway's JWT settings, with a secret long enough to sign with. */
function signingJwt() {
  const jwt = jwtOptionsFromEnv();
  if (!jwt.secret) throw new UsageError('set JWT_SECRET (the gateway\'s HS256 secret) to sign tokens');
  if (Buffer.byteLength(jwt.secret) < MIN_HS256_SECRET_BYTES) {
    throw new UsageError(`JWT_SECRET must be at least ${MIN_HS256_SECRET_BYTES} bytes`);
  }
  return { ...jwt, secret: jwt.secret };
}

function timeSpan(ttl: string): string {
  if (!/^\d+\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i.test(ttl)) {
    throw new UsageError(`--ttl must be a time span such as 30m, 8h or 7d, got "${ttl}"`);
  }
  return ttl;
}

async function token(values: Values): Promise<void> {
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

async function workerAuthorization(values: Values): Promise<void> {
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

async function apiKey(action: string | undefined, positionals: string[], values: Values): Promise<void> {
  if (values.worker) throw new UsageError('--worker is for worker-authorization');
  if (action === 'issue') {
    if (values.ttl) throw new UsageError('--ttl is for tokens; API keys take --expires');
    const { role, sector, uscc, institution, scopes, subject } = grant(values);
    const expiresAt = values.expires ? date(values.expires) : undefined;
    await withDatabase(async (db) => {
      const issued = await issueApiKey(db, { role, subject, institution, sector, uscc, scopes, expiresAt });
      console.log(`id   ${issued.id}\nkey  ${issued.key}`);
      console.error('The key is shown only now: store it safely. Send it as the x-api-key header.');
    });
  } else if (action === 'revoke') {
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError('api-key revoke takes one key id (see api-key list)');
    await withDatabase(async (db) => {
      const row = await revokeApiKey(db, id);
      if (!row) {
        console.error(`no API key with id ${id}`);
        process.exitCode = 1;
        return;
      }
      console.log(`revoked ${row.id} (${apiKeyLabel(row.prefix)}) at ${row.revokedAt!.toISOString()}`);
    });
  } else if (action === 'list') {
    if (positionals.length > 0) throw new UsageError('api-key list takes no arguments');
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
  } else {
    throw new UsageError(`unknown api-key command "${action ?? ''}": use issue, revoke or list`);
  }
}

const withDatabase = (work: (db: GatewayDb) => Promise<void>) => withGatewayDatabase((gateway) => work(gateway.db));

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'token') {
    const { values, positionals } = parse(rest);
    if (positionals.length > 0) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
    return token(values);
  }
  if (command === 'worker-authorization') {
    const { values, positionals } = parse(rest);
    if (positionals.length > 0) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
    return workerAuthorization(values);
  }
  if (command === 'api-key') {
    const [action, ...args] = rest;
    const { values, positionals } = parse(args);
    return apiKey(action, positionals, values);
  }
  throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
}

// issueApiKey refuses what the checks above let through with BAD_USER_INPUT: also a usage error.
await runCommand(USAGE, () => main(process.argv.slice(2)));
