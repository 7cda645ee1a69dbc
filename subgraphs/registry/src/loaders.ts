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
  type AdministrativeLicense,
  type AdministrativePenalty,
  type CreditCommitment,
  type DishonestyListEntry,
  type Enterprise,
  type Objection,
  type PrismaClient,
  type RepairApplication,
} from './generated/prisma/client.ts';

/**
 * The statements of the hot reads, each over a batch of USCCs (one array parameter), ordered
 * as the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  enterprise: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "Enterprise" WHERE "uscc" = ANY(${usccs})`,
  licenses: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "AdministrativeLicense" WHERE "uscc" = ANY(${usccs}) ORDER BY "decisionDate" DESC`,
  penalties: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "AdministrativePenalty" WHERE "uscc" = ANY(${usccs}) ORDER BY "decisionDate" DESC`,
  listEntries: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "DishonestyListEntry" WHERE "uscc" = ANY(${usccs}) ORDER BY "listedOn" DESC`,
  objections: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "Objection" WHERE "uscc" = ANY(${usccs}) ORDER BY "filedAt" DESC`,
  repairs: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "RepairApplication" WHERE "uscc" = ANY(${usccs}) ORDER BY "appliedAt" DESC`,
  commitments: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "CreditCommitment" WHERE "uscc" = ANY(${usccs}) ORDER BY "madeOn" DESC`,
};

export function createLoaders(db: PrismaClient, raw: RawQuery) {
  return {
    enterprise: rowLoader((usccs: readonly string[]) => raw<Enterprise>(reads.enterprise(usccs)), (row) => row.uscc),
    licenses: groupLoader((usccs: readonly string[]) => raw<AdministrativeLicense>(reads.licenses(usccs)), (row) => row.uscc),
    penalties: groupLoader((usccs: readonly string[]) => raw<AdministrativePenalty>(reads.penalties(usccs)), (row) => row.uscc),
    listEntries: groupLoader((usccs: readonly string[]) => raw<DishonestyListEntry>(reads.listEntries(usccs)), (row) => row.uscc),
    objections: groupLoader((usccs: readonly string[]) => raw<Objection>(reads.objections(usccs)), (row) => row.uscc),
    repairs: groupLoader((usccs: readonly string[]) => raw<RepairApplication>(reads.repairs(usccs)), (row) => row.uscc),
    commitments: groupLoader((usccs: readonly string[]) => raw<CreditCommitment>(reads.commitments(usccs)), (row) => row.uscc),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
