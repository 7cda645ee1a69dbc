import { ZHENGZHOU_DIVISIONS, creditGraphError } from '@credit-graph/contract';
import {
  decodeCursor,
  maskName,
  pageSize,
  personalDataVisible,
  toConnection,
  type SubgraphContext,
} from '@credit-graph/subgraph-kit';
import type { Enterprise, DishonestyListEntry, Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

/** A portfolio check answers at most this many codes in one query. */
export const MAX_PORTFOLIO_SIZE = 500;

function isActive(entry: DishonestyListEntry, today = new Date()): boolean {
  return entry.removedOn === null && entry.expiresOn > today;
}

function district(code: string) {
  return { code, name: ZHENGZHOU_DIVISIONS[code as keyof typeof ZHENGZHOU_DIVISIONS] ?? code };
}

function searchWhere(filter: SearchFilter | null | undefined): Prisma.EnterpriseWhereInput {
  if (!filter) return {};
  return {
    ...(filter.nameContains ? { name: { contains: filter.nameContains, mode: 'insensitive' } } : {}),
    ...(filter.districtCode ? { divisionCode: filter.districtCode } : {}),
    ...(filter.industry ? { industry: filter.industry } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.onList
      ? { listEntries: { some: { listType: filter.onList, removedOn: null, expiresOn: { gt: new Date() } } } }
      : {}),
  };
}

interface SearchFilter {
  nameContains?: string | null;
  districtCode?: string | null;
  industry?: string | null;
  status?: Enterprise['status'] | null;
  onList?: DishonestyListEntry['listType'] | null;
}

export const resolvers = {
  Query: {
    enterprise: (_: unknown, args: { uscc: string }, { loaders }: Context) => loaders.enterprise.load(args.uscc),

    enterprises: (_: unknown, args: { usccs: string[] }, { loaders }: Context) => {
      if (args.usccs.length > MAX_PORTFOLIO_SIZE) {
        throw creditGraphError(
          'BAD_USER_INPUT',
          `A portfolio check takes at most ${MAX_PORTFOLIO_SIZE} codes, got ${args.usccs.length}: split it into several queries`,
          { argumentName: 'usccs', maximum: MAX_PORTFOLIO_SIZE },
        );
      }
      return loaders.enterprise.loadMany(args.usccs);
    },

    searchEnterprises: async (
      _: unknown,
      args: { filter?: SearchFilter | null; first?: number | null; after?: string | null },
      { db }: Context,
    ) => {
      const size = pageSize(args.first);
      const where = searchWhere(args.filter);
      const after = args.after ? decodeCursor(args.after) : undefined;
      const [rows, totalCount] = await Promise.all([
        db.enterprise.findMany({
          where: after ? { AND: [where, { uscc: { gt: after } }] } : where,
          orderBy: { uscc: 'asc' },
          take: size + 1,
        }),
        db.enterprise.count({ where }),
      ]);
      return toConnection(rows, size, (row) => row.uscc, totalCount);
    },

    districts: () => Object.keys(ZHENGZHOU_DIVISIONS).map(district),
  },

  Enterprise: {
    __resolveReference: (reference: { uscc: string }, { loaders }: Context) => loaders.enterprise.load(reference.uscc),
    // A natural person's name: unmasked only for a scope that may see personal data.
    legalRepresentative: (enterprise: Enterprise, _: unknown, { caller }: Context) =>
      personalDataVisible(caller) ? enterprise.legalRepresentative : maskName(enterprise.legalRepresentative),
    registeredCapital: (enterprise: Enterprise) => enterprise.registeredCapital.toNumber(),
    district: (enterprise: Enterprise) => district(enterprise.divisionCode),
    licenses: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.licenses.load(enterprise.uscc),
    penalties: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.penalties.load(enterprise.uscc),
    listEntries: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.listEntries.load(enterprise.uscc),
    onSevereDishonestyList: async (enterprise: Enterprise, _: unknown, { loaders }: Context) =>
      (await loaders.listEntries.load(enterprise.uscc)).some(
        (entry) => entry.listType === 'SEVERE_DISHONESTY' && isActive(entry),
      ),
    commitments: (enterprise: Enterprise, _: unknown, { loaders }: Context) => loaders.commitments.load(enterprise.uscc),
  },

  AdministrativePenalty: {
    fineAmount: (penalty: { fineAmount: Prisma.Decimal }) => penalty.fineAmount.toNumber(),
    confiscatedAmount: (penalty: { confiscatedAmount: Prisma.Decimal }) => penalty.confiscatedAmount.toNumber(),
  },

  DishonestyListEntry: {
    active: (entry: DishonestyListEntry) => isActive(entry),
  },
};
