// Who may read what in housekeeping: company and worker records are public (worker names are
// masked in the resolver); consumer complaints are non-public credit data. Writes: only the
// housekeeping sector platform, with its housekeeping:write scope.
import { guardedAbove, isPublic, nonPublicCredit, sectorWriter } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { worker: isPublic },
  Mutation: { '*': sectorWriter('housekeeping') },
  Enterprise: { uscc: isPublic, housekeeping: isPublic, elderlyCare: isPublic, housekeepingSignals: isPublic, housekeepingEvaluationInput: isPublic },
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
  // One household's score of one service: no personal data (the worker's name stays masked).
  WorkerServiceRating: { '*': isPublic },
  ElderlyCareInstitution: { '*': isPublic },
  ElderlyCareInspection: { '*': isPublic },
  ElderlyCarePenalty: { '*': isPublic },
  ElderlyCareCommitment: { '*': isPublic },
  Publication: { '*': isPublic },
  SectorCreditSignals: { '*': isPublic },
  SectorEvaluationInput: { '*': isPublic },
  EvaluationRecord: { '*': isPublic },
  // Reached through HousekeepingCompany.complaints (non-public credit data, guarded there) or
  // as the result of the platform's own recordHousekeepingComplaint (sectorWriter).
  HousekeepingComplaint: { '*': guardedAbove },
};
