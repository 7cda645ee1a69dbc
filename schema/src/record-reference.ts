// A negative credit record's reference: how an enterprise names one of its records when it
// files an objection or applies for repair. Records live in the sector that reported them; the
// registry, which runs objections and repair, cannot read another subgraph's database. So the
// owning subgraph hands out a reference signed with the secret every subgraph shares, carrying
// what the registry needs to decide (whose record, how severe, decided when). A reference that
// verifies is a record the owning sector really holds, for that enterprise.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SECTORS } from './caller.ts';
import { creditGraphError } from './errors.ts';
import { isValidUscc } from './uscc.ts';

/** Where a negative record is kept: a sector subgraph, or the registry (penalties, commitment breaches). */
export const RECORD_SOURCES = ['registry', ...SECTORS] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

export const SEVERITIES = ['MINOR', 'GENERAL', 'SEVERE'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RecordReference {
  source: RecordSource;
  /** The record's id in its source subgraph. */
  id: string;
  uscc: string;
  severity: Severity;
  /** The decision date, YYYY-MM-DD: the publication window runs from it. */
  decidedOn: string;
  /** What kind of record it is, in the source's words (e.g. EnvironmentalViolation). */
  kind: string;
}

/**
 * The negative record kinds that are public information, per source: 双公示 penalties, disclosed
 * violations, published tax arrears (欠税公告), elderly-care inspections and penalties, breached
 * public commitments. Every other kind (social insurance, housing fund and utility arrears,
 * delinquent loans, logistics incidents, consumer complaints) is non-public credit data (征信业
 * 管理条例 art. 14): so is its lifecycle (objections, repairs, record states), which shows the
 * record's kind, severity and the enterprise's reasons. A kind not listed here is non-public:
 * a new kind stays closed until someone decides it is public.
 */
export const PUBLIC_RECORD_KINDS: Readonly<Record<RecordSource, readonly string[]>> = Object.freeze({
  registry: ['AdministrativePenalty', 'CreditCommitmentBreach'],
  finance: ['TaxArrears'],
  'supply-chain': [],
  environment: ['EnvironmentalViolation'],
  housekeeping: ['ElderlyCareInspection', 'ElderlyCarePenalty'],
  trade: ['DeclarationViolation'],
});

/** True when records of this source and kind are public information (see PUBLIC_RECORD_KINDS). */
export function isPublicRecordKind(source: RecordSource, kind: string): boolean {
  return PUBLIC_RECORD_KINDS[source]?.includes(kind) ?? false;
}

/** The key under which the registry keeps a record's lifecycle state: `<source>:<id>`. */
export function recordKey(reference: Pick<RecordReference, 'source' | 'id'>): string {
  return `${reference.source}:${reference.id}`;
}

/**
 * A key of its own per purpose, derived from the caller secret (a reference is never a valid
 * caller signature): HMAC-SHA256(secret, label). Derived once per secret and label, not per
 * record: a portfolio of 500 signs and seals thousands of references.
 */
const derivedKeys = new Map<string, Buffer>();
function derivedKey(secret: string, label: string): Buffer {
  const id = `${label}\u0000${secret}`;
  let key = derivedKeys.get(id);
  if (!key) {
    key = createHmac('sha256', secret).update(label).digest();
    // The secrets are the few configured caller keys; a bound keeps a misuse from growing it.
    if (derivedKeys.size >= 64) derivedKeys.clear();
    derivedKeys.set(id, key);
  }
  return key;
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', derivedKey(secret, 'credit-graph/record-reference/v1')).update(payload).digest('base64url').slice(0, 32);
}

/** How a sealed record key starts: a state shown without naming its record. */
export const SEALED_KEY_PREFIX = 'sealed:';

/**
 * A record key (`<source>:<id>`) sealed with the shared secret: the registry shows the lifecycle
 * state of a non-public record under this key to a caller who may not see the record, so that
 * the sector subgraphs still count it correctly (public signals) while the caller learns neither
 * the source, the id, the kind nor the severity. Only a holder of the secret can match it.
 */
export function sealRecordKey(key: string, secret: string): string {
  const mac = createHmac('sha256', derivedKey(secret, 'credit-graph/record-state/v1')).update(key).digest('base64url');
  return `${SEALED_KEY_PREFIX}${mac.slice(0, 32)}`;
}

export function signRecordReference(reference: RecordReference, secret: string): string {
  const { source, id, uscc, severity, decidedOn, kind } = reference;
  const payload = Buffer.from(JSON.stringify([source, id, uscc, severity, decidedOn, kind]), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

function badReference(argumentName: string, why: string) {
  return creditGraphError(
    'BAD_USER_INPUT',
    `"${argumentName}" is not a record reference Credit Graph issued (${why}): copy the "reference" of the record's publication field exactly`,
    { argumentName },
  );
}

/** The record a reference names; BAD_USER_INPUT when it was not issued by a subgraph (or was altered). */
export function verifyRecordReference(token: string, secret: string, argumentName = 'reference'): RecordReference {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) throw badReference(argumentName, 'malformed');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw badReference(argumentName, 'bad signature');
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw badReference(argumentName, 'malformed');
  }
  const [source, id, uscc, severity, decidedOn, kind] = Array.isArray(fields) ? fields : [];
  if (
    !RECORD_SOURCES.includes(source) ||
    typeof id !== 'string' ||
    !isValidUscc(uscc) ||
    !SEVERITIES.includes(severity) ||
    typeof decidedOn !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(decidedOn) ||
    typeof kind !== 'string'
  ) {
    throw badReference(argumentName, 'malformed');
  }
  return { source: source as RecordSource, id, uscc: uscc as string, severity: severity as Severity, decidedOn, kind };
}


