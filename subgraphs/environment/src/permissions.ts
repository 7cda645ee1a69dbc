// Who may read what in environment: ratings, violations and disclosure are public; carbon
// emission reports are non-public credit data.
import { guardedAbove, isPublic, nonPublicCredit, sectorWriter } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { environmentalRatings: isPublic },
  Mutation: { '*': sectorWriter('environment') },
  Enterprise: { uscc: isPublic, environment: isPublic, environmentSignals: isPublic, environmentEvaluationInput: isPublic },
  EnvironmentProfile: {
    currentRating: isPublic,
    ratings: isPublic,
    violations: isPublic,
    disclosures: isPublic,
    emissions: nonPublicCredit('environment'),
  },
  EnvironmentalRating: { '*': isPublic },
  Publication: { '*': isPublic },
  SectorCreditSignals: { '*': isPublic },
  SectorEvaluationInput: { '*': isPublic },
  EvaluationRecord: { '*': isPublic },
  EnvironmentalViolation: { '*': isPublic },
  EnvironmentalDisclosure: { '*': isPublic },
  EnvironmentalRatingListing: { '*': isPublic },
  EnvironmentalRatingConnection: { '*': isPublic },
  EnvironmentalRatingEdge: { '*': isPublic },
  // Reached only through EnvironmentProfile.emissions.
  CarbonEmission: { '*': guardedAbove },
};
