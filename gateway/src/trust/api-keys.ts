// Institutions' API keys, stored in the gateway's database. A key is `cgk_<prefix>_<secret>`:
// the prefix lets a person recognise a key in listings, the 256-bit secret makes it unguessable.
// Only SHA-256 of the whole key is stored (a fast hash is enough for 256 random bits); the key
// itself is shown once, at issue. Also here: the rules binding a role to its sector, USCC and
// scopes, shared with token verification in identity.ts.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  checkUscc,
  creditGraphError,
  ROLE_SCOPES,
  ROLES,
  SECTORS,
  type Role,
  type Sector,
} from '@credit-graph/contract';
import type { GatewayDb } from '../database.ts';
import type { ApiKey } from '../generated/prisma/client.ts';

export const API_KEY_TAG = 'cgk';
const PREFIX_BYTES = 4; // 8 hex characters
const SECRET_BYTES = 32; // 43 base64url characters
/** `cgk_` + 8 hex + `_` + 43 base64url: the only shape a key can have. */
const API_KEY_PATTERN = /^cgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/** The roles a credential can be issued for: everyone but the anonymous PUBLIC. */
export const CREDENTIAL_ROLES = ROLES.filter((role): role is Exclude<Role, 'PUBLIC'> => role !== 'PUBLIC');

/** Every scope a role may hold: its ROLE_SCOPES, plus `<sector>:write` for a sector platform. */
export function allowedScopes(role: Role, sector?: Sector): string[] {
  const scopes: string[] = [...ROLE_SCOPES[role]];
  if (role === 'SECTOR_PLATFORM' && sector) scopes.push(`${sector}:write`);
  return scopes;
}

/**
 * Why a role cannot be bound as given (missing sector or USCC, unknown role, an AGENCY without
 * its institution's valid USCC), or null. An agency is a public management body: the
 * verifications it makes, their stored evidence and the audit key on its institution.
 */
export function bindingProblem(role: unknown, sector: unknown, uscc: unknown, institution?: unknown): string | null {
  if (typeof role !== 'string' || !(CREDENTIAL_ROLES as readonly string[]).includes(role)) {
    return `role must be one of ${CREDENTIAL_ROLES.join(', ')}, got ${JSON.stringify(role ?? null)}`;
  }
  if (role === 'SECTOR_PLATFORM' && !(SECTORS as readonly unknown[]).includes(sector)) {
    return `a SECTOR_PLATFORM is bound to its sector: sector must be one of ${SECTORS.join(', ')}, got ${JSON.stringify(sector ?? null)}`;
  }
  if (role === 'ENTERPRISE') {
    if (typeof uscc !== 'string') return 'an ENTERPRISE is bound to its own USCC: uscc is missing';
    const problem = checkUscc(uscc);
    if (problem) return `uscc is not a valid USCC: ${problem.message}`;
  }
  if (role === 'AGENCY') {
    if (typeof institution !== 'string') return 'an AGENCY is bound to its institution: institution (its USCC) is missing';
    const problem = checkUscc(institution);
    if (problem) return `institution is not a valid USCC: ${problem.message}`;
  }
  return null;
}

export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** The recognisable, non-secret start of a key (`cgk_1a2b3c4d`), for messages and listings. */
export function apiKeyLabel(prefix: string): string {
  return `${API_KEY_TAG}_${prefix}`;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface IssueApiKeyInput {
  role: Role;
  /** Who the key is for (a system or person), reported as the caller's subject. */
  subject: string;
  institution?: string;
  sector?: Sector;
  uscc?: string;
  /** Defaults to every scope the role allows. */
  scopes?: readonly string[];
  expiresAt?: Date;
}

export type ApiKeySummary = Omit<ApiKey, 'hash'>;

const SUMMARY_FIELDS = {
  id: true,
  prefix: true,
  subject: true,
  role: true,
  institution: true,
  sector: true,
  uscc: true,
  scopes: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

/** Issues a key and returns it; this is the only time the key exists outside the caller's hands. */
export async function issueApiKey(db: GatewayDb, input: IssueApiKeyInput): Promise<{ id: string; key: string }> {
  const problem = bindingProblem(input.role, input.sector, input.uscc, input.institution);
  if (problem) throw creditGraphError('BAD_USER_INPUT', problem);
  if (!input.subject?.trim()) throw creditGraphError('BAD_USER_INPUT', 'subject must name who the key is for');
  if (input.sector && input.role !== 'SECTOR_PLATFORM') {
    throw creditGraphError('BAD_USER_INPUT', `only a SECTOR_PLATFORM key is bound to a sector, not a ${input.role} key`);
  }
  const allowed = allowedScopes(input.role, input.sector);
  const scopes = [...new Set(input.scopes ?? allowed)];
  const extra = scopes.filter((scope) => !allowed.includes(scope));
  if (extra.length > 0) {
    throw creditGraphError(
      'BAD_USER_INPUT',
      `a ${input.role} key cannot carry scope(s) ${extra.join(', ')}; allowed: ${allowed.join(', ') || '(none)'}`,
    );
  }
  if (input.expiresAt && !(input.expiresAt.getTime() > Date.now())) {
    throw creditGraphError('BAD_USER_INPUT', `expiresAt must be in the future, got ${input.expiresAt.toISOString()}`);
  }

  const prefix = randomBytes(PREFIX_BYTES).toString('hex');
  const key = `${apiKeyLabel(prefix)}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  const id = randomUUID();
  await db.apiKey.create({
    data: {
      id,
      prefix,
      hash: hashKey(key),
      subject: input.subject,
      role: input.role,
      institution: input.institution ?? null,
      sector: input.role === 'SECTOR_PLATFORM' ? input.sector! : null,
      uscc: input.role === 'ENTERPRISE' ? input.uscc! : null,
      scopes,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { id, key };
}

/** Revokes a key (keeping the first revocation time); null when there is no such key. */
export async function revokeApiKey(db: GatewayDb, id: string): Promise<ApiKeySummary | null> {
  const row = await db.apiKey.findUnique({ where: { id }, select: SUMMARY_FIELDS });
  if (!row || row.revokedAt) return row;
  return db.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: SUMMARY_FIELDS });
}

/** Every key, oldest first, without hashes. */
export async function listApiKeys(db: GatewayDb): Promise<ApiKeySummary[]> {
  return db.apiKey.findMany({ select: SUMMARY_FIELDS, orderBy: { createdAt: 'asc' } });
}

/** The key's row, revoked or expired ones included (the caller decides); null when unknown or malformed. */
export async function findApiKey(db: GatewayDb, key: string): Promise<ApiKey | null> {
  if (!isWellFormedApiKey(key)) return null; // no database round trip for junk
  return db.apiKey.findUnique({ where: { hash: hashKey(key) } });
}
