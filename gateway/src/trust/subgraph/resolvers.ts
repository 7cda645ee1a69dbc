// Resolvers of the gateway-hosted trust subgraph. Scopes are checked before planning by the
// authorization step; these resolvers add the bindings scopes cannot express: an enterprise
// acts only on its own consents and records.
import { ANONYMOUS_CALLER, clock, creditGraphError, type Caller, type Purpose } from '@credit-graph/contract';
import type { Audit } from '../../audit/audit.ts';
import type { ChangeFeed } from '../../feed/change-feed.ts';
import { consentExpiresAt, type Consents } from '../consent.ts';

export interface TrustContext {
  caller?: Caller;
}

interface Services {
  consents: Consents;
  audit: Audit;
  changes: ChangeFeed;
}

function ownUscc(caller: Caller | undefined): string {
  if (caller?.role !== 'ENTERPRISE' || !caller.uscc) {
    throw creditGraphError('FORBIDDEN', 'Only an enterprise, acting for itself, manages consents and reads its query records');
  }
  return caller.uscc;
}

export function trustResolvers({ consents, audit, changes }: Services) {
  return {
    Query: {
      myConsents: (_: unknown, __: unknown, { caller }: TrustContext) => consents.list(ownUscc(caller)),
      myQueryRecords: (_: unknown, args: { first?: number; after?: string | null }, { caller }: TrustContext) =>
        audit.query({ enterpriseUscc: ownUscc(caller), first: args.first, after: args.after }),
      creditChanges: (_: unknown, args: { after?: string | null; first?: number | null }, { caller }: TrustContext) =>
        changes.list(caller ?? ANONYMOUS_CALLER, args),
      auditRecords: (
        _: unknown,
        args: { filter?: { subject?: string; institution?: string; purpose?: Purpose; enterpriseUscc?: string; from?: Date; to?: Date } | null; first?: number; after?: string | null },
        { caller }: TrustContext,
      ) => {
        if (caller?.role !== 'REGULATOR') throw creditGraphError('FORBIDDEN', 'The audit log is for regulators');
        return audit.query({ ...(args.filter ?? {}), first: args.first, after: args.after });
      },
    },
    Mutation: {
      grantConsent: (_: unknown, args: { institution: string; purpose: Purpose; validForDays: number }, { caller }: TrustContext) =>
        consents.grant({
          enterpriseUscc: ownUscc(caller),
          institution: args.institution,
          purpose: args.purpose,
          expiresAt: consentExpiresAt(args.validForDays),
        }),
      revokeConsent: (_: unknown, args: { id: string }, { caller }: TrustContext) => consents.revoke(args.id, ownUscc(caller)),
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
