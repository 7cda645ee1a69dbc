// The audit log: every audited operation is recorded durably before its answer leaves the
// gateway. Records are append-only and chained with a keyed hash (chain.ts: each holds the
// previous record's hash; its own is an HMAC under a key kept outside the database), and the
// chain's head is checkpointed outside the audit table (checkpoints.ts), so that an edited,
// deleted or truncated log is found by `verify`. Writes are group-committed: entries that
// arrive while a write is in flight go together in the next transaction, so throughput stays
// high under load while every caller still waits for its own durable commit.
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { creditGraphError, formattedError, PURPOSES, ROLES, type Purpose, type RawQuery, type Role } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import type { GatewayDb } from '../database.ts';
import type { AuditRecord } from '../generated/prisma/client.ts';
import { GENESIS_HASH, keyedHash, legacyHash, type AuditKeys } from './chain.ts';
import type { Checkpoints } from './checkpoints.ts';
import { verifyChain, type VerifyResult } from './signed-records.ts';

export { canonicalJSON, GENESIS_HASH } from './chain.ts';
export { PROBLEM_KINDS, VERIFY_PAGE_SIZE, type ProblemKind, type VerifyResult } from './signed-records.ts';

/** Most entries written in one transaction. */
export const DEFAULT_MAX_BATCH = 200;
/** How long an idle log waits to gather a batch before writing (a busy log never waits). */
export const DEFAULT_MAX_WAIT_MS = 2;
export const DEFAULT_QUERY_PAGE_SIZE = 20;
export const MAX_QUERY_PAGE_SIZE = 100;
/** Advisory lock key serializing chain appends across gateway replicas sharing one database. */
const CHAIN_LOCK_KEY = 7_236_001;
/** Budget of one write transaction, including waiting for another replica's lock. */
export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;
const UNAVAILABLE_MESSAGE = 'The audit record could not be written, so the answer is withheld.';

export const OUTCOMES = ['ok', 'partial', 'denied'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AuditEntry {
  /** When the operation was answered; defaults to now. */
  at?: Date;
  subject: string;
  role: Role;
  institution?: string;
  purpose?: Purpose;
  consentIds?: string[];
  operationName?: string;
  operationHash: string;
  /** Whose guarded or unmasked personal data was read, or what a write changed: USCCs and worker ids. */
  subjects: string[];
  /** Whose guarded data was refused (no consent, no purpose, not its sector): USCCs. */
  deniedSubjects?: string[];
  scopesUsed: string[];
  outcome: Outcome;
  clientAddress?: string;
  /** The request id the gateway answered with. */
  requestId?: string;
  /** For a write: its intent (change-feed.ts). A second entry for the same intent is not written. */
  writeIntentId?: string;
}

export interface AuditOptions {
  db: GatewayDb;
  /** The same database's raw statements (database.ts): the chain's appends go through them. */
  raw: RawQuery;
  /** The chain's keys (AUDIT_HMAC_KEYS); new records use the current one. */
  keys: AuditKeys;
  /** Where the chain's head is checkpointed (none: a truncation of the newest records goes unseen). */
  checkpoints?: Checkpoints;
  /** Budget of one write transaction, lock waits included (a blocked database fails, never hangs). */
  writeTimeoutMs?: number;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Where a failed write's cause goes (the client only ever sees AUDIT_UNAVAILABLE). */
  logger?: Pick<Console, 'error'>;
  /** Told of every group-commit write: records in it, its duration in seconds, whether it committed (metrics). */
  onBatch?: (records: number, seconds: number, ok: boolean) => void;
}

export interface AuditQuery {
  subject?: string;
  institution?: string;
  role?: Role;
  purpose?: Purpose;
  /** Records whose subjects contain this USCC: the enterprise's "who looked me up" view. */
  enterpriseUscc?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  first?: number;
  after?: string | null;
}

export interface AuditPage {
  edges: { cursor: string; node: AuditRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface Audit {
  /** Resolves once the record is committed; rejects with AUDIT_UNAVAILABLE otherwise. */
  record(entry: AuditEntry): Promise<{ id: string; seq: bigint; hash: string }>;
  verify(): Promise<VerifyResult>;
  /** Newest first, cursor-paginated. Who may see which records is the caller's decision. */
  query(filter?: AuditQuery): Promise<AuditPage>;
  /** Committed write transactions and the records they held, since creation. */
  stats(): { batches: number; records: number };
  /** Writes what is queued, then refuses new entries. */
  close(): Promise<void>;
}

/** The hashed content of a record: every column except seq and hash. */
type ChainedFields = Omit<AuditRecord, 'seq' | 'hash' | 'at'> & { at: string };
/** Columns added with keyed chains: absent from a legacy record's hashed content. */
const KEYED_ONLY_COLUMNS = ['keyId', 'requestId', 'writeIntentId'] as const;

interface Pending {
  fields: Omit<ChainedFields, 'previousHash' | 'keyId'> & { keyId: string };
  resolve(value: { id: string; seq: bigint; hash: string }): void;
  reject(error: GraphQLError): void;
  /** performance.now() past which the record is refused: its call plus the write budget. */
  deadline: number;
  /** Refuses the record if it is still queued at its deadline (cleared when its batch is taken). */
  expiry: NodeJS.Timeout;
  /** Refused at its deadline while queued: the next flush drops it. */
  expired?: boolean;
}

/** The content a record's hash covers, as it was hashed when written. */
function chainedFields(record: AuditRecord): ChainedFields {
  const { seq: _seq, hash: _hash, at, ...rest } = record;
  const fields: Record<string, unknown> = { ...rest, at: at.toISOString() };
  if (record.keyId === null) {
    for (const column of KEYED_ONLY_COLUMNS) if (fields[column] === null) delete fields[column];
    // Legacy records written before deniedSubjects existed hashed without it: an empty list is left out.
    if (record.deniedSubjects.length === 0) delete fields.deniedSubjects;
  }
  return fields as ChainedFields;
}

/** The hash a record should have: keyed (HMAC) or legacy (SHA-256); undefined for an unknown key id. */
export function hashRecord(fields: ChainedFields, keys: AuditKeys): string | undefined {
  if (fields.keyId === null || fields.keyId === undefined) return legacyHash(fields); // legacy: no keyId in its content
  const key = keys.keys.get(fields.keyId);
  return key ? keyedHash(key, { ...fields, keyId: fields.keyId }) : undefined;
}

function toFields(entry: AuditEntry, keyId: string): Pending['fields'] {
  const problem = entryProblem(entry);
  if (problem) throw creditGraphError('AUDIT_UNAVAILABLE', `${UNAVAILABLE_MESSAGE} (invalid audit entry: ${problem})`);
  return {
    id: randomUUID(),
    at: (entry.at ?? new Date()).toISOString(),
    subject: entry.subject,
    role: entry.role,
    institution: entry.institution ?? null,
    purpose: entry.purpose ?? null,
    consentIds: entry.consentIds ?? [],
    operationName: entry.operationName ?? null,
    operationHash: entry.operationHash,
    subjects: entry.subjects,
    deniedSubjects: entry.deniedSubjects ?? [],
    scopesUsed: entry.scopesUsed,
    outcome: entry.outcome,
    clientAddress: entry.clientAddress ?? null,
    requestId: entry.requestId ?? null,
    writeIntentId: entry.writeIntentId ?? null,
    keyId,
  };
}

// Checked one by one, so that a bad entry fails alone instead of failing its whole batch.
function entryProblem(entry: AuditEntry): string | undefined {
  const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (typeof entry.subject !== 'string' || entry.subject === '') return 'subject is missing';
  if (!ROLES.includes(entry.role)) return `unknown role "${entry.role}"`;
  if (entry.purpose !== undefined && !PURPOSES.includes(entry.purpose)) return `unknown purpose "${entry.purpose}"`;
  if (!OUTCOMES.includes(entry.outcome)) return `unknown outcome "${entry.outcome}"`;
  if (typeof entry.operationHash !== 'string') return 'operationHash is missing';
  if (!strings(entry.subjects) || !strings(entry.scopesUsed)) return 'subjects and scopesUsed must be string lists';
  if (entry.consentIds !== undefined && !strings(entry.consentIds)) return 'consentIds must be a string list';
  if (entry.deniedSubjects !== undefined && !strings(entry.deniedSubjects)) return 'deniedSubjects must be a string list';
  if (entry.at !== undefined && Number.isNaN(entry.at.getTime())) return 'at is not a valid date';
  if (entry.requestId !== undefined && (typeof entry.requestId !== 'string' || entry.requestId.length > 200)) return 'requestId must be a string of at most 200 characters';
  return undefined;
}

function encodeCursor(seq: bigint): string {
  return Buffer.from(JSON.stringify({ k: seq.toString() }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    // At most 18 digits: a sequence number PostgreSQL's bigint holds (a longer one is no cursor of ours).
    if (typeof parsed.k === 'string' && /^\d{1,18}$/.test(parsed.k)) return BigInt(parsed.k);
  } catch {
    // fall through to the error below
  }
  throw creditGraphError('BAD_USER_INPUT', `"after" is not a cursor returned by this API: "${cursor}"`, {
    argumentName: 'after',
  });
}

export function createAudit(options: AuditOptions): Audit {
  const { db, raw, keys, checkpoints, maxBatch = DEFAULT_MAX_BATCH, maxWaitMs = DEFAULT_MAX_WAIT_MS, logger = console } = options;
  const writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  if (!db || typeof db.$transaction !== 'function' || typeof raw?.transaction !== 'function') throw new ConfigError('createAudit needs the gateway database (db and raw)');
  if (!keys?.keys?.get(keys.currentId)) throw new ConfigError('createAudit needs the audit chain keys (keys, from AUDIT_HMAC_KEYS)');
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new ConfigError(`audit maxBatch must be a positive integer, got ${maxBatch}`);
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) throw new ConfigError(`audit maxWaitMs must be 0 or more, got ${maxWaitMs}`);
  if (!Number.isInteger(writeTimeoutMs) || writeTimeoutMs < 1) throw new ConfigError(`audit writeTimeoutMs must be a positive integer, got ${writeTimeoutMs}`);
  const currentKey = keys.keys.get(keys.currentId)!;

  const queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const counts = { batches: 0, records: 0 };

  // One transaction: take the chain lock, read the head inside the lock, insert the batch with
  // explicit contiguous seqs. Explicit seqs (not the sequence) mean a rolled-back write leaves
  // no gap, so `verify` can treat any gap as a deletion. A write whose intent already has its
  // record (a retry) gets that record back instead of a second one.
  async function write(batch: Pending[]): Promise<{ id: string; seq: bigint; hash: string }[]> {
    // The batch has what is left of its oldest record's budget, so that no record waits longer
    // than the budget from its own call, however long it queued behind an earlier write.
    const budgetMs = Math.max(1, Math.floor(Math.min(...batch.map((pending) => pending.deadline)) - performance.now()));
    const lockTimeoutMs = Math.max(1, Math.floor(budgetMs * 0.9));
    // Straight to the driver adapter (raw-query.ts), not Prisma's interactive transaction: the
    // same five statements cost the gateway about 1 ms less CPU per batch (bench/micro/audit-record.ts).
    return raw.transaction(
      async (tx) => {
        // A locked table or a stalled lock holder fails this write within the budget, never hangs
        // it: lock_timeout for this transaction (SET LOCAL), set before the chain lock is awaited,
        // in the same statement (one round trip less per batch). 90 % of the budget, so that a
        // held lock is reported as itself (55P03) before the transaction's own deadline.
        await tx.execute({ text: `SELECT set_config('lock_timeout', $1, true), pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`, values: [`${lockTimeoutMs}ms`] });
        const intents = batch.flatMap(({ fields }) => (fields.writeIntentId ? [fields.writeIntentId] : []));
        const existing = new Map<string, { id: string; seq: bigint; hash: string }>();
        if (intents.length > 0) {
          const rows = await tx.query<{ id: string; seq: bigint; hash: string; writeIntentId: string }>({
            text: `SELECT id, seq, hash, "writeIntentId" FROM "AuditRecord" WHERE "writeIntentId" = ANY($1::text[])`,
            values: [intents],
          });
          for (const row of rows) existing.set(row.writeIntentId, { id: row.id, seq: BigInt(row.seq), hash: row.hash });
        }
        const [head] = await tx.query<{ seq: bigint; hash: string }>({ text: `SELECT seq, hash FROM "AuditRecord" ORDER BY seq DESC LIMIT 1`, values: [] });
        let seq = BigInt(head?.seq ?? 0);
        let previousHash = head?.hash ?? GENESIS_HASH;
        const rows: Record<string, unknown>[] = [];
        const results = batch.map(({ fields }) => {
          const done = fields.writeIntentId ? existing.get(fields.writeIntentId) : undefined;
          if (done) return done;
          const chained = { ...fields, previousHash, keyId: keys.currentId };
          previousHash = keyedHash(currentKey, chained);
          seq += 1n;
          rows.push({ ...chained, seq: seq.toString(), hash: previousHash });
          if (fields.writeIntentId) existing.set(fields.writeIntentId, { id: fields.id, seq, hash: previousHash });
          return { id: fields.id, seq, hash: previousHash };
        });
        if (rows.length > 0) {
          // One statement for the whole batch; the JSON keys are the column names.
          await tx.execute({
            text: `INSERT INTO "AuditRecord" SELECT * FROM jsonb_populate_recordset(NULL::"AuditRecord", $1::jsonb)`,
            values: [JSON.stringify(rows)],
          });
        }
        if (intents.length > 0) {
          await tx.execute({ text: `UPDATE "WriteIntent" SET "auditedAt" = now() WHERE id = ANY($1::text[]) AND "auditedAt" IS NULL`, values: [intents] });
        }
        return results;
      },
      // Read committed whatever the database's default: the head read after the lock must see
      // the commit of the previous lock holder.
      { timeoutMs: budgetMs, isolationLevel: 'READ COMMITTED' },
    );
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const report = (ok: boolean) => options.onBatch?.(batch.length, (performance.now() - started) / 1000, ok);
    try {
      const written = await write(batch);
      report(true);
      counts.batches += 1;
      counts.records += batch.length;
      batch.forEach((pending, index) => pending.resolve(written[index]!));
      const newest = written.reduce((a, b) => (b.seq > a.seq ? b : a));
      checkpoints?.note(newest);
    } catch (error) {
      report(false);
      logger.error(`[gateway] audit write of ${batch.length} record(s) failed:`, (error as Error).message);
      for (const pending of batch) pending.reject(creditGraphError('AUDIT_UNAVAILABLE', UNAVAILABLE_MESSAGE));
    }
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (inFlight) return;
    // Drops the records refused at their deadline while they queued (one pass, in place).
    let kept = 0;
    for (const pending of queue) if (!pending.expired) queue[kept++] = pending;
    queue.length = kept;
    if (queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
    for (const pending of batch) clearTimeout(pending.expiry);
    // Group commit: when this write ends, whatever queued meanwhile is written at once.
    inFlight = writeBatch(batch).finally(() => {
      inFlight = undefined;
      flush();
    });
  }

  function schedule(): void {
    if (inFlight) return; // the running write picks the queue up when it finishes
    if (queue.length >= maxBatch || closed) flush();
    else timer ??= setTimeout(flush, maxWaitMs);
  }

  // Walks the whole chain page by page, then compares its end with every checkpoint (the walk
  // every signed-record chain shares, signed-records.ts).
  function verify(): Promise<VerifyResult> {
    return verifyChain<AuditRecord>(
      {
        page: (afterSeq, take) => db.auditRecord.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take }),
        link: (record) => ({ seq: record.seq, keyId: record.keyId, previousHash: record.previousHash, hash: record.hash, legacy: record.keyId === null }),
        expectedHash: (record) => hashRecord(chainedFields(record), keys),
        seqOfHash: async (hash) => (await db.auditRecord.findUnique({ where: { hash }, select: { seq: true } }))?.seq,
      },
      { keys, checkpoints },
    );
  }

  return {
    record(entry) {
      if (closed) return Promise.reject(creditGraphError('AUDIT_UNAVAILABLE', `${UNAVAILABLE_MESSAGE} (the audit log is closed)`));
      let fields: Pending['fields'];
      try {
        fields = toFields(entry, keys.currentId);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => {
        // Queued behind a write that outlasts this record's budget, it is refused at its own
        // deadline rather than after that write and then its own (twice the budget).
        const pending: Pending = {
          fields,
          resolve,
          reject,
          deadline: performance.now() + writeTimeoutMs,
          expiry: setTimeout(() => {
            pending.expired = true;
            logger.error('[gateway] audit record refused: still queued behind a write at the end of its budget');
            reject(creditGraphError('AUDIT_UNAVAILABLE', UNAVAILABLE_MESSAGE));
          }, writeTimeoutMs),
        };
        queue.push(pending);
        schedule();
      });
    },

    verify,

    async query(filter = {}) {
      const size = filter.first ?? DEFAULT_QUERY_PAGE_SIZE;
      if (!Number.isInteger(size) || size < 1 || size > MAX_QUERY_PAGE_SIZE) {
        throw creditGraphError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_QUERY_PAGE_SIZE}, got ${size}`, {
          argumentName: 'first',
        });
      }
      const rows = await db.auditRecord.findMany({
        where: {
          subject: filter.subject,
          institution: filter.institution,
          role: filter.role,
          purpose: filter.purpose,
          subjects: filter.enterpriseUscc === undefined ? undefined : { has: filter.enterpriseUscc },
          at: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
          seq: filter.after ? { lt: decodeCursor(filter.after) } : undefined,
        },
        orderBy: { seq: 'desc' },
        take: size + 1,
      });
      const edges = rows.slice(0, size).map((node) => ({ cursor: encodeCursor(node.seq), node }));
      return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
    },

    stats: () => ({ ...counts }),

    async close() {
      closed = true;
      flush();
      while (inFlight) await inFlight;
      await checkpoints?.close();
    },
  };
}

/** What the request context may add to a record: its request id, and the intent of a write. */
interface AnnotatedContext {
  requestId?: unknown;
  writeIntent?: { id?: unknown };
  writePrepared?: Promise<void>;
}

async function annotations(context: BaseContext): Promise<Pick<AuditEntry, 'requestId' | 'writeIntentId'>> {
  // A write's intent may still be opening when another plugin refused the operation.
  await (context as AnnotatedContext).writePrepared;
  const { requestId, writeIntent } = context as AnnotatedContext;
  return {
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof writeIntent?.id === 'string' ? { writeIntentId: writeIntent.id } : {}),
  };
}

/** The answer's `extensions` key under which an audited answer names its record. */
export const AUDIT_RECORD_EXTENSION = 'auditRecord';

/** What an audited answer says of its record: its id and its position in the chain (a decimal string). */
export function auditReceipt(record: { id: string; seq: bigint }): { id: string; sequence: string } {
  return { id: record.id, sequence: record.seq.toString() };
}

/**
 * Apollo Server plugin recording each operation `describe` selects (null: not audited) before
 * its response is sent. Apollo awaits willSendResponse before serializing the body
 * (requestPipeline.ts, invokeWillSendResponse), so the answer waits for the durable record;
 * if the record fails, the answer is replaced by AUDIT_UNAVAILABLE with HTTP 503 and no data.
 * A recorded answer carries `extensions.auditRecord: { id, sequence }` (the AuditRecord's id
 * and seq), so a bank can file the evidence and a regulator find it with `auditRecords`.
 * The context's `requestId` and `writeIntent` (change-feed.ts) go on the record: a retried
 * write's intent already on record is not recorded twice.
 */
export function auditPlugin<TContext extends BaseContext>(
  audit: Pick<Audit, 'record'>,
  describe: (requestContext: GraphQLRequestContextWillSendResponse<TContext>) => AuditEntry | null,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(requestContext) {
          try {
            const entry = describe(requestContext);
            if (!entry) return;
            const record = await audit.record({ ...(await annotations(requestContext.contextValue)), ...entry });
            // Evidence for the caller's file: the record this answer is on, committed before it leaves.
            const body = requestContext.response.body;
            if (body.kind === 'single') {
              body.singleResult.extensions = { ...body.singleResult.extensions, [AUDIT_RECORD_EXTENSION]: auditReceipt(record) };
            }
          } catch (error) {
            // Fail closed: an entry that cannot even be described is an unaudited read too.
            const message =
              error instanceof GraphQLError && error.extensions.code === 'AUDIT_UNAVAILABLE' ? error.message : UNAVAILABLE_MESSAGE;
            requestContext.response.body = {
              kind: 'single',
              singleResult: { errors: [formattedError('AUDIT_UNAVAILABLE', message)] },
            };
            requestContext.response.http.status = 503;
          }
        },
      };
    },
  };
}
