// What a public credit report (公共信用信息报告) says: its sections, read from the graph at the
// moment of issue. The sections follow the national public credit report standard (2022; see
// shared notes on 双公示 and the report): registration, administrative licences and penalties
// (双公示), dishonesty lists (severe dishonesty, abnormal operation), credit commitments, the
// comprehensive evaluation with its factors, and, for a caller entitled to it (the enterprise
// itself, a consented bank, a regulator with a purpose), the non-public finance section.
// Nothing here is stored: the gateway keeps only the issued report's signed digest (reports.ts).
import { creditGraphError, type Caller } from '@credit-graph/contract';
import type { ExecutionResult } from 'graphql';

/** At most this many items of one section are listed in the report; the rest are counted. */
export const MAX_SECTION_ITEMS = 50;

/**
 * The one read a report is composed from: the public sections, plus the finance section when
 * `$withFinance`. The gateway decides the condition before planning (transport/inline-conditions.ts),
 * so it cannot gate the evaluation's @requires inputs as the query planner alone did.
 */
export const REPORT_QUERY = `query CreditReportContent($uscc: USCC!, $withFinance: Boolean!) {
  enterprise(uscc: $uscc) {
    uscc name entityType legalRepresentative registeredCapital establishedOn
    district { code name } industry status address businessScope
    licenses { decisionNumber licenseName category licenseNumber decisionDate validFrom validTo authority }
    penalties { decisionNumber category decisionDate content fineAmount violationType legalBasis severity authority publication { status publishedUntil } }
    listEntries { listType authority legalBasis reason listedOn expiresOn active measures }
    commitments { type content madeOn termEnd status }
    evaluation { grade score baseScore evaluatedOn factors { factor sector value weight effect } }
    finance @include(if: $withFinance) { currentTaxCreditLevel arrears { kind amount reportedOn settledOn } }
  }
}`;

export interface ReportSection<Item> {
  items: Item[];
  /** Items held beyond MAX_SECTION_ITEMS (listed by count only). */
  more: number;
}

/** The report's content: exactly what was printed, and what its digest covers. */
export interface ReportContent {
  registration: {
    uscc: string; name: string; entityType: string; legalRepresentative: string; registeredCapital: number;
    establishedOn: string; district: string; industry: string; status: string; address: string; businessScope: string;
  };
  licenses: ReportSection<Record<string, unknown>>;
  penalties: ReportSection<Record<string, unknown>>;
  lists: ReportSection<Record<string, unknown>>;
  commitments: ReportSection<Record<string, unknown>>;
  evaluation: { grade: string; score: number; baseScore: number; evaluatedOn: string; factors: Record<string, unknown>[] };
  /** The non-public finance section: present for an entitled caller, else why it is left out. */
  finance: { included: true; currentTaxCreditLevel: string | null; arrears: ReportSection<Record<string, unknown>> } | { included: false; reason: string };
}

function section<Item>(items: Item[] | null | undefined): ReportSection<Item> {
  const all = items ?? [];
  return { items: all.slice(0, MAX_SECTION_ITEMS), more: Math.max(0, all.length - MAX_SECTION_ITEMS) };
}

/** Whether the caller may ask for the non-public section at all (the subgraphs still decide per enterprise). */
export function asksForNonPublic(caller: Caller): boolean {
  return caller.scopes.includes('credit:read') && caller.purpose !== undefined;
}

const NON_PUBLIC_CODES = new Set(['FORBIDDEN', 'CONSENT_REQUIRED', 'PURPOSE_REQUIRED', 'UNAUTHENTICATED']);

/**
 * The report's content from REPORT_QUERY's result. Throws BAD_USER_INPUT when no enterprise
 * has the code, SUBGRAPH_UNAVAILABLE when a section the report must carry could not be read (a
 * service did not answer or failed, its serviceName given; a report is never issued with a public
 * section missing), INTERNAL_SERVER_ERROR for a failure of the gateway's own.
 */
export function composeReport(uscc: string, result: ExecutionResult, withFinance: boolean): ReportContent {
  const enterprise = (result.data as { enterprise?: Record<string, any> | null } | null | undefined)?.enterprise;
  const errors = result.errors ?? [];
  const financeRefusal = errors.find((e) => e.path?.at(-1) === 'finance' && NON_PUBLIC_CODES.has(String(e.extensions?.code)));
  const blocking = errors.filter((e) => e !== financeRefusal);
  if (blocking.length > 0 || (enterprise && !enterprise.evaluation)) {
    // A service that could not answer (SUBGRAPH_UNAVAILABLE), or that failed (a subgraph's own
    // error, which @apollo/gateway names by serviceName: its database stopped, say): the section
    // cannot be read now. Only a failure of the gateway's own is INTERNAL_SERVER_ERROR.
    const unavailable =
      blocking.find((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE') ?? blocking.find((e) => typeof e.extensions?.serviceName === 'string');
    if (unavailable || (enterprise && !enterprise.evaluation)) {
      throw creditGraphError('SUBGRAPH_UNAVAILABLE', `The credit report of ${uscc} cannot be issued now: a section could not be read (${unavailable?.message ?? 'evaluation'}). Retry later.`, {
        serviceName: unavailable?.extensions?.serviceName ?? 'registry',
      });
    }
    throw creditGraphError('INTERNAL_SERVER_ERROR', `The credit report of ${uscc} could not be composed`);
  }
  if (!enterprise) throw creditGraphError('BAD_USER_INPUT', `No enterprise is registered with code ${uscc}`, { argumentName: 'uscc' });
  const finance = enterprise.finance as { currentTaxCreditLevel: string | null; arrears: Record<string, unknown>[] } | null | undefined;
  return {
    registration: {
      uscc: enterprise.uscc, name: enterprise.name, entityType: enterprise.entityType, legalRepresentative: enterprise.legalRepresentative,
      registeredCapital: enterprise.registeredCapital, establishedOn: enterprise.establishedOn,
      district: `${enterprise.district.name} (${enterprise.district.code})`, industry: enterprise.industry, status: enterprise.status,
      address: enterprise.address, businessScope: enterprise.businessScope,
    },
    licenses: section(enterprise.licenses),
    penalties: section(enterprise.penalties),
    lists: section(enterprise.listEntries),
    commitments: section(enterprise.commitments),
    evaluation: enterprise.evaluation,
    finance: !withFinance
      ? { included: false, reason: 'not requested: non-public data needs credit:read and a declared purpose' }
      : financeRefusal
        ? { included: false, reason: `not entitled (${String(financeRefusal.extensions?.code)})` }
        : finance
          ? { included: true, currentTaxCreditLevel: finance.currentTaxCreditLevel, arrears: section(finance.arrears) }
          : { included: false, reason: 'no finance records held' },
  };
}
