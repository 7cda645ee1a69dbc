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
  type FinanceProfile,
  type HousingFundPayment,
  type PaymentArrears,
  type PrismaClient,
  type SocialInsurancePayment,
  type TaxCreditRating,
  type UtilityPayment,
  type XinYiDaiLoan,
} from './generated/prisma/client.ts';

/**
 * The statements of the hot reads, each over a batch of USCCs (one array parameter), ordered
 * as the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  profile: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "FinanceProfile" WHERE "uscc" = ANY(${usccs})`,
  taxCredits: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "TaxCreditRating" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  socialInsurance: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "SocialInsurancePayment" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  housingFund: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "HousingFundPayment" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC`,
  utilities: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "UtilityPayment" WHERE "uscc" = ANY(${usccs}) ORDER BY "year" DESC, "utility" ASC`,
  loans: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "XinYiDaiLoan" WHERE "uscc" = ANY(${usccs}) ORDER BY "appliedOn" DESC, "id" ASC`,
  arrears: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "PaymentArrears" WHERE "uscc" = ANY(${usccs}) ORDER BY "reportedOn" DESC, "id" ASC`,
};

export function createLoaders(db: PrismaClient, raw: RawQuery) {
  return {
    profile: rowLoader((usccs: readonly string[]) => raw<FinanceProfile>(reads.profile(usccs)), (row) => row.uscc),
    taxCredits: groupLoader((usccs: readonly string[]) => raw<TaxCreditRating>(reads.taxCredits(usccs)), (row) => row.uscc),
    socialInsurance: groupLoader(
      (usccs: readonly string[]) => raw<SocialInsurancePayment>(reads.socialInsurance(usccs)),
      (row) => row.uscc,
    ),
    housingFund: groupLoader((usccs: readonly string[]) => raw<HousingFundPayment>(reads.housingFund(usccs)), (row) => row.uscc),
    utilities: groupLoader((usccs: readonly string[]) => raw<UtilityPayment>(reads.utilities(usccs)), (row) => row.uscc),
    loans: groupLoader((usccs: readonly string[]) => raw<XinYiDaiLoan>(reads.loans(usccs)), (row) => row.uscc),
    arrears: groupLoader((usccs: readonly string[]) => raw<PaymentArrears>(reads.arrears(usccs)), (row) => row.uscc),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
