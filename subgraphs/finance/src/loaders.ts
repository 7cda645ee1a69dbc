// Batched reads for one request: each loader is one SQL statement per batch of enterprises.
// The hot reads (what a credit check touches) are plain SQL sent through Prisma's raw API:
// Prisma's query builder compiled and mapped every batch at about twice the CPU (bench/README.md);
// writes, migrations and the row types stay Prisma's. tests/raw-reads.test.ts checks each
// statement returns exactly what the Prisma query it replaced returned.
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

export function createLoaders(db: PrismaClient) {
  return {
    profile: rowLoader((usccs: readonly string[]) => db.$queryRaw<FinanceProfile[]>(reads.profile(usccs)), (row) => row.uscc),
    taxCredits: groupLoader((usccs: readonly string[]) => db.$queryRaw<TaxCreditRating[]>(reads.taxCredits(usccs)), (row) => row.uscc),
    socialInsurance: groupLoader(
      (usccs: readonly string[]) => db.$queryRaw<SocialInsurancePayment[]>(reads.socialInsurance(usccs)),
      (row) => row.uscc,
    ),
    housingFund: groupLoader((usccs: readonly string[]) => db.$queryRaw<HousingFundPayment[]>(reads.housingFund(usccs)), (row) => row.uscc),
    utilities: groupLoader((usccs: readonly string[]) => db.$queryRaw<UtilityPayment[]>(reads.utilities(usccs)), (row) => row.uscc),
    loans: groupLoader((usccs: readonly string[]) => db.$queryRaw<XinYiDaiLoan[]>(reads.loans(usccs)), (row) => row.uscc),
    arrears: groupLoader((usccs: readonly string[]) => db.$queryRaw<PaymentArrears[]>(reads.arrears(usccs)), (row) => row.uscc),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
