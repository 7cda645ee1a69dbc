// The embedded default's generated secrets and audit settings, shared by `npm start` (which
// makes them) and the operator commands (which must use the same ones): the caller-signing
// secret, the JWT secret and the audit chain's keys, kept in DATA_DIR/secrets.json (mode 0600,
// in a 0700 folder); the audit checkpoint file beside it.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { callerSigningKeys, dataRoot, databaseTarget } from '@credit-graph/contract';
import { auditKeysFromEnv, type AuditKeys } from '../gateway/src/audit/chain.ts';

const SECRET_NAMES = ['CALLER_SIGNING_SECRET', 'JWT_SECRET', 'AUDIT_HMAC_KEYS'] as const;
export type EmbeddedSecrets = Record<(typeof SECRET_NAMES)[number], string>;

/** Where the embedded default keeps its generated secrets. */
export function secretsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataRoot(env), 'secrets.json');
}

/** The embedded default's audit checkpoint file, used when AUDIT_CHECKPOINT_FILE is not set. */
export function embeddedCheckpointFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataRoot(env), 'audit-checkpoint.json');
}

/** The data folder, created (or narrowed) to its owner only: it holds databases and secrets. */
export function ensureDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = dataRoot(env);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  return root;
}

/** The stored secrets, or none yet. */
export function readEmbeddedSecrets(env: NodeJS.ProcessEnv = process.env): Partial<EmbeddedSecrets> {
  const file = secretsFile(env);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedSecrets>) : {};
}

/**
 * The embedded default's secrets: taken from the environment when set (production), else
 * generated once and kept in the data folder so that tokens and the audit chain outlive a restart.
 */
export function ensureEmbeddedSecrets(env: NodeJS.ProcessEnv = process.env): EmbeddedSecrets {
  const stored = readEmbeddedSecrets(env);
  const secrets: EmbeddedSecrets = {
    CALLER_SIGNING_SECRET: env.CALLER_SIGNING_SECRET ?? stored.CALLER_SIGNING_SECRET ?? randomBytes(32).toString('hex'),
    JWT_SECRET: env.JWT_SECRET ?? stored.JWT_SECRET ?? randomBytes(32).toString('hex'),
    AUDIT_HMAC_KEYS: env.AUDIT_HMAC_KEYS ?? stored.AUDIT_HMAC_KEYS ?? `a1:${randomBytes(32).toString('hex')}`,
  };
  ensureDataRoot(env);
  const file = secretsFile(env);
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600); // an older file may have been made with a wider mode
  return secrets;
}

/** The current caller-signing secret (CALLER_SIGNING_KEYS' first, or CALLER_SIGNING_SECRET), if set and valid. */
function currentCallerSecret(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return callerSigningKeys(env)[0].secret;
  } catch {
    return undefined;
  }
}

export interface AuditSettings {
  keys: AuditKeys;
  checkpointFile: string | undefined;
  redisUrl: string | undefined;
  /** AUDIT_CHECKPOINT_REDIS_KEY, when the gateway was given one. */
  redisKey: string | undefined;
}

/**
 * What an operator command needs to verify the audit log the gateway writes: its keys
 * (AUDIT_HMAC_KEYS, else the embedded default's stored ones) and its checkpoint stores
 * (AUDIT_CHECKPOINT_FILE, else the embedded default's file; Redis when REDIS_URL is set).
 */
export function auditSettings(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  const embedded = databaseTarget('gateway', env).kind === 'pglite';
  const stored = embedded ? readEmbeddedSecrets(env) : {};
  const withStored = { ...env, AUDIT_HMAC_KEYS: env.AUDIT_HMAC_KEYS ?? stored.AUDIT_HMAC_KEYS };
  return {
    // The gateway derives a development key from its current caller-signing key: the same here.
    keys: auditKeysFromEnv(withStored, currentCallerSecret(env) ?? stored.CALLER_SIGNING_SECRET),
    checkpointFile: env.AUDIT_CHECKPOINT_FILE ? path.resolve(env.AUDIT_CHECKPOINT_FILE) : embedded ? embeddedCheckpointFile(env) : undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisKey: env.AUDIT_CHECKPOINT_REDIS_KEY || undefined,
  };
}
