// Resolvers of the gateway-hosted trust subgraph. Scopes are checked before planning by the
// authorization step; these resolvers add the bindings scopes cannot express: an enterprise
// acts only on its own consents and records.
import { ANONYMOUS_CALLER, clock, creditGraphError, type Caller, type Purpose, type VerificationScenario } from '@credit-graph/contract';
import type { Audit } from '../../audit/audit.ts';
import type { RequestReads } from '../../audit/policy.ts';
import type { ChangeFeed } from '../../feed/change-feed.ts';
import { consentExpiresAt, type Consents } from '../consent.ts';
import type { Verifications } from '../../verification/verification.ts';
import type { Reports } from '../../reports/reports.ts';
import { supervisionList } from '../../supervision/list.ts';
import type { InternalExecutor } from '../../transport/internal.ts';

export interface TrustContext {
  caller?: Caller;
  /** The request's reads (audit/policy.ts): this subgraph adds what it resolved, like the others report theirs. */
  reads?: RequestReads;
}

interface Services {
  consents: Consents;
  audit: Audit;
  changes: ChangeFeed;
  verifications: Verifications;
  reports: Reports;
  /** Graph reads as the caller (supervision list). */
  execute: InternalExecutor;
}

function ownUscc(caller: Caller | undefined): string {
  if (caller?.role !== 'ENTERPRISE' || !caller.uscc) {
    throw creditGraphError('FORBIDDEN', 'Only an enterprise, acting for itself, manages consents and reads its query records');
  }
  return caller.uscc;
}

function ownInstitution(caller: Caller | undefined): string {
  if (caller?.role !== 'BANK' || !caller.institution) {
    throw creditGraphError('FORBIDDEN', 'Only a bank, acting for its institution, lists the consents granted to it');
  }
  return caller.institution;
}

export function trustResolvers({ consents, audit, changes, verifications, reports, execute }: Services) {
  return {
    Query: {
      // A stored verification shows each enterprise's verdict, evaluation and measures: reading
      // it back is a read of their credit data, on the audit record under each enterprise shown
      // (征信业管理条例 art. 22), as verifying them was.
      verificationRecord: async (_: unknown, args: { number: string }, { caller, reads }: TrustContext) => {
        const stored = await verifications.record(caller ?? ANONYMOUS_CALLER, args.number);
        for (const result of stored?.results ?? []) if (result.registered) reads?.read.add(result.uscc);
        return stored;
      },
      myConsents: (_: unknown, __: unknown, { caller }: TrustContext) => consents.list(ownUscc(caller)),
      consentsGrantedToMe: (
        _: unknown,
        args: { purpose?: Purpose | null; liveOnly?: boolean | null; first?: number; after?: string | null },
        { caller }: TrustContext,
      ) =>
        consents.grantedTo(ownInstitution(caller), {
          purpose: args.purpose ?? undefined,
          liveOnly: args.liveOnly ?? false,
          first: args.first,
          after: args.after,
        }),
      myQueryRecords: (_: unknown, args: { first?: number; after?: string | null }, { caller }: TrustContext) =>
        audit.query({ enterpriseUscc: ownUscc(caller), first: args.first, after: args.after }),
      // Every change listed is a credit fact about its enterprise, read by the bank: on the
      // audit record under that enterprise (征信业管理条例 art. 22), whatever the page selects.
      creditChanges: async (_: unknown, args: { after?: string | null; first?: number | null }, { caller, reads }: TrustContext) => {
        const page = await changes.list(caller ?? ANONYMOUS_CALLER, args);
        for (const change of page.changes) {
          reads?.read.add(change.uscc);
          // The consents it relied on: the feed names no enterprise, so the consent lookup found none.
          for (const id of change.consentIds ?? []) reads?.consents.set(id, change.uscc);
        }
        return page;
      },
      auditRecords: (
        _: unknown,
        args: { filter?: { subject?: string; institution?: string; purpose?: Purpose; enterpriseUscc?: string; from?: Date; to?: Date } | null; first?: number; after?: string | null },
        { caller }: TrustContext,
      ) => {
        if (caller?.role !== 'REGULATOR') throw creditGraphError('FORBIDDEN', 'The audit log is for regulators');
        return audit.query({ ...(args.filter ?? {}), first: args.first, after: args.after });
      },
      supervisionList: (
        _: unknown,
        args: { districtCode: string; class?: string | null; first: number; after?: string | null },
        { caller, reads }: TrustContext,
      ) => supervisionList(execute, caller ?? ANONYMOUS_CALLER, reads, args),
      creditReportVerification: async (_: unknown, args: { number: string; code: string }) => {
        const result = await reports.verify(args.number, args.code);
        return { ...result, issuedToRole: result.issuedTo?.role, issuedToInstitution: result.issuedTo?.institution };
      },
    },
    Mutation: {
      // Every enterprise verified is a subject of the audit record (征信业管理条例 art. 22): it
      // shows in that enterprise's query records.
      creditVerification: async (_: unknown, args: { usccs: string[]; scenario: VerificationScenario }, { caller, reads }: TrustContext) => {
        const verification = await verifications.verify(caller ?? ANONYMOUS_CALLER, args.usccs, args.scenario);
        for (const result of verification.results) if (result.registered) reads?.read.add(result.uscc);
        return verification;
      },
      grantConsent: (_: unknown, args: { institution: string; purpose: Purpose; validForDays: number }, { caller }: TrustContext) =>
        consents.grant({
          enterpriseUscc: ownUscc(caller),
          institution: args.institution,
          purpose: args.purpose,
          expiresAt: consentExpiresAt(args.validForDays),
        }),
      revokeConsent: (_: unknown, args: { id: string }, { caller }: TrustContext) => consents.revoke(args.id, ownUscc(caller)),
      issueCreditReport: async (_: unknown, args: { uscc: string }, { caller, reads }: TrustContext) => {
        if (!caller || caller.role === 'PUBLIC') throw creditGraphError('UNAUTHENTICATED', 'Issuing a credit report needs credentials');
        const report = await reports.issue(caller, reads, args.uscc);
        return {
          ...report,
          grade: report.content.evaluation.grade,
          score: report.content.evaluation.score,
          sections: report.sections,
          pdfBase64: report.pdf.toString('base64'),
        };
      },
    },
    SupervisedEnterprise: {
      enterprise: (item: { uscc: string }) => ({ uscc: item.uscc }),
    },
    IssuedCreditReport: {
      enterprise: (report: { uscc: string }) => ({ uscc: report.uscc }),
    },
    Consent: {
      live: (consent: { revokedAt: Date | null; expiresAt: Date }) => consent.revokedAt === null && consent.expiresAt > clock().now(),
    },
    CreditChange: {
      sequence: (change: { seq: bigint }) => change.seq.toString(),
      enterprise: (change: { uscc: string }) => ({ uscc: change.uscc }),
    },
    AuditRecord: {
      seq: (record: { seq: bigint }) => record.seq.toString(),
    },
  };
}
