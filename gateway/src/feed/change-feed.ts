// Writes, from the gateway's side: a write must name registered enterprises, and what it
// changed goes into banks' change feed, so that monitoring a loan book needs no re-scan.
//
// The subgraph that wrote reports its changes in its response's extensions (the contract's
// credit-changes.ts); the subgraph client collects them on the request context. After the
// write, the gateway reads the enterprises' evaluation grade through its own public API: a
// grade that moved is a change of its own (GRADE). Everything is stored before the answer
// leaves, like the audit record.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  CHANGE_KINDS,
  creditGraphError,
  CREDIT_CHANGES_EXTENSION,
  isValidUscc,
  RECORD_SOURCES,
  type Caller,
  type CreditChange,
} from '@credit-graph/contract';
import type { GatewayDb } from '../database.ts';
import { namedEnterprises } from '../trust/subjects.ts';

export interface ChangeContext {
  caller: Caller;
  /** Changes the subgraphs reported while executing this request. */
  creditChanges?: CreditChange[];
}

export interface Grade {
  grade: string;
  score: number;
}

/** Reads grades (and existence) of enterprises: null for a code no enterprise is registered under. */
export type GradeReader = (usccs: string[]) => Promise<Map<string, Grade | null>>;

const MAX_FEED_PAGE = 500;

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

/** Grades through the gateway's own API, as an anonymous caller: the evaluation is public. */
export function gradeReaderOver(graphqlUrl: () => string): GradeReader {
  return async (usccs) => {
    const grades = new Map<string, Grade | null>();
    if (usccs.length === 0) return grades;
    const response = await fetch(graphqlUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query CreditGraphGrades($usccs: [USCC!]!) { enterprises(usccs: $usccs) { uscc evaluation { grade score } } }',
        variables: { usccs },
      }),
    });
    const body = (await response.json()) as { data?: { enterprises?: ({ uscc: string; evaluation: Grade | null } | null)[] | null } };
    const found = body.data?.enterprises;
    // No list at all (registry down, rate limited, ...) says nothing about who is registered.
    if (!Array.isArray(found)) throw new Error(`the registry did not answer the grade read (HTTP ${response.status}): ${JSON.stringify(body).slice(0, 200)}`);
    // null: no such enterprise. An enterprise whose evaluation failed stays out of the map.
    usccs.forEach((uscc, i) => {
      const enterprise = found[i];
      if (!enterprise) grades.set(uscc, null);
      else if (enterprise.evaluation) grades.set(uscc, enterprise.evaluation);
    });
    return grades;
  };
}

export function createChangeFeed(options: { db: GatewayDb; grades: GradeReader }) {
  const { db, grades } = options;

  return {
    /** Stores reported changes, then the grade changes they caused. */
    async record(changes: CreditChange[]): Promise<void> {
      const usccs = [...new Set(changes.map((change) => change.uscc))];
      const [after, known] = await Promise.all([
        grades(usccs).catch(() => new Map<string, Grade | null>()),
        db.knownGrade.findMany({ where: { uscc: { in: usccs } } }),
      ]);
      const before = new Map(known.map((row) => [row.uscc, row.grade]));
      const rows = changes.map((change) => ({
        uscc: change.uscc,
        kind: change.kind,
        source: change.source,
        summary: change.summary,
        recordId: change.recordId ?? null,
        gradeAfter: after.get(change.uscc)?.grade ?? null,
      }));
      for (const uscc of usccs) {
        const now = after.get(uscc);
        const then = before.get(uscc);
        if (now && then && now.grade !== then) {
          rows.push({ uscc, kind: 'GRADE', source: 'registry', summary: `Comprehensive evaluation grade ${then} → ${now.grade} (score ${now.score})`, recordId: null, gradeAfter: now.grade });
        }
      }
      await db.$transaction([
        db.creditChange.createMany({ data: rows }),
        ...usccs.flatMap((uscc) => {
          const now = after.get(uscc);
          return now ? [db.knownGrade.upsert({ where: { uscc }, create: { uscc, ...now }, update: now })] : [];
        }),
      ]);
    },

    /**
     * Before a write: the enterprises it names must be registered, and their grade is kept so
     * that a move shows after it. An enterprise with a kept grade was read from the registry
     * before (and enterprises are never deleted), so only the others cost a registry read.
     * Returns the codes no enterprise is registered under.
     */
    async prepareWrite(usccs: string[]): Promise<string[]> {
      const known = new Set((await db.knownGrade.findMany({ where: { uscc: { in: usccs } }, select: { uscc: true } })).map((row) => row.uscc));
      const unseen = usccs.filter((uscc) => !known.has(uscc));
      if (unseen.length === 0) return [];
      const current = await grades(unseen);
      const fresh = unseen.flatMap((uscc) => {
        const grade = current.get(uscc);
        return grade ? [{ uscc, ...grade }] : [];
      });
      if (fresh.length > 0) await db.knownGrade.createMany({ data: fresh, skipDuplicates: true });
      return unseen.filter((uscc) => current.get(uscc) === null);
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
      const rows = await db.$queryRawUnsafe<{ seq: bigint; uscc: string; kind: string; source: string; summary: string; recordId: string | null; gradeAfter: string | null; occurredAt: Date }[]>(
        `SELECT c."seq", c."uscc", c."kind", c."source", c."summary", c."recordId", c."gradeAfter", c."occurredAt"
           FROM "CreditChange" c
          WHERE c."seq" > $1
            AND EXISTS (SELECT 1 FROM "Consent" k
                         WHERE k."enterpriseUscc" = c."uscc" AND k."institution" = $2 AND k."purpose"::text = $3
                           AND k."revokedAt" IS NULL AND k."expiresAt" > now() AND k."grantedAt" <= c."occurredAt")
          ORDER BY c."seq" LIMIT $4`,
        after,
        caller.institution,
        caller.purpose,
        first + 1,
      );
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
 * must be registered (a registry read the first time only), and its grade is kept; after, the
 * changes the subgraphs reported are stored with the grade changes they caused.
 */
export function changeFeedPlugin<Context extends ChangeContext>(feed: ChangeFeed): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, schema, document, request, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          contextValue.creditChanges = [];
          // A malformed code is refused with BAD_USER_INPUT when the variables are coerced; only
          // well-formed ones can be looked up.
          const subjects = namedEnterprises(schema, document, request.variables, (name) => name === 'uscc', request.operationName).filter(isValidUscc);
          if (subjects.length === 0) return;
          const unknown = await feed.prepareWrite(subjects).catch((error: Error) => {
            console.error('[gateway] registry check before a write failed:', error.message);
            throw creditGraphError('SUBGRAPH_UNAVAILABLE', 'The registry could not confirm that the enterprises this write names are registered; nothing was written. Retry later.', {
              serviceName: 'registry',
              reason: 'unreachable',
            });
          });
          if (unknown.length > 0) {
            throw creditGraphError('BAD_USER_INPUT', `No enterprise is registered with code ${unknown.join(', ')}: a record can only be written about a registered enterprise`, {
              field: 'uscc',
              unknown,
            });
          }
        },
        async willSendResponse({ contextValue }) {
          const changes = contextValue.creditChanges ?? [];
          if (changes.length === 0) return;
          // The write itself is done and audited; a feed failure must not turn it into an error
          // the caller would retry (the retry would find the write done and report nothing).
          await feed.record(changes).catch((error: Error) => {
            console.error(`[gateway] change feed: ${changes.length} change(s) not recorded:`, error.message, JSON.stringify(changes));
          });
        },
      };
    },
  };
}
