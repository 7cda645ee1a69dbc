// Batched reads for one request: each loader is one SQL statement per batch of keys.
import { groupLoader, rowLoader } from '@credit-graph/subgraph-kit';
import { Prisma, type PrismaClient } from './generated/prisma/client.ts';

interface WorkerSlot {
  id: string;
  uscc: string;
}

export function createLoaders(db: PrismaClient) {
  const byUscc = (usccs: readonly string[]) => ({ uscc: { in: [...usccs] } });
  const byWorker = (ids: readonly string[]) => ({ workerId: { in: [...ids] } });

  // One loader per `first` value asked in the request (usually one): the window function
  // reads at most `first` workers per company, however many a company employs.
  const currentWorkerIds = (first: number) =>
    groupLoader(
      (usccs: readonly string[]) => db.$queryRaw<WorkerSlot[]>`
        SELECT id, uscc FROM (
          SELECT id, uscc, row_number() OVER (PARTITION BY uscc ORDER BY "employedSince", id) AS position
          FROM "Worker" WHERE uscc IN (${Prisma.join([...usccs])})
        ) ranked
        WHERE position <= ${first}
        ORDER BY uscc, position`,
      (slot) => slot.uscc,
    );
  const workerIdLoaders = new Map<number, ReturnType<typeof currentWorkerIds>>();

  return {
    company: rowLoader((usccs: readonly string[]) => db.housekeepingCompany.findMany({ where: byUscc(usccs) }), (row) => row.uscc),
    complaints: groupLoader(
      (usccs: readonly string[]) => db.housekeepingComplaint.findMany({ where: byUscc(usccs), orderBy: [{ receivedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    workerCount: rowLoader(
      (usccs: readonly string[]) => db.worker.groupBy({ by: ['uscc'], where: byUscc(usccs), _count: { _all: true } }),
      (row) => row.uscc ?? '',
    ),
    /** The ids of a company's current workers, longest-serving first, at most `first` of them. */
    workerIds(first: number) {
      let loader = workerIdLoaders.get(first);
      if (!loader) workerIdLoaders.set(first, (loader = currentWorkerIds(first)));
      return loader;
    },
    worker: rowLoader((ids: readonly string[]) => db.worker.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id),
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

    institution: rowLoader(
      (usccs: readonly string[]) => db.elderlyCareInstitution.findMany({ where: byUscc(usccs) }),
      (row) => row.uscc,
    ),
    inspections: groupLoader(
      (usccs: readonly string[]) => db.elderlyCareInspection.findMany({ where: byUscc(usccs), orderBy: [{ inspectedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    elderlyCarePenalties: groupLoader(
      (usccs: readonly string[]) => db.elderlyCarePenalty.findMany({ where: byUscc(usccs), orderBy: [{ decidedOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
    elderlyCareCommitments: groupLoader(
      (usccs: readonly string[]) => db.elderlyCareCommitment.findMany({ where: byUscc(usccs), orderBy: [{ madeOn: 'desc' }, { id: 'asc' }] }),
      (row) => row.uscc,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
