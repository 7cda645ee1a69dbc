// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import type { PrismaClient } from './generated/prisma/client.ts';

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });
  return {
    // A subject row tells that the sector knows the enterprise: without it the profile is null.
    profile: rowLoader((usccs: readonly string[]) => db.environmentSubject.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    ratings: groupLoader(
      (usccs: readonly string[]) => db.environmentalRating.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    violations: groupLoader(
      (usccs: readonly string[]) =>
        db.environmentalViolation.findMany({ where: byUscc(usccs), orderBy: [{ decidedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    disclosures: groupLoader(
      (usccs: readonly string[]) => db.environmentalDisclosure.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    emissions: groupLoader(
      (usccs: readonly string[]) => db.carbonEmission.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
