// Writes, from the gateway's side: a write must name registered enterprises, it is on record
// (a write intent) before it reaches a subgraph, and what it changed goes into banks' change
// feed exactly once, so that monitoring a loan book needs no re-scan.
//
// The subgraph that wrote reports its changes in its response's extensions (the contract's
// credit-changes.ts), on the first write and on every idempotent replay of it; the subgraph
// client collects them on the request context. After the write, the gateway reads the
// enterprises' evaluation grade in-process (transport/internal.ts): a grade that moved is a
// change of its own (GRADE). The changes are stored in one transaction with the intent's
// "fed" mark, before the answer leaves; if that fails, the caller is told to retry with the
// same idempotency key, and the retry files what the first attempt could not.
import { createHash, randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type ASTNode } from 'graphql';
import {
  CHANGE_KINDS,
  creditGraphError,
  CREDIT_CHANGES_EXTENSION,
  isValidUscc,
  RECORD_SOURCES,
  type Caller,
  type RawQuery,
  type CreditChange,
} from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import type { GatewayDb } from '../database.ts';
import type { InternalExecutor } from '../transport/internal.ts';
import { namedEnterprises } from '../trust/subjects.ts';

export interface ChangeContext {
  caller: Caller;
  /** Changes the subgraphs reported while executing this request. */
  creditChanges?: CreditChange[];
  /** For a write: its intent, on record before the write was sent (see openIntent). */
  writeIntent?: { id: string };
  /** For a write: settles when the checks and the intent before it are done (either way). */
  writePrepared?: Promise<void>;
  /** The request id, when the request context carries one. */
  requestId?: string;
}

export interface Grade {
  grade: string;
  score: number;
}

/** Reads grades: an enterprise whose grade could not be read is absent from the map. */
export type GradeReader = (usccs: string[]) => Promise<Map<string, Grade>>;
/**
 * Reads which codes are registered (registry-owned data only). Rejects on any failure to read:
 * a failure says nothing about who is registered.
 */
export type RegistrationReader = (usccs: string[]) => Promise<Set<string>>;

const MAX_FEED_PAGE = 500;
/** Budget of one feed or intent write, lock waits included (a blocked database fails, never hangs). */
export const DEFAULT_FEED_WRITE_TIMEOUT_MS = 10_000;
/** The argument every write takes to make a retry safe (subgraph-kit writes.ts). */
const IDEMPOTENCY_ARGUMENT = 'idempotencyKey';
const UNRECORDED_MESSAGE =
  'The write was made but could not be fully put on record (audit log or change feed); retry it with the same idempotencyKey to complete its record.';

/** Checks the shape of a subgraph's report before it is stored (a subgraph is trusted, not blindly). */
export function readReportedChanges(extensions: Record<string, unknown> | undefined): CreditChange[] {
  const reported = extensions?.[CREDIT_CHANGES_EXTENSION];
  if (!Array.isArray(reported)) return [];
  return reported.filter(
    (change): change is CreditChange =>
      typeof change?.uscc === 'string' &&
      CHANGE_KINDS.includes(change.kind) &&
      RECORD_SOURCES.includes(change.source) &&
      typeof change.summary === 'string',
  );
}

/** Registration through the gateway's own schema, in-process: a field only the registry owns. */
export function registrationReaderOver(execute: InternalExecutor): RegistrationReader {
  return async (usccs) => {
    if (usccs.length === 0) return new Set();
    const result = await execute('query CreditGraphRegistration($usccs: [USCC!]!) { enterprises(usccs: $usccs) { uscc } }', { usccs });
    const found = (result.data as { enterprises?: ({ uscc: string } | null)[] | null } | null | undefined)?.enterprises;
    // Any error (registry down, timeout, ...) leaves registration unknown: never "not registered".
    if (result.errors?.length || !Array.isArray(found) || found.length !== usccs.length) {
      throw new Error(`the registry did not answer the registration read: ${(result.errors ?? []).map((e) => e.message).join('; ').slice(0, 300) || 'no data'}`);
    }
    return new Set(found.flatMap((enterprise) => (enterprise ? [enterprise.uscc] : [])));
  };
}

/** Grades through the gateway's own schema, in-process; an enterprise whose evaluation failed is left out. */
export function gradeReaderOver(execute: InternalExecutor): GradeReader {
  return async (usccs) => {
    const grades = new Map<string, Grade>();
    if (usccs.length === 0) return grades;
    const result = await execute('query CreditGraphGrades($usccs: [USCC!]!) { enterprises(usccs: $usccs) { uscc evaluation { grade score } } }', { usccs });
    const found = (result.data as { enterprises?: ({ uscc: string; evaluation: Grade | null } | null)[] | null } | null | undefined)?.enterprises;
    if (!Array.isArray(found)) return grades;
    for (const enterprise of found) if (enterprise?.evaluation) grades.set(enterprise.uscc, enterprise.evaluation);
    return grades;
  };
}

/** `field:key` for each field of the operation (the one that runs) that carries an idempotency key. */
export function idempotencyKeys(document: ASTNode, variables: Record<string, unknown> | undefined): string[] {
  const keys: string[] = [];
  visit(document, {
    Field(field) {
      for (const argument of field.arguments ?? []) {
        if (argument.name.value !== IDEMPOTENCY_ARGUMENT) continue;
        const value = argument.value;
        const key = value.kind === Kind.STRING ? value.value : value.kind === Kind.VARIABLE ? variables?.[value.name.value] : undefined;
        if (typeof key === 'string') keys.push(`${field.name.value}:${key}`);
      }
    },
  });
  return keys.sort();
}

/**
 * The id of a write's intent: the same for a retry of the same write (same caller scope, same
 * fields, same idempotency keys: the subgraphs replay it), random for a write without keys.
 */
export function writeIntentId(scope: string, keys: string[]): string {
  if (keys.length === 0) return randomUUID();
  return createHash('sha256').update(JSON.stringify([scope, keys])).digest('hex');
}

/** The scope idempotency keys belong to, as the subgraphs compute it (subgraph-kit writes.ts). */
function keyScope(caller: Caller): string {
  return caller.institution ?? caller.subject;
}

export interface ChangeFeedOptions {
  db: GatewayDb;
  /** The feed's page read (raw-query.ts): its timestamps are the instants stored on either database, whatever the process's time zone. */
  raw: RawQuery;
  grades: GradeReader;
  registration: RegistrationReader;
  writeTimeoutMs?: number;
  logger?: Pick<Console, 'error'>;
}

function gatewayDatabaseDown(what: string, logger: Pick<Console, 'error'>) {
  return (error: Error) => {
    logger.error(`[gateway] ${what}:`, error.message);
    throw creditGraphError('AUDIT_UNAVAILABLE', 'The write could not be put on record before it was sent, so nothing was written. Retry later.');
  };
}

export function createChangeFeed(options: ChangeFeedOptions) {
  const { db, raw, grades, registration, logger = console } = options;
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_FEED_WRITE_TIMEOUT_MS;
  if (!Number.isInteger(writeTimeoutMs) || writeTimeoutMs < 1) throw new ConfigError(`change feed writeTimeoutMs must be a positive integer, got ${writeTimeoutMs}`);
  const transaction = <T>(work: (tx: Parameters<Parameters<GatewayDb['$transaction']>[0]>[0]) => Promise<T>) =>
    db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${writeTimeoutMs}`);
        return work(tx);
      },
      { timeout: writeTimeoutMs, maxWait: writeTimeoutMs },
    );

  return {
    /**
     * Stores reported changes, then the grade changes they caused; with an intent, only if the
     * intent's changes are not in the feed yet (a retry files them once), in one transaction
     * with the intent's mark. Rejects when the database fails.
     */
    async record(changes: CreditChange[], intentId?: string): Promise<void> {
      const usccs = [...new Set(changes.map((change) => change.uscc))];
      const after = await grades(usccs).catch(() => new Map<string, Grade>());
      await transaction(async (tx) => {
        if (intentId) {
          const [intent] = await tx.$queryRawUnsafe<{ fedAt: Date | null }[]>(`SELECT "fedAt" FROM "WriteIntent" WHERE id = $1 FOR UPDATE`, intentId);
          if (intent?.fedAt) return;
        }
        const known = await tx.knownGrade.findMany({ where: { uscc: { in: usccs } } });
        const before = new Map(known.map((row) => [row.uscc, row.grade]));
        const rows = changes.map((change) => ({
          uscc: change.uscc,
          kind: change.kind,
          source: change.source,
          summary: change.summary,
          recordId: change.recordId ?? null,
          gradeAfter: after.get(change.uscc)?.grade ?? null,
          writeIntentId: intentId ?? null,
        }));
        for (const uscc of usccs) {
          const now = after.get(uscc);
          const then = before.get(uscc);
          if (now && then && now.grade !== then) {
            rows.push({ uscc, kind: 'GRADE', source: 'registry', summary: `Comprehensive evaluation grade ${then} → ${now.grade} (score ${now.score})`, recordId: null, gradeAfter: now.grade, writeIntentId: intentId ?? null });
          }
        }
        await tx.creditChange.createMany({ data: rows });
        for (const uscc of usccs) {
          const now = after.get(uscc);
          if (now) await tx.knownGrade.upsert({ where: { uscc }, create: { uscc, ...now }, update: now });
        }
        if (intentId) {
          await tx.writeIntent.update({ where: { id: intentId }, data: { fedAt: new Date(), changes: changes as never } });
        }
      });
    },

    /**
     * Before a write: the enterprises it names must be registered. An enterprise the gateway
     * has confirmed before is known (enterprises are never deleted); the others cost one
     * registry read (registry-owned fields only), and their grade is kept when it can be read,
     * so that a move shows after the write. Returns the codes no enterprise is registered under.
     * Throws SUBGRAPH_UNAVAILABLE when the registry cannot be read (transient: retry), and
     * AUDIT_UNAVAILABLE when the gateway's database cannot.
     */
    async prepareWrite(usccs: string[]): Promise<string[]> {
      const rows = await db.knownGrade
        .findMany({ where: { uscc: { in: usccs } }, select: { uscc: true } })
        .catch(gatewayDatabaseDown('reading known enterprises before a write failed', logger));
      const known = new Set(rows.map((row) => row.uscc));
      const unseen = usccs.filter((uscc) => !known.has(uscc));
      if (unseen.length === 0) return [];
      const registered = await registration(unseen).catch((error: Error) => {
        logger.error('[gateway] registry check before a write failed:', error.message);
        throw creditGraphError('SUBGRAPH_UNAVAILABLE', 'The registry could not confirm that the enterprises this write names are registered; nothing was written. Retry later.', {
          serviceName: 'registry',
          reason: 'unreachable',
        });
      });
      const confirmed = unseen.filter((uscc) => registered.has(uscc));
      if (confirmed.length > 0) {
        // The grade is a bonus: a sector that is down leaves it unknown until a later write.
        const current = await grades(confirmed).catch(() => new Map<string, Grade>());
        await db.knownGrade
          .createMany({ data: confirmed.map((uscc) => ({ uscc, grade: current.get(uscc)?.grade ?? null, score: current.get(uscc)?.score ?? null })), skipDuplicates: true })
          .catch(gatewayDatabaseDown('storing known enterprises before a write failed', logger));
      }
      return unseen.filter((uscc) => !registered.has(uscc));
    },

    /**
     * Puts a write on record before it is sent: its intent, keyed so that a retry of the same
     * write finds it again. Throws AUDIT_UNAVAILABLE when the database cannot take it (then
     * the write is not sent).
     */
    async openIntent(intent: { caller: Caller; keys: string[]; operationName?: string | null; operationHash: string; requestId?: string }): Promise<string> {
      const id = writeIntentId(keyScope(intent.caller), intent.keys);
      await transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          `INSERT INTO "WriteIntent" (id, scope, "operationName", "operationHash", "requestId") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
          id,
          keyScope(intent.caller),
          intent.operationName ?? null,
          intent.operationHash,
          intent.requestId ?? null,
        );
      }).catch(gatewayDatabaseDown('write intent not stored', logger));
      return id;
    },

    /**
     * A bank's feed: changes of enterprises that granted it a live consent for the declared
     * purpose, made while that consent was live, after the cursor (a sequence number).
     */
    async list(caller: Caller, args: { after?: string | null; first?: number | null }) {
      if (caller.role !== 'BANK' || !caller.institution) {
        throw creditGraphError('FORBIDDEN', 'The change feed is for banks monitoring the enterprises that consented to it');
      }
      if (!caller.purpose) {
        throw creditGraphError('PURPOSE_REQUIRED', 'Reading the change feed needs a declared purpose (x-credit-purpose, e.g. LOAN_MONITORING)');
      }
      const first = args.first ?? 100;
      if (!Number.isInteger(first) || first < 1 || first > MAX_FEED_PAGE) {
        throw creditGraphError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_FEED_PAGE}, got ${first}`, { argumentName: 'first' });
      }
      if (args.after != null && !/^\d{1,18}$/.test(args.after)) {
        throw creditGraphError('BAD_USER_INPUT', '"after" must be the cursor a previous page returned', { argumentName: 'after' });
      }
      const after = BigInt(args.after ?? '0');
      // Each change with the consents that let the bank read it (for the audit record's consentIds).
      const rows = await raw<{ seq: bigint; uscc: string; kind: string; source: string; summary: string; recordId: string | null; gradeAfter: string | null; occurredAt: Date; consentIds: string[] }>({
        text: `SELECT c."seq", c."uscc", c."kind", c."source", c."summary", c."recordId", c."gradeAfter", c."occurredAt", k."ids" AS "consentIds"
           FROM "CreditChange" c
           CROSS JOIN LATERAL (SELECT array_agg(k."id") AS "ids" FROM "Consent" k
                         WHERE k."enterpriseUscc" = c."uscc" AND k."institution" = $2 AND k."purpose"::text = $3
                           AND k."revokedAt" IS NULL AND k."expiresAt" > now() AND k."grantedAt" <= c."occurredAt") k
          WHERE c."seq" > $1 AND k."ids" IS NOT NULL
          ORDER BY c."seq" LIMIT $4`,
        values: [after, caller.institution, caller.purpose, first + 1],
      });
      const page = rows.slice(0, first);
      return {
        changes: page,
        // The cursor moves even over an empty page: ask again with it later.
        cursor: String(page.at(-1)?.seq ?? after),
        hasMore: rows.length > first,
      };
    },
  };
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>;

/**
 * For mutations: before execution, every enterprise a write names as its subject (`uscc`)
 * must be registered (a registry read the first time only), and the write is put on record
 * (its intent) before any subgraph sees it; after, the changes the subgraphs reported are
 * stored with the grade changes they caused, once per write. If they cannot be stored, the
 * answer becomes 503 AUDIT_UNAVAILABLE: the caller retries with the same idempotency key and
 * the retry completes the record.
 */
export function changeFeedPlugin<Context extends ChangeContext>(feed: ChangeFeed, logger: Pick<Console, 'error'> = console): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, schema, document, request, contextValue, source, operationName }) {
          if (operation?.operation !== 'mutation') return;
          contextValue.creditChanges = [];
          const prepare = async () => {
            // A malformed code is refused with BAD_USER_INPUT when the variables are coerced; only
            // well-formed ones can be looked up.
            const subjects = namedEnterprises(schema, document, request.variables, (name) => name === 'uscc', request.operationName).filter(isValidUscc);
            if (subjects.length > 0) {
              const unknown = await feed.prepareWrite(subjects);
              if (unknown.length > 0) {
                throw creditGraphError('BAD_USER_INPUT', `No enterprise is registered with code ${unknown.join(', ')}: a record can only be written about a registered enterprise`, {
                  field: 'uscc',
                  unknown,
                });
              }
            }
            const id = await feed.openIntent({
              caller: contextValue.caller,
              keys: idempotencyKeys(operation, request.variables),
              operationName,
              operationHash: createHash('sha256').update(source ?? '').digest('hex'),
              requestId: contextValue.requestId,
            });
            contextValue.writeIntent = { id };
          };
          const prepared = prepare();
          // Another plugin may refuse the operation while this runs: the audit record waits for
          // it, so that an intent opened meanwhile is still named on the record.
          contextValue.writePrepared = prepared.then(
            () => undefined,
            () => undefined,
          );
          await prepared;
        },
        async willSendResponse(requestContext) {
          const { contextValue } = requestContext;
          const changes = contextValue.creditChanges ?? [];
          if (changes.length === 0) return;
          try {
            await feed.record(changes, contextValue.writeIntent?.id);
          } catch (error) {
            logger.error(`[gateway] change feed: ${changes.length} change(s) not recorded:`, (error as Error).message, JSON.stringify(changes));
            // The write is done; its record is not: the caller retries with the same key.
            requestContext.response.body = {
              kind: 'single',
              singleResult: { errors: [{ message: UNRECORDED_MESSAGE, extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
            };
            requestContext.response.http.status = 503;
          }
        },
      };
    },
  };
}
