// Public agencies' credit verification (信用核查) and its evidence. An agency names up to 500
// enterprises and a scenario; the registry decides, from its records and the sectors' evaluation
// inputs (@requires), which measures of the reviewed catalogue apply (Enterprise.creditMeasures).
// Here the gateway asks for that in one planned operation, with the agency as the signed caller,
// numbers the result and stores it as a chained signed record (an HMAC under the audit keys,
// chained to the verification before it: audit/signed-records.ts), so that the agency can prove
// later what the record showed on the day, even after the records change, and a verification
// deleted from the table is found by `credit-graph audit verify`.
import { randomBytes } from 'node:crypto';
import {
  businessDateOf,
  clock as processClock,
  creditGraphError,
  isoDate,
  VERIFICATION_SCENARIOS,
  type Caller,
  type Clock,
  type ErrorCode,
  type VerificationScenario,
} from '@credit-graph/contract';
import type { AuditKeys } from '../audit/chain.ts';
import type { Checkpoints } from '../audit/checkpoints.ts';
import { createSignedRecords, type SignedTable } from '../audit/signed-records.ts';
import type { GatewayDb } from '../database.ts';
import type { CreditVerification } from '../generated/prisma/client.ts';
import type { InternalExecutor } from '../transport/internal.ts';
import type { CostlyOperationLimit } from '../trust/rate-limit.ts';

/** The most enterprises one verification names (a procurement's bidders). */
export const MAX_VERIFICATION_SUBJECTS = 500;
/** MAC domain of a stored verification (chain.ts recordMac). */
const MAC_DOMAIN = 'credit-verification v1';
/** Number alphabet: digits and capitals without I, O (read aloud, typed from paper). */
const NUMBER_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const VERIFICATION_NUMBER_PATTERN = /^CV-\d{8}-[0-9A-HJ-NP-Z]{10}$/;
/** Codes the registry refuses a verification with that are the caller's to fix (passed on as they are). */
const REFUSALS: ReadonlySet<string> = new Set<ErrorCode>(['FORBIDDEN', 'PURPOSE_REQUIRED', 'BAD_USER_INPUT']);

/** What the registry is asked, for every enterprise at once (one plan, batched per subgraph). */
export const MEASURES_QUERY = `query CreditVerificationMeasures($usccs: [USCC!]!, $scenario: VerificationScenario!) {
  enterprises(usccs: $usccs) {
    uscc
    name
    creditMeasures(scenario: $scenario) {
      verdict
      decidedOn
      catalogueVersion
      measures {
        code name nameEn kind effect legalBasis { document article reviewNote } durationRule until
        triggers { source kind id reference description authority legalBasis severity decidedOn until }
      }
      evaluation { grade score baseScore evaluatedOn factors { factor sector value weight effect } }
    }
  }
}`;

/** One enterprise's result, as stored and returned (dates as YYYY-MM-DD strings). */
export interface VerificationResult {
  uscc: string;
  registered: boolean;
  name: string | null;
  verdict: string | null;
  grade: string | null;
  score: number | null;
  evaluation: Record<string, unknown> | null;
  measures: Record<string, unknown>[];
}

/** The signed content of a verification. */
export interface VerificationContent {
  number: string;
  verifiedAt: string;
  agency: { subject: string; institution: string };
  scenario: VerificationScenario;
  catalogueVersion: string | null;
  decidedOn: string;
  results: VerificationResult[];
}

/** A stored verification as read back, with whether it is still exactly as signed. */
export interface StoredVerification extends VerificationContent {
  keyId: string;
  intact: boolean;
}

export interface VerificationsOptions {
  db: GatewayDb;
  /** The audit keys (AUDIT_HMAC_KEYS): the current one signs, any listed one verifies. */
  keys: AuditKeys;
  /** Runs one operation on the loaded supergraph (the gateway's internal executor), here as the agency. */
  execute: InternalExecutor;
  /** Where the chain's head is checkpointed (checkpointsOfChain(..., VERIFICATION_CHAIN.chain)); none: deleting the newest goes unseen. */
  checkpoints?: Checkpoints;
  /** Each agency caller's bucket of verifications (config verificationRateLimit), taken before the graph is read; none: unlimited here. */
  limit?: CostlyOperationLimit;
  clock?: Clock;
}

function newNumber(today: Date): string {
  const bytes = randomBytes(10);
  const tail = [...bytes].map((byte) => NUMBER_ALPHABET[byte % NUMBER_ALPHABET.length]).join('');
  return `CV-${isoDate(today).replaceAll('-', '')}-${tail}`;
}

/** The columns a MAC covers, as signed: everything stored but the chain's columns (keyId apart). */
function signedContent(row: { number: string; at: Date; subject: string; institution: string; scenario: string; subjects: string[]; content: unknown }) {
  return {
    number: row.number,
    at: row.at.toISOString(),
    subject: row.subject,
    institution: row.institution,
    scenario: row.scenario,
    subjects: row.subjects,
    content: row.content,
  };
}

/** The chain of stored verifications (audit/signed-records.ts): `credit-graph audit verify` walks it. */
export const VERIFICATION_CHAIN: SignedTable<CreditVerification> = {
  chain: 'credit-verification',
  table: 'CreditVerification',
  domain: MAC_DOMAIN,
  lockKey: 7_236_002,
  signedFields: (row) => ({ ...signedContent(row), keyId: row.keyId }),
  page: (db, afterSeq, take) => db.creditVerification.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take }),
  // A verification holds up to MAX_VERIFICATION_SUBJECTS results (measures, factors): about 1 MB at most.
  pageSize: 50,
};

/** The agency caller, or FORBIDDEN / PURPOSE_REQUIRED / BAD_USER_INPUT as the catalogue says. */
function checkAgency(caller: Caller, scenario: VerificationScenario): { subject: string; institution: string } {
  if (caller.role !== 'AGENCY' || !caller.scopes.includes('credit:verify') || !caller.institution) {
    throw creditGraphError('FORBIDDEN', `Credit verification is for public agencies (role AGENCY with scope credit:verify, bound to an institution); this caller is ${caller.role}`);
  }
  if (!caller.purpose) {
    throw creditGraphError('PURPOSE_REQUIRED', `A credit verification declares its scenario as the purpose (x-credit-purpose: ${scenario})`);
  }
  if (caller.purpose !== scenario) {
    throw creditGraphError('BAD_USER_INPUT', `The scenario ${scenario} differs from the declared purpose ${caller.purpose}: declare the scenario you verify for`, {
      argumentName: 'scenario',
    });
  }
  return { subject: caller.subject, institution: caller.institution };
}

function resultOf(uscc: string, enterprise: Record<string, any> | null | undefined): VerificationResult {
  const measures = enterprise?.creditMeasures;
  if (!enterprise || !measures) return { uscc, registered: Boolean(enterprise), name: enterprise?.name ?? null, verdict: null, grade: null, score: null, evaluation: null, measures: [] };
  return {
    uscc,
    registered: true,
    name: enterprise.name,
    verdict: measures.verdict,
    grade: measures.evaluation.grade,
    score: measures.evaluation.score,
    evaluation: measures.evaluation,
    measures: measures.measures,
  };
}

/**
 * The verifications service. `verify` (agency only) decides and stores one verification;
 * `record` reads one back for the agency that made it, an enterprise it names (its own result
 * only) or a regulator, with `intact` false when the row is no longer exactly as signed;
 * `chain.verify()` walks the whole chain of stored verifications against its checkpoints.
 * Throws ConfigError at creation without the database or the current audit key.
 */
export function createVerifications(options: VerificationsOptions) {
  const { db, keys, execute } = options;
  const clock = () => options.clock ?? processClock();
  const chain = createSignedRecords({ db, keys, table: VERIFICATION_CHAIN, checkpoints: options.checkpoints });

  return {
    chain,

    /**
     * Verifies `usccs` (1..500, duplicates answered once, in the order first named) for
     * `scenario`, as `caller`. Out: the stored verification. Errors: FORBIDDEN (not an agency),
     * PURPOSE_REQUIRED / BAD_USER_INPUT (purpose and scenario differ, no codes, too many),
     * RATE_LIMITED (the agency's verification bucket is empty),
     * SUBGRAPH_UNAVAILABLE (a subgraph could not answer: nothing is stored, since a partial
     * verification proves nothing).
     */
    async verify(caller: Caller, usccs: readonly string[], scenario: VerificationScenario): Promise<StoredVerification> {
      if (!VERIFICATION_SCENARIOS.includes(scenario)) throw creditGraphError('BAD_USER_INPUT', `Unknown scenario ${String(scenario)}`, { argumentName: 'scenario' });
      const agency = checkAgency(caller, scenario);
      const subjects = [...new Set(usccs)];
      if (subjects.length === 0 || subjects.length > MAX_VERIFICATION_SUBJECTS) {
        throw creditGraphError('BAD_USER_INPUT', `A verification names 1 to ${MAX_VERIFICATION_SUBJECTS} enterprises, got ${subjects.length}`, {
          argumentName: 'usccs',
          maximum: MAX_VERIFICATION_SUBJECTS,
        });
      }
      // A stored, signed record of up to 500 enterprises: a bucket of its own, after the checks that cost nothing.
      await options.limit?.take(caller);
      const answer = await execute(MEASURES_QUERY, { usccs: subjects, scenario }, { caller });
      if (answer.errors?.length) {
        // A refusal the registry made on purpose (a catalogued code) is the caller's answer; any
        // other failure means part of the record could not be read. Nothing is stored either way.
        const refusal = answer.errors.find((error) => REFUSALS.has(String(error.extensions?.code)));
        if (refusal) throw creditGraphError(refusal.extensions!.code as ErrorCode, refusal.message, { argumentName: refusal.extensions?.argumentName });
        const unavailable = answer.errors.find((error) => error.extensions?.code === 'SUBGRAPH_UNAVAILABLE');
        const sectors = unavailable?.extensions?.sectors ?? unavailable?.extensions?.serviceName;
        throw creditGraphError(
          'SUBGRAPH_UNAVAILABLE',
          'The verification could not be decided: a service holding part of the record did not answer. Nothing was stored; retry later.',
          sectors ? { sectors } : {},
        );
      }
      const enterprises = ((answer.data as { enterprises?: (Record<string, any> | null)[] } | null)?.enterprises ?? []);
      const now = clock().now();
      const today = businessDateOf(now, clock().timeZone);
      const results = subjects.map((uscc, index) => resultOf(uscc, enterprises[index]));
      const content: VerificationContent = {
        number: newNumber(today),
        verifiedAt: now.toISOString(),
        agency,
        scenario,
        catalogueVersion: enterprises.find((e) => e?.creditMeasures)?.creditMeasures.catalogueVersion ?? null,
        decidedOn: isoDate(today),
        results,
      };
      const row = {
        number: content.number,
        at: now,
        subject: agency.subject,
        institution: agency.institution,
        scenario,
        subjects,
        // Stored as the canonical JSON round-trips (no undefined, dates as strings).
        content: JSON.parse(JSON.stringify(content)) as VerificationContent,
      };
      const { link } = await chain.append(signedContent(row), (tx, link) =>
        tx.creditVerification.create({ data: { ...row, content: row.content as object, ...link } }),
      );
      return { ...content, keyId: link.keyId, intact: true };
    },

    /**
     * The stored verification `number` for `caller`: the agency (institution) that made it, an
     * enterprise it names (its own result only), or a regulator; null when there is none.
     * FORBIDDEN for anyone else (and for an enterprise it does not name: not even its existence).
     */
    async record(caller: Caller, number: string): Promise<StoredVerification | null> {
      const allowedRole = caller.role === 'AGENCY' || caller.role === 'ENTERPRISE' || caller.role === 'REGULATOR';
      if (!allowedRole) throw creditGraphError('FORBIDDEN', `A stored verification is shown to the agency that made it, the enterprises it names and regulators; not to a ${caller.role}`);
      if (!VERIFICATION_NUMBER_PATTERN.test(number)) return null;
      const row = await db.creditVerification.findUnique({ where: { number } });
      if (!row) return null;
      const content = row.content as unknown as VerificationContent;
      const own =
        caller.role === 'REGULATOR' ||
        (caller.role === 'AGENCY' && caller.institution === row.institution) ||
        (caller.role === 'ENTERPRISE' && caller.uscc !== undefined && row.subjects.includes(caller.uscc));
      if (!own) throw creditGraphError('FORBIDDEN', `Verification ${number} is shown to the agency that made it, the enterprises it names and regulators`);
      const stored = { ...content, keyId: row.keyId, intact: chain.isIntact(row) };
      // An enterprise sees its own result, not its competitors'.
      return caller.role === 'ENTERPRISE' ? { ...stored, results: content.results.filter((result) => result.uscc === caller.uscc) } : stored;
    },
  };
}

export type Verifications = ReturnType<typeof createVerifications>;
