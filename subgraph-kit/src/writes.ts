// Writes, the same way in every subgraph: input checked field by field before anything is
// stored, one transaction per write, an idempotency key that makes a retried write return the
// first write's record instead of a second one, and a report of what changed for the gateway.
import { createHash } from 'node:crypto';
import { businessToday, creditGraphError, isoDate, type Caller, type CreditChange } from '@credit-graph/contract';

/** The table every subgraph's migration creates for idempotency keys (see 0002 migrations). */
const IDEMPOTENCY_TABLE = '"IdempotencyKey"';
const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/** What the kit needs of a generated Prisma client (or its transaction client) to write. */
export interface RawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}
export interface TransactionalClient<Tx extends RawClient = RawClient> extends RawClient {
  $transaction<T>(write: (tx: Tx) => Promise<T>, options?: { timeout?: number; maxWait?: number }): Promise<T>;
}

/** Per-request write state in the subgraph context: the changes to report to the gateway. */
export interface WriteContext {
  caller: Caller;
  changes: CreditChange[];
}

/** A field-level input error: the message and `extensions.field` name the input field at fault. */
export function inputError(field: string, message: string, extensions: Record<string, unknown> = {}) {
  return creditGraphError('BAD_USER_INPUT', `${field}: ${message}`, { field, ...extensions });
}

/** A workflow step the current state does not allow. */
export function invalidTransition(message: string, state: string, extensions: Record<string, unknown> = {}) {
  return creditGraphError('INVALID_TRANSITION', message, { state, ...extensions });
}

/**
 * Refuses dates after today, the business day in Zhengzhou (see the contract's clock): nothing
 * is decided, found or reported in the future. `date` and `today` are UTC midnights.
 */
export function assertNotFuture(field: string, date: Date, today = businessToday()): Date {
  if (date > today) {
    throw inputError(field, `${isoDate(date)} is in the future; today is ${isoDate(today)}`);
  }
  return date;
}

export function assertNotNegative(field: string, amount: number): number {
  if (!Number.isFinite(amount) || amount < 0) throw inputError(field, `must be zero or more, got ${amount}`);
  return amount;
}

export function assertText(field: string, value: string, maxLength = 2000): string {
  const trimmed = value.trim();
  if (trimmed === '') throw inputError(field, 'must not be empty');
  if (trimmed.length > maxLength) throw inputError(field, `must be at most ${maxLength} characters, got ${trimmed.length}`);
  return trimmed;
}

export function assertOrder(laterField: string, later: Date, earlierField: string, earlier: Date): void {
  if (later < earlier) throw inputError(laterField, `must not be before ${earlierField}`);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

interface StoredKey {
  operation: string;
  requestHash: string;
  resultId: string;
  /** What the first write reported (null for keys stored before changes were kept). */
  changes: CreditChange[] | null;
}

export interface IdempotentWrite {
  /** The caller's key for this write; the same key and input on retry return the first result. */
  key: string;
  /** The mutation's name: a key is bound to one operation. */
  operation: string;
  /** The write's input, as received: a key reused with other input is refused. */
  input: unknown;
}

/**
 * Runs `write` once per idempotency key and institution, in one transaction with the key, and
 * returns the id of the record it wrote. A retry with the same key and input returns the same
 * id without writing; the same key with other input is IDEMPOTENCY_KEY_REUSED. Concurrent
 * retries are safe: the key's primary key makes the second wait for the first and then find it.
 * The changes `write` returns are stored with the key and reported by the write and by every
 * replay of it: the gateway files them in its change feed once per write (by its write intent),
 * so a retry completes a feed entry that the first attempt could not store.
 */
export async function idempotentWrite<Tx extends RawClient>(
  db: TransactionalClient<Tx>,
  context: WriteContext,
  request: IdempotentWrite,
  write: (tx: Tx) => Promise<{ id: string; changes?: CreditChange[] }>,
): Promise<string> {
  if (!IDEMPOTENCY_KEY_PATTERN.test(request.key)) {
    throw inputError('idempotencyKey', 'must be 8 to 128 characters of letters, digits, ".", "_", ":" or "-" (a UUID is a good key)');
  }
  // Keys are per institution: two banks may pick the same UUID without colliding.
  const scope = context.caller.institution ?? context.caller.subject;
  const requestHash = createHash('sha256').update(canonical(request.input)).digest('hex');
  const outcome = await db.$transaction(
    async (tx) => {
      const inserted = await tx.$executeRawUnsafe(
        `INSERT INTO ${IDEMPOTENCY_TABLE} ("scope", "key", "operation", "requestHash", "resultId") VALUES ($1, $2, $3, $4, '') ON CONFLICT ("scope", "key") DO NOTHING`,
        scope,
        request.key,
        request.operation,
        requestHash,
      );
      if (inserted === 0) {
        const [stored] = await tx.$queryRawUnsafe<StoredKey[]>(
          `SELECT "operation", "requestHash", "resultId", "changes" FROM ${IDEMPOTENCY_TABLE} WHERE "scope" = $1 AND "key" = $2`,
          scope,
          request.key,
        );
        if (!stored || stored.operation !== request.operation || stored.requestHash !== requestHash) {
          throw creditGraphError(
            'IDEMPOTENCY_KEY_REUSED',
            `idempotencyKey "${request.key}" was already used by ${scope} for ${stored?.operation === request.operation ? 'a write with other input' : `another operation (${stored?.operation})`}: use a new key for a new write`,
            { field: 'idempotencyKey' },
          );
        }
        return { id: stored.resultId, changes: Array.isArray(stored.changes) ? stored.changes : [] };
      }
      const result = await write(tx);
      await tx.$executeRawUnsafe(
        `UPDATE ${IDEMPOTENCY_TABLE} SET "resultId" = $3, "changes" = $4::jsonb WHERE "scope" = $1 AND "key" = $2`,
        scope,
        request.key,
        result.id,
        JSON.stringify(result.changes ?? []),
      );
      return { id: result.id, changes: result.changes ?? [] };
    },
    { timeout: 15_000, maxWait: 15_000 },
  );
  context.changes.push(...outcome.changes);
  return outcome.id;
}

/** A new record id: a short prefix saying what it is, then random hex. */
export function newRecordId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
}
