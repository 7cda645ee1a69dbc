// Batched reads for one request: each loader is one SQL statement per batch of keys.
// The hot reads (what a credit check touches) are plain SQL sent through Prisma's driver adapter and
// decoded by Prisma's raw decoder (`raw`, raw-query.ts in the contract): Prisma's query builder
// compiled and mapped every batch at about twice the CPU, $queryRaw at about twice the adapter's (bench/README.md);
// writes, migrations and the row types stay Prisma's. subgraph-kit/test/raw-reads.test.ts checks each
// statement returns exactly what the Prisma query it replaced returned.
import type DataLoader from 'dataloader';
import type { RawQuery } from '@credit-graph/contract';
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import {
  Prisma,
  type LogisticsCredit,
  type LogisticsIncident,
  type PrismaClient,
  type SupplyChainPartner,
  type SupplyChainProfile,
  type TraceabilityCode,
} from './generated/prisma/client.ts';

/**
 * The statements of the hot reads, each over a batch of USCCs (one array parameter), ordered
 * as the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  profile: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "SupplyChainProfile" WHERE "uscc" = ANY(${usccs})`,
  logisticsCredits: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "LogisticsCredit" WHERE "uscc" = ANY(${usccs}) ORDER BY "ratedOn" DESC, "id" ASC`,
  incidents: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "LogisticsIncident" WHERE "uscc" = ANY(${usccs}) ORDER BY "occurredOn" DESC, "id" ASC`,
  partners: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "SupplyChainPartner" WHERE "uscc" = ANY(${usccs}) ORDER BY "annualVolume" DESC, "id" ASC`,
};

export function createLoaders(db: PrismaClient, raw: RawQuery) {

  // One loader per page size asked for in the request (usually just the default).
  const latestCodesBySize = new Map<number, DataLoader<string, TraceabilityCode[]>>();
  const latestCodes = (size: number) => {
    let loader = latestCodesBySize.get(size);
    if (!loader) {
      // The window function bounds each producer to `size` codes in SQL: a producer may have millions.
      loader = groupLoader(
        (usccs: readonly string[]) => raw<TraceabilityCode>(Prisma.sql`
          SELECT "code", "uscc", "product", "batch", "producedOn" FROM (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY "uscc" ORDER BY "producedOn" DESC, "code" DESC) AS "rank"
            FROM "TraceabilityCode" WHERE "uscc" IN (${Prisma.join([...usccs])})
          ) AS "ranked"
          WHERE "rank" <= ${size}
          ORDER BY "uscc", "rank"`),
        (row) => row.uscc,
      );
      latestCodesBySize.set(size, loader);
    }
    return loader;
  };

  return {
    profile: rowLoader((usccs: readonly string[]) => raw<SupplyChainProfile>(reads.profile(usccs)), (row) => row.uscc),
    logisticsCredits: groupLoader((usccs: readonly string[]) => raw<LogisticsCredit>(reads.logisticsCredits(usccs)), (row) => row.uscc),
    // All of an enterprise's incidents, every category: the ratings, the profile and the signals share them.
    incidents: groupLoader((usccs: readonly string[]) => raw<LogisticsIncident>(reads.incidents(usccs)), (row) => row.uscc),
    partners: groupLoader((usccs: readonly string[]) => raw<SupplyChainPartner>(reads.partners(usccs)), (row) => row.uscc),
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
