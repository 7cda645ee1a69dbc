// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import type { PrismaClient } from './generated/prisma/client.ts';

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });
  return {
    profile: rowLoader((usccs: readonly string[]) => db.financeProfile.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    taxCredits: groupLoader(
      (usccs: readonly string[]) => db.taxCreditRating.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    socialInsurance: groupLoader(
      (usccs: readonly string[]) => db.socialInsurancePayment.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    housingFund: groupLoader(
      (usccs: readonly string[]) => db.housingFundPayment.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    utilities: groupLoader(
      (usccs: readonly string[]) =>
        db.utilityPayment.findMany({ where: byUscc(usccs), orderBy: [{ year: 'desc' }, { utility: 'asc' }] }),
      (row) => row.uscc,
    ),
    loans: groupLoader(
      (usccs: readonly string[]) => db.xinYiDaiLoan.findMany({ where: byUscc(usccs), orderBy: [{ appliedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    arrears: groupLoader(
      (usccs: readonly string[]) =>
        db.paymentArrears.findMany({ where: byUscc(usccs), orderBy: [{ reportedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
