// Who may read what in supply-chain: the enterprise's profile is non-public credit data; a
// product batch's traceability route is public.
import { guardedAbove, isPublic, nonPublicCredit } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { traceabilityCode: isPublic },
  Enterprise: { uscc: isPublic, supplyChain: nonPublicCredit('supply-chain') },
  TraceabilityCode: { '*': isPublic },
  TraceabilityStep: { '*': isPublic },
  // Reached only through Enterprise.supplyChain.
  SupplyChainProfile: { '*': guardedAbove },
  LogisticsCredit: { '*': guardedAbove },
  LogisticsIncident: { '*': guardedAbove },
  SupplyChainPartner: { '*': guardedAbove },
};
