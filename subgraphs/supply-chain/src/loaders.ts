// Batched reads for one request: each loader is one SQL statement per batch of keys.
import type DataLoader from 'dataloader';
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import { Prisma, type PrismaClient, type TraceabilityCode } from './generated/prisma/client.ts';

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });

  // One loader per page size asked for in the request (usually just the default).
  const latestCodesBySize = new Map<number, DataLoader<string, TraceabilityCode[]>>();
  const latestCodes = (size: number) => {
    let loader = latestCodesBySize.get(size);
    if (!loader) {
      // The window function bounds each producer to `size` codes in SQL: a producer may have millions.
      loader = groupLoader(
        (usccs: readonly string[]) => db.$queryRaw<TraceabilityCode[]>`
          SELECT "code", "uscc", "product", "batch", "producedOn" FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY "uscc" ORDER BY "producedOn" DESC, "code" DESC) AS "rank"
            FROM "TraceabilityCode" WHERE "uscc" IN (${Prisma.join([...usccs])})
          ) AS "ranked"
          WHERE "rank" <= ${size}
          ORDER BY "uscc", "rank"`,
        (row) => row.uscc,
      );
      latestCodesBySize.set(size, loader);
    }
    return loader;
  };

  return {
    profile: rowLoader((usccs: readonly string[]) => db.supplyChainProfile.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    logisticsCredits: groupLoader(
      (usccs: readonly string[]) =>
        db.logisticsCredit.findMany({ where: byUscc(usccs), orderBy: [{ ratedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    // All of an enterprise's incidents, every category: the ratings, the profile and the signals share them.
    incidents: groupLoader(
      (usccs: readonly string[]) =>
        db.logisticsIncident.findMany({ where: byUscc(usccs), orderBy: [{ occurredOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    partners: groupLoader(
      (usccs: readonly string[]) =>
        db.supplyChainPartner.findMany({ where: byUscc(usccs), orderBy: [{ annualVolume: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    latestCodes,
    traceabilityCode: rowLoader(
      (codes: readonly string[]) => db.traceabilityCode.findMany({ where: { code: { in: [...codes] } } }),
      (row) => row.code,
    ),
    steps: groupLoader(
      (codes: readonly string[]) =>
        db.traceabilityStep.findMany({ where: { code: { in: [...codes] } }, orderBy: [{ code: 'asc' }, { sequence: 'asc' }] }),
      (row) => row.code,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
