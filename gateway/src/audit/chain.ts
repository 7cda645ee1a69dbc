// The audit log's keyed hash chain. Each record's hash is an HMAC-SHA256, under a key kept
// outside the database, of the previous record's hash and the record's content; the record
// names the key (`keyId`) so that keys can rotate: new records use the current key, old ones
// keep verifying with theirs as long as it is listed. Someone who can write the audit table
// but does not hold a key cannot recompute a valid chain after an edit. Records written before
// keyed chains (keyId null) were hashed with plain SHA-256: `verify` reports them as legacy.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config.ts';

/** Shortest accepted key, in bytes (HMAC-SHA256 gains nothing past 64, loses below 32). */
export const MIN_AUDIT_KEY_BYTES = 32;
/** A key id: short, printable, stored in every record. */
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
/** Key id of the key derived from the caller-signing secret outside production. */
export const DERIVED_KEY_ID = 'derived';

export interface AuditKeys {
  /** The id new records are chained with (the first listed). */
  currentId: string;
  /** Every key that verifies, by id: the current one and the ones it replaced. */
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parses AUDIT_HMAC_KEYS, `kid:secret,kid:secret,...` with the current key first. A secret is
 * hex (64+ characters) or any text of at least MIN_AUDIT_KEY_BYTES bytes.
 * Throws ConfigError naming the problem (never the secret).
 */
export function parseAuditKeys(raw: string, variable = 'AUDIT_HMAC_KEYS'): AuditKeys {
  const keys = new Map<string, Buffer>();
  for (const item of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    const id = colon > 0 ? item.slice(0, colon) : '';
    const secret = colon > 0 ? item.slice(colon + 1) : '';
    if (!KEY_ID_PATTERN.test(id)) throw new ConfigError(`${variable}: each entry is "keyId:secret" with a key id of 1-32 letters, digits, ".", "_" or "-"`);
    if (keys.has(id)) throw new ConfigError(`${variable}: key id "${id}" is listed twice`);
    const bytes = /^[0-9a-f]+$/i.test(secret) && secret.length % 2 === 0 ? Buffer.from(secret, 'hex') : Buffer.from(secret, 'utf8');
    if (bytes.length < MIN_AUDIT_KEY_BYTES) throw new ConfigError(`${variable}: the secret of key "${id}" must be at least ${MIN_AUDIT_KEY_BYTES} bytes`);
    keys.set(id, bytes);
  }
  const [currentId] = keys.keys();
  if (!currentId) throw new ConfigError(`${variable} lists no key`);
  return { currentId, keys };
}

/**
 * The audit keys from the environment: AUDIT_HMAC_KEYS when set; otherwise, outside
 * production, one key derived (HKDF-SHA256) from the caller-signing secret, which is also kept
 * outside the database. Production must name its keys: ConfigError otherwise.
 */
export function auditKeysFromEnv(env: NodeJS.ProcessEnv, callerSigningSecret: string | undefined): AuditKeys {
  if (env.AUDIT_HMAC_KEYS) return parseAuditKeys(env.AUDIT_HMAC_KEYS);
  if (env.NODE_ENV === 'production') throw new ConfigError('AUDIT_HMAC_KEYS is required when NODE_ENV=production (e.g. "k1:<64 hex characters>")');
  if (!callerSigningSecret) throw new ConfigError('set AUDIT_HMAC_KEYS (or CALLER_SIGNING_SECRET, which a development key is derived from)');
  const derived = Buffer.from(hkdfSync('sha256', callerSigningSecret, 'credit-graph', 'audit-chain-v1', 32));
  return { currentId: DERIVED_KEY_ID, keys: new Map([[DERIVED_KEY_ID, derived]]) };
}

/** The previousHash of a chain's first record (the audit log's, and every signed-record chain's). */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted, so that the same content always hashes the same. */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJSON(object[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The hash of a legacy record (keyId null): SHA-256 of the previous hash and the content. */
export function legacyHash(fields: { previousHash: string }): string {
  return createHash('sha256').update(fields.previousHash + canonicalJSON(fields)).digest('hex');
}

/** The hash of a keyed record: HMAC-SHA256 under `key` of the previous hash and the content (keyId included). */
export function keyedHash(key: Buffer, fields: { previousHash: string; keyId: string }): string {
  return createHmac('sha256', key).update(fields.previousHash + canonicalJSON(fields)).digest('hex');
}

/**
 * The MAC of a checkpoint of a chain's head. The audit log's checkpoints carry no `chain`; every
 * other chain's names itself (`chain`), so that a checkpoint of one chain never passes for another's.
 */
export function checkpointMac(key: Buffer, checkpoint: { seq: string; hash: string; at: string; keyId: string; chain?: string }): string {
  return createHmac('sha256', key).update(`credit-graph audit checkpoint\n${canonicalJSON(checkpoint)}`).digest('hex');
}

/**
 * The MAC of a stand-alone signed record (a credit verification's evidence, ...): HMAC-SHA256
 * under `key` of a domain line and the record's canonical JSON, hex. The domain keeps a MAC of
 * one kind of record from ever passing for another's (or for an audit chain hash).
 */
export function recordMac(key: Buffer, domain: string, fields: unknown): string {
  return createHmac('sha256', key).update(`credit-graph ${domain}\n${canonicalJSON(fields)}`).digest('hex');
}

/** Whether two MACs or codes are the same text, compared in constant time (no timing tells how much of a guess was right). */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
