// The audit log: every audited operation is recorded durably before its answer leaves the
// gateway. Records are append-only and hash-chained (each holds the previous record's hash),
// so an edited or deleted record is found by `verify`. Writes are group-committed: entries
// that arrive while a write is in flight go together in the next transaction, so throughput
// stays high under load while every caller still waits for its own durable commit.
import { createHash, randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { creditGraphError, PURPOSES, ROLES, type Purpose, type Role } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import type { GatewayDb } from '../database.ts';
import type { AuditRecord } from '../generated/prisma/client.ts';

/** Most entries written in one transaction. */
export const DEFAULT_MAX_BATCH = 200;
/** How long an idle log waits to gather a batch before writing (a busy log never waits). */
export const DEFAULT_MAX_WAIT_MS = 2;
/** The previousHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);
/** Records read per page by `verify`, so that a long log is never loaded whole. */
export const VERIFY_PAGE_SIZE = 5000;
export const DEFAULT_QUERY_PAGE_SIZE = 20;
export const MAX_QUERY_PAGE_SIZE = 100;
/** Advisory lock key serializing chain appends across gateway replicas sharing one database. */
const CHAIN_LOCK_KEY = 7_236_001;
/** Budget of one write transaction, including waiting for another replica's lock. */
const WRITE_TIMEOUT_MS = 10_000;
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
}

export interface AuditOptions {
  db: GatewayDb;
  maxBatch?: number;
  maxWaitMs?: number;
  /** Where a failed write's cause goes (the client only ever sees AUDIT_UNAVAILABLE). */
  logger?: Pick<Console, 'error'>;
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

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problem?: { seq: bigint; reason: string };
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

interface Pending {
  fields: Omit<ChainedFields, 'previousHash'>;
  resolve(value: { id: string; seq: bigint; hash: string }): void;
  reject(error: GraphQLError): void;
}

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

export function hashRecord(fields: ChainedFields): string {
  // Records written before deniedSubjects existed hashed without it: an empty list is left out,
  // so their hashes still verify.
  const { deniedSubjects, ...rest } = fields;
  const content = deniedSubjects.length > 0 ? fields : rest;
  return createHash('sha256').update(fields.previousHash + canonicalJSON(content)).digest('hex');
}

function chainedFields(record: AuditRecord): ChainedFields {
  const { seq: _seq, hash: _hash, at, ...rest } = record;
  return { ...rest, at: at.toISOString() };
}

function toFields(entry: AuditEntry): Pending['fields'] {
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
  return undefined;
}

function encodeCursor(seq: bigint): string {
  return Buffer.from(JSON.stringify({ k: seq.toString() }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string' && /^\d+$/.test(parsed.k)) return BigInt(parsed.k);
  } catch {
    // fall through to the error below
  }
  throw creditGraphError('BAD_USER_INPUT', `"after" is not a cursor returned by this API: "${cursor}"`, {
    argumentName: 'after',
  });
}

export function createAudit(options: AuditOptions): Audit {
  const { db, maxBatch = DEFAULT_MAX_BATCH, maxWaitMs = DEFAULT_MAX_WAIT_MS, logger = console } = options;
  if (!db || typeof db.$transaction !== 'function') throw new ConfigError('createAudit needs the gateway database (db)');
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new ConfigError(`audit maxBatch must be a positive integer, got ${maxBatch}`);
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) throw new ConfigError(`audit maxWaitMs must be 0 or more, got ${maxWaitMs}`);

  const queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const counts = { batches: 0, records: 0 };

  // One transaction: take the chain lock, read the head inside the lock, insert the batch with
  // explicit contiguous seqs. Explicit seqs (not the sequence) mean a rolled-back write leaves
  // no gap, so `verify` can treat any gap as a deletion.
  async function write(batch: Pending[]): Promise<{ seq: bigint; hash: string }[]> {
    return db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`);
        const [head] = await tx.$queryRawUnsafe<{ seq: bigint; hash: string }[]>(
          `SELECT seq, hash FROM "AuditRecord" ORDER BY seq DESC LIMIT 1`,
        );
        let seq = BigInt(head?.seq ?? 0);
        let previousHash = head?.hash ?? GENESIS_HASH;
        const rows = batch.map(({ fields }) => {
          const chained = { ...fields, previousHash };
          previousHash = hashRecord(chained);
          seq += 1n;
          return { ...chained, seq: seq.toString(), hash: previousHash };
        });
        // One statement for the whole batch; the JSON keys are the column names.
        await tx.$executeRawUnsafe(
          `INSERT INTO "AuditRecord" SELECT * FROM jsonb_populate_recordset(NULL::"AuditRecord", $1::jsonb)`,
          JSON.stringify(rows),
        );
        return rows.map((row) => ({ seq: BigInt(row.seq), hash: row.hash }));
      },
      // Read committed whatever the database's default: the head read after the lock must see
      // the commit of the previous lock holder.
      { timeout: WRITE_TIMEOUT_MS, maxWait: WRITE_TIMEOUT_MS, isolationLevel: 'ReadCommitted' },
    );
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    try {
      const written = await write(batch);
      counts.batches += 1;
      counts.records += batch.length;
      batch.forEach((pending, index) => pending.resolve({ id: pending.fields.id, ...written[index]! }));
    } catch (error) {
      logger.error(`[gateway] audit write of ${batch.length} record(s) failed:`, (error as Error).message);
      for (const pending of batch) pending.reject(creditGraphError('AUDIT_UNAVAILABLE', UNAVAILABLE_MESSAGE));
    }
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (inFlight || queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
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

  return {
    record(entry) {
      if (closed) return Promise.reject(creditGraphError('AUDIT_UNAVAILABLE', `${UNAVAILABLE_MESSAGE} (the audit log is closed)`));
      let fields: Pending['fields'];
      try {
        fields = toFields(entry);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => {
        queue.push({ fields, resolve, reject });
        schedule();
      });
    },

    async verify() {
      let checked = 0;
      let previous: { seq: bigint; hash: string } = { seq: 0n, hash: GENESIS_HASH };
      for (;;) {
        const page = await db.auditRecord.findMany({
          where: { seq: { gt: previous.seq } },
          orderBy: { seq: 'asc' },
          take: VERIFY_PAGE_SIZE,
        });
        for (const record of page) {
          const problem = (reason: string): VerifyResult => ({ ok: false, checked, problem: { seq: record.seq, reason } });
          if (hashRecord(chainedFields(record)) !== record.hash) return problem('hash does not match the record content (edited)');
          if (record.previousHash !== previous.hash) {
            return problem(`previousHash is not the hash of record ${previous.seq} (a record before it was deleted or edited)`);
          }
          if (record.seq !== previous.seq + 1n) return problem(`records ${previous.seq + 1n} to ${record.seq - 1n} are missing`);
          checked += 1;
          previous = record;
        }
        if (page.length < VERIFY_PAGE_SIZE) return { ok: true, checked };
      }
    },

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
    },
  };
}

/**
 * Apollo Server plugin recording each operation `describe` selects (null: not audited) before
 * its response is sent. Apollo awaits willSendResponse before serializing the body
 * (requestPipeline.ts, invokeWillSendResponse), so the answer waits for the durable record;
 * if the record fails, the answer is replaced by AUDIT_UNAVAILABLE with HTTP 503 and no data.
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
            if (entry) await audit.record(entry);
          } catch (error) {
            // Fail closed: an entry that cannot even be described is an unaudited read too.
            const message =
              error instanceof GraphQLError && error.extensions.code === 'AUDIT_UNAVAILABLE' ? error.message : UNAVAILABLE_MESSAGE;
            requestContext.response.body = {
              kind: 'single',
              singleResult: { errors: [{ message, extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
            };
            requestContext.response.http.status = 503;
          }
        },
      };
    },
  };
}
