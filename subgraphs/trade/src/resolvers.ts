import { decodeCursor, pageSize, toConnection, type SubgraphContext } from '@credit-graph/subgraph-kit';
import type { CustomsCredit, CustomsCreditCategory, Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

export const resolvers = {
  Query: {
    customsCreditList: async (
      _: unknown,
      args: { category: CustomsCreditCategory; first?: number | null; after?: string | null },
      { db }: Context,
    ) => {
      const size = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const where: Prisma.CustomsCreditWhereInput = { category: args.category };
      const [rows, totalCount] = await Promise.all([
        db.customsCredit.findMany({
          where: after ? { ...where, uscc: { gt: after } } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.customsCredit.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },
  },

  Enterprise: {
    // The registry owns Enterprise: the reference is all this subgraph needs.
    __resolveReference: (reference: { uscc: string }) => ({ uscc: reference.uscc }),
    // A customs credit record is what customs holds for every enterprise it knows: none, no profile.
    trade: (enterprise: { uscc: string }, _: unknown, { loaders }: Context) => loaders.customsCredit.load(enterprise.uscc),
  },

  // The profile's parent is the enterprise's CustomsCredit row; each list is batched by code.
  TradeProfile: {
    customsCredit: (credit: CustomsCredit) => credit,
    volumes: (credit: CustomsCredit, _: unknown, { loaders }: Context) => loaders.volumes.load(credit.uscc),
    declarationViolations: (credit: CustomsCredit, _: unknown, { loaders }: Context) => loaders.violations.load(credit.uscc),
    investments: (credit: CustomsCredit, _: unknown, { loaders }: Context) => loaders.investments.load(credit.uscc),
  },

  CustomsCredit: {
    history: (credit: CustomsCredit, _: unknown, { loaders }: Context) => loaders.creditHistory.load(credit.uscc),
  },

  CustomsCreditListing: {
    enterprise: (credit: CustomsCredit) => ({ uscc: credit.uscc }),
  },

  TradeVolume: {
    importUsd: (volume: { importUsd: Prisma.Decimal }) => volume.importUsd.toNumber(),
    exportUsd: (volume: { exportUsd: Prisma.Decimal }) => volume.exportUsd.toNumber(),
  },

  DeclarationViolation: {
    penaltyAmount: (violation: { penaltyAmount: Prisma.Decimal }) => violation.penaltyAmount.toNumber(),
  },

  CrossBorderInvestment: {
    amount: (investment: { amount: Prisma.Decimal }) => investment.amount.toNumber(),
  },
};
