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
  type CrossBorderInvestment,
  type CustomsCredit,
  type CustomsCreditChange,
  type DeclarationViolation,
  type PrismaClient,
  type TradeVolume,
} from './generated/prisma/client.ts';

/**
 * The statements of the hot reads, each over a batch of USCCs (one array parameter), ordered
 * as the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  customsCredit: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "CustomsCredit" WHERE "uscc" = ANY(${usccs})`,
  creditHistory: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "CustomsCreditChange" WHERE "uscc" = ANY(${usccs}) ORDER BY "from" DESC`,
  volumes: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "TradeVolume" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  violations: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "DeclarationViolation" WHERE "uscc" = ANY(${usccs}) ORDER BY "decidedOn" DESC, "id" DESC`,
  investments: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "CrossBorderInvestment" WHERE "uscc" = ANY(${usccs}) ORDER BY "filedOn" DESC, "id" DESC`,
};

export function createLoaders(db: PrismaClient, raw: RawQuery) {
  return {
    customsCredit: rowLoader((usccs: readonly string[]) => raw<CustomsCredit>(reads.customsCredit(usccs)), (row) => row.uscc),
    creditHistory: groupLoader((usccs: readonly string[]) => raw<CustomsCreditChange>(reads.creditHistory(usccs)), (row) => row.uscc),
    volumes: groupLoader((usccs: readonly string[]) => raw<TradeVolume>(reads.volumes(usccs)), (row) => row.uscc),
    violations: groupLoader((usccs: readonly string[]) => raw<DeclarationViolation>(reads.violations(usccs)), (row) => row.uscc),
    investments: groupLoader((usccs: readonly string[]) => raw<CrossBorderInvestment>(reads.investments(usccs)), (row) => row.uscc),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
