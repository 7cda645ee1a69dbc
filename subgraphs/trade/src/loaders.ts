// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import type { PrismaClient } from './generated/prisma/client.ts';

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });
  return {
    customsCredit: rowLoader((usccs: readonly string[]) => db.customsCredit.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    creditHistory: groupLoader(
      (usccs: readonly string[]) => db.customsCreditChange.findMany({ where: byUscc(usccs), orderBy: { from: 'desc' } }),
      (row) => row.uscc,
    ),
    volumes: groupLoader(
      (usccs: readonly string[]) => db.tradeVolume.findMany({ where: byUscc(usccs), orderBy: { year: 'desc' } }),
      (row) => row.uscc,
    ),
    violations: groupLoader(
      (usccs: readonly string[]) =>
        db.declarationViolation.findMany({ where: byUscc(usccs), orderBy: [{ decidedOn: 'desc' }, { id: 'desc' }] }),
      (row) => row.uscc,
    ),
    investments: groupLoader(
      (usccs: readonly string[]) =>
        db.crossBorderInvestment.findMany({ where: byUscc(usccs), orderBy: [{ filedOn: 'desc' }, { id: 'desc' }] }),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
