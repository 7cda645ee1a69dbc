// Who may read what in environment: ratings, violations and disclosure are public; carbon
// emission reports are non-public credit data.
import { guardedAbove, isPublic, nonPublicCredit } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { environmentalRatings: isPublic },
  Enterprise: { uscc: isPublic, environment: isPublic },
  EnvironmentProfile: {
    currentRating: isPublic,
    ratings: isPublic,
    violations: isPublic,
    disclosures: isPublic,
    emissions: nonPublicCredit('environment'),
  },
  EnvironmentalRating: { '*': isPublic },
  EnvironmentalViolation: { '*': isPublic },
  EnvironmentalDisclosure: { '*': isPublic },
  EnvironmentalRatingListing: { '*': isPublic },
  EnvironmentalRatingConnection: { '*': isPublic },
  EnvironmentalRatingEdge: { '*': isPublic },
  // Reached only through EnvironmentProfile.emissions.
  CarbonEmission: { '*': guardedAbove },
};
