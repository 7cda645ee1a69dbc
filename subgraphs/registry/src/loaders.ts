// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import type { PrismaClient } from './generated/prisma/client.ts';

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });
  return {
    enterprise: rowLoader((usccs: readonly string[]) => db.enterprise.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    licenses: groupLoader(
      (usccs: readonly string[]) => db.administrativeLicense.findMany({ where: byUscc(usccs), orderBy: { decisionDate: 'desc' } }),
      (row) => row.uscc,
    ),
    penalties: groupLoader(
      (usccs: readonly string[]) => db.administrativePenalty.findMany({ where: byUscc(usccs), orderBy: { decisionDate: 'desc' } }),
      (row) => row.uscc,
    ),
    listEntries: groupLoader(
      (usccs: readonly string[]) => db.dishonestyListEntry.findMany({ where: byUscc(usccs), orderBy: { listedOn: 'desc' } }),
      (row) => row.uscc,
    ),
    objections: groupLoader(
      (usccs: readonly string[]) => db.objection.findMany({ where: byUscc(usccs), orderBy: { filedAt: 'desc' } }),
      (row) => row.uscc,
    ),
    repairs: groupLoader(
      (usccs: readonly string[]) => db.repairApplication.findMany({ where: byUscc(usccs), orderBy: { appliedAt: 'desc' } }),
      (row) => row.uscc,
    ),
    commitments: groupLoader(
      (usccs: readonly string[]) => db.creditCommitment.findMany({ where: byUscc(usccs), orderBy: { madeOn: 'desc' } }),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
