import { creditGraphError } from '@credit-graph/contract';
import { decodeCursor, pageSize, toConnection, type SubgraphContext } from '@credit-graph/subgraph-kit';
import type {
  EnvironmentSubject,
  EnvironmentalRating,
  EnvironmentalRatingLevel,
  EnvironmentalViolation,
  Prisma,
  PrismaClient,
} from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';
import { FIRST_RATING_YEAR } from './rating.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

interface RatingsArgs {
  year: number;
  level?: EnvironmentalRatingLevel | null;
  first?: number | null;
  after?: string | null;
}

function assertRatingYear(year: number): void {
  const currentYear = new Date().getUTCFullYear();
  if (year < FIRST_RATING_YEAR || year > currentYear) {
    throw creditGraphError(
      'BAD_USER_INPUT',
      `"year" must be between ${FIRST_RATING_YEAR} and ${currentYear} (ratings are published per past or current year), got ${year}`,
      { argumentName: 'year', minimum: FIRST_RATING_YEAR, maximum: currentYear },
    );
  }
}

export const resolvers = {
  Query: {
    environmentalRatings: async (_: unknown, args: RatingsArgs, { db }: Context) => {
      assertRatingYear(args.year);
      const size = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const where: Prisma.EnvironmentalRatingWhereInput = { year: args.year, ...(args.level ? { level: args.level } : {}) };
      const [rows, totalCount] = await Promise.all([
        db.environmentalRating.findMany({
          where: after ? { AND: [where, { uscc: { gt: after } }] } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.environmentalRating.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },
  },

  Enterprise: {
    // The registry owns the entity; the key is all this subgraph needs.
    __resolveReference: (reference: { uscc: string }) => ({ uscc: reference.uscc }),
    environment: (enterprise: { uscc: string }, _: unknown, { loaders }: Context) => loaders.profile.load(enterprise.uscc),
  },

  EnvironmentProfile: {
    currentRating: async (profile: EnvironmentSubject, _: unknown, { loaders }: Context) =>
      (await loaders.ratings.load(profile.uscc))[0] ?? null,
    ratings: (profile: EnvironmentSubject, _: unknown, { loaders }: Context) => loaders.ratings.load(profile.uscc),
    violations: (profile: EnvironmentSubject, _: unknown, { loaders }: Context) => loaders.violations.load(profile.uscc),
    disclosures: (profile: EnvironmentSubject, _: unknown, { loaders }: Context) => loaders.disclosures.load(profile.uscc),
    emissions: (profile: EnvironmentSubject, _: unknown, { loaders }: Context) => loaders.emissions.load(profile.uscc),
  },

  EnvironmentalViolation: {
    penaltyAmount: (violation: EnvironmentalViolation) => violation.penaltyAmount.toNumber(),
  },

  EnvironmentalRatingListing: {
    enterprise: (rating: EnvironmentalRating) => ({ uscc: rating.uscc }),
  },
};
