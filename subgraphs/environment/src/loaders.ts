// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
// The hot reads (what a credit check touches) are plain SQL sent through Prisma's driver adapter and
// decoded by Prisma's raw decoder (`raw`, raw-query.ts in the contract): Prisma's query builder
// compiled and mapped every batch at about twice the CPU, $queryRaw at about twice the adapter's (bench/README.md);
// writes, migrations and the row types stay Prisma's. subgraph-kit/test/raw-reads.test.ts checks each
// statement returns exactly what the Prisma query it replaced returned.
import type { RawQuery } from '@credit-graph/contract';
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import {
  Prisma,
  type CarbonEmission,
  type EnvironmentalDisclosure,
  type EnvironmentalRating,
  type EnvironmentalViolation,
  type EnvironmentSubject,
  type PrismaClient,
} from './generated/prisma/client.ts';

/**
 * The statements of the hot reads, each over a batch of USCCs (one array parameter), ordered
 * as the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  profile: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "EnvironmentSubject" WHERE "uscc" = ANY(${usccs})`,
  ratings: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "EnvironmentalRating" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  violations: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "EnvironmentalViolation" WHERE "uscc" = ANY(${usccs}) ORDER BY "decidedOn" DESC, "id" ASC`,
  disclosures: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "EnvironmentalDisclosure" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  emissions: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "CarbonEmission" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
};

export function createLoaders(db: PrismaClient, raw: RawQuery) {
  return {
    // A subject row tells that the sector knows the enterprise: without it the profile is null.
    profile: rowLoader((usccs: readonly string[]) => raw<EnvironmentSubject>(reads.profile(usccs)), (row) => row.uscc),
    ratings: groupLoader((usccs: readonly string[]) => raw<EnvironmentalRating>(reads.ratings(usccs)), (row) => row.uscc),
    violations: groupLoader((usccs: readonly string[]) => raw<EnvironmentalViolation>(reads.violations(usccs)), (row) => row.uscc),
    disclosures: groupLoader((usccs: readonly string[]) => raw<EnvironmentalDisclosure>(reads.disclosures(usccs)), (row) => row.uscc),
    emissions: groupLoader((usccs: readonly string[]) => raw<CarbonEmission>(reads.emissions(usccs)), (row) => row.uscc),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
