// Who may read what in housekeeping: company and worker records are public (worker names are
// masked in the resolver); consumer complaints are non-public credit data.
import { guardedAbove, isPublic, nonPublicCredit } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { worker: isPublic },
  Enterprise: { uscc: isPublic, housekeeping: isPublic, elderlyCare: isPublic },
  HousekeepingCompany: {
    serviceRating: isPublic,
    ratingCount: isPublic,
    complaintCount: isPublic,
    complaints: nonPublicCredit('housekeeping'),
    workerCount: isPublic,
    workers: isPublic,
  },
  Worker: { '*': isPublic },
  WorkerCertificate: { '*': isPublic },
  WorkerTraining: { '*': isPublic },
  WorkerBackgroundCheck: { '*': isPublic },
  WorkerServiceRecord: { '*': isPublic },
  WorkerRating: { '*': isPublic },
  ElderlyCareInstitution: { '*': isPublic },
  ElderlyCareInspection: { '*': isPublic },
  ElderlyCarePenalty: { '*': isPublic },
  ElderlyCareCommitment: { '*': isPublic },
  // Reached only through HousekeepingCompany.complaints.
  HousekeepingComplaint: { '*': guardedAbove },
};
