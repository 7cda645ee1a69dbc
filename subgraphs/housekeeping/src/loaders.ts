// Batched reads for one request: each loader is one SQL statement per batch of keys.
// The hot reads (what a credit check touches) are plain SQL sent through Prisma's driver adapter and
// decoded by Prisma's raw decoder (`raw`, raw-query.ts in the contract): Prisma's query builder
// compiled and mapped every batch at about twice the CPU, $queryRaw at about twice the adapter's (bench/README.md);
// writes, migrations and the row types stay Prisma's. subgraph-kit/test/raw-reads.test.ts checks each
// statement returns exactly what the Prisma query it replaced returned.
import type { RawQuery } from '@credit-graph/contract';
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import {
  Prisma,
  type ElderlyCareCommitment,
  type ElderlyCareInspection,
  type ElderlyCareInstitution,
  type ElderlyCarePenalty,
  type HousekeepingComplaint,
  type HousekeepingCompany,
  type PrismaClient,
  type Worker,
} from './generated/prisma/client.ts';

interface WorkerSlot {
  id: string;
  uscc: string;
}

/**
 * The statements of the hot reads, each over a batch of keys (one array parameter), ordered as
 * the loaders hand the rows out. Exported for the benchmark's floor (bench/src/floor.ts).
 */
export const reads = {
  company: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "HousekeepingCompany" WHERE "uscc" = ANY(${usccs})`,
  complaints: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "HousekeepingComplaint" WHERE "uscc" = ANY(${usccs}) ORDER BY "receivedOn" DESC, "id" ASC`,
  workerCount: (usccs: readonly string[]) =>
    Prisma.sql`SELECT "uscc", count(*)::int AS "count" FROM "Worker" WHERE "uscc" = ANY(${usccs}) GROUP BY "uscc"`,
  // Enum arrays come back from a raw query as the array's text ("{A,B}"): cast to text[] they are arrays, as Prisma's.
  worker: (ids: readonly string[]) =>
    Prisma.sql`SELECT "id", "uscc", "employedSince", "name", "sex", "birthDate", "registeredAgeBand", "serviceTypes"::text[] AS "serviceTypes",
      "ratingAverage", "ratingCount", "backgroundOutcome", "backgroundCheckedOn", "flaggedCategories"::text[] AS "flaggedCategories"
      FROM "Worker" WHERE "id" = ANY(${ids})`,
  institution: (usccs: readonly string[]) => Prisma.sql`SELECT * FROM "ElderlyCareInstitution" WHERE "uscc" = ANY(${usccs})`,
  inspections: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "ElderlyCareInspection" WHERE "uscc" = ANY(${usccs}) ORDER BY "inspectedOn" DESC, "id" ASC`,
  elderlyCarePenalties: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "ElderlyCarePenalty" WHERE "uscc" = ANY(${usccs}) ORDER BY "decidedOn" DESC, "id" ASC`,
  elderlyCareCommitments: (usccs: readonly string[]) =>
    Prisma.sql`SELECT * FROM "ElderlyCareCommitment" WHERE "uscc" = ANY(${usccs}) ORDER BY "madeOn" DESC, "id" ASC`,
};

/** A company's worker count, in the shape of Prisma's `groupBy({ by: ['uscc'], _count: { _all: true } })`. */
interface WorkerCount {
  uscc: string;
  _count: { _all: number };
}

export function createLoaders(db: PrismaClient, raw: RawQuery) {
  const byWorker = (ids: readonly string[]) => ({ workerId: { in: [...ids] } });

  // One loader per `first` value asked in the request (usually one): the window function
  // reads at most `first` workers per company, however many a company employs.
  const currentWorkerIds = (first: number) =>
    groupLoader(
      (usccs: readonly string[]) => raw<WorkerSlot>(Prisma.sql`
        SELECT id, uscc FROM (
          SELECT id, uscc, row_number() OVER (PARTITION BY uscc ORDER BY "employedSince", id) AS position
          FROM "Worker" WHERE uscc IN (${Prisma.join([...usccs])})
        ) ranked
        WHERE position <= ${first}
        ORDER BY uscc, position`),
      (slot) => slot.uscc,
    );
  const workerIdLoaders = new Map<number, ReturnType<typeof currentWorkerIds>>();

  return {
    company: rowLoader((usccs: readonly string[]) => raw<HousekeepingCompany>(reads.company(usccs)), (row) => row.uscc),
    complaints: groupLoader((usccs: readonly string[]) => raw<HousekeepingComplaint>(reads.complaints(usccs)), (row) => row.uscc),
    workerCount: rowLoader(
      async (usccs: readonly string[]): Promise<WorkerCount[]> =>
        (await raw<{ uscc: string; count: number }>(reads.workerCount(usccs))).map(({ uscc, count }) => ({ uscc, _count: { _all: count } })),
      (row) => row.uscc,
    ),
    /** The ids of a company's current workers, longest-serving first, at most `first` of them. */
    workerIds(first: number) {
      let loader = workerIdLoaders.get(first);
      if (!loader) workerIdLoaders.set(first, (loader = currentWorkerIds(first)));
      return loader;
    },
    worker: rowLoader((ids: readonly string[]) => raw<Worker>(reads.worker(ids)), (row) => row.id),
    certificates: groupLoader(
      (ids: readonly string[]) => db.workerCertificate.findMany({ where: byWorker(ids), orderBy: [{ issuedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.workerId,
    ),
    trainings: groupLoader(
      (ids: readonly string[]) => db.workerTraining.findMany({ where: byWorker(ids), orderBy: [{ completedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.workerId,
    ),
    serviceRecords: groupLoader(
      (ids: readonly string[]) => db.workerServiceRecord.findMany({ where: byWorker(ids), orderBy: [{ from: 'desc' }, { id: 'asc' }] }),
      (row) => row.workerId,
    ),

    institution: rowLoader((usccs: readonly string[]) => raw<ElderlyCareInstitution>(reads.institution(usccs)), (row) => row.uscc),
    inspections: groupLoader((usccs: readonly string[]) => raw<ElderlyCareInspection>(reads.inspections(usccs)), (row) => row.uscc),
    elderlyCarePenalties: groupLoader(
      (usccs: readonly string[]) => raw<ElderlyCarePenalty>(reads.elderlyCarePenalties(usccs)),
      (row) => row.uscc,
    ),
    elderlyCareCommitments: groupLoader(
      (usccs: readonly string[]) => raw<ElderlyCareCommitment>(reads.elderlyCareCommitments(usccs)),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
