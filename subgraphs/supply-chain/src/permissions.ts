// Who may read what in supply-chain: the enterprise's profile is non-public credit data; a
// product batch's traceability route and the sector's signals to the evaluation are public.
// Writes are the supply-chain platform's, with its write scope.
import { guardedAbove, isPublic, nonPublicCredit, sectorWriter } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { traceabilityCode: isPublic },
  Mutation: { '*': sectorWriter('supply-chain') },
  Enterprise: { uscc: isPublic, supplyChain: nonPublicCredit('supply-chain'), supplyChainSignals: isPublic, supplyChainEvaluationInput: isPublic },
  TraceabilityCode: { '*': isPublic },
  TraceabilityStep: { '*': isPublic },
  Publication: { '*': isPublic },
  SectorCreditSignals: { '*': isPublic },
  SectorEvaluationInput: { '*': isPublic },
  EvaluationRecord: { '*': isPublic },
  // Reached only through Enterprise.supplyChain, or as the platform's own write's result.
  SupplyChainProfile: { '*': guardedAbove },
  LogisticsCredit: { '*': guardedAbove },
  LogisticsIncident: { '*': guardedAbove },
  SupplyChainPartner: { '*': guardedAbove },
};
