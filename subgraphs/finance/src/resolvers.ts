import { creditGraphError } from '@credit-graph/contract';
import type { SubgraphContext } from '@credit-graph/subgraph-kit';
import type { FinanceProfile, FinancingProduct, Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { Loaders } from './loaders.ts';

type Context = SubgraphContext<PrismaClient, Loaders>;

interface FinancingProductArgs {
  bankName?: string | null;
  minAmount?: number | null;
}

function productWhere(args: FinancingProductArgs): Prisma.FinancingProductWhereInput {
  if (args.minAmount != null && args.minAmount < 0) {
    throw creditGraphError(
      'BAD_USER_INPUT',
      `"minAmount" is an amount in 10,000 CNY and cannot be negative, got ${args.minAmount}: pass 0 or leave it out for all products`,
      { argumentName: 'minAmount' },
    );
  }
  return {
    ...(args.bankName ? { bankName: { contains: args.bankName, mode: 'insensitive' } } : {}),
    ...(args.minAmount != null ? { maxAmount: { gte: args.minAmount } } : {}),
  };
}

const toNumber = (value: Prisma.Decimal) => value.toNumber();

export const resolvers = {
  Query: {
    financingProducts: (_: unknown, args: FinancingProductArgs, { db }: Context) =>
      db.financingProduct.findMany({ where: productWhere(args), orderBy: [{ annualRateFrom: 'asc' }, { id: 'asc' }] }),
  },

  Enterprise: {
    // The registry owns the entity: the key is all this subgraph needs, no database call.
    __resolveReference: (reference: { uscc: string }) => ({ uscc: reference.uscc }),
    finance: (enterprise: { uscc: string }, _: unknown, { loaders }: Context) => loaders.profile.load(enterprise.uscc),
  },

  FinanceProfile: {
    currentTaxCreditLevel: async (profile: FinanceProfile, _: unknown, { loaders }: Context) =>
      (await loaders.taxCredits.load(profile.uscc))[0]?.level ?? null,
    taxCredits: (profile: FinanceProfile, _: unknown, { loaders }: Context) => loaders.taxCredits.load(profile.uscc),
    socialInsurance: (profile: FinanceProfile, _: unknown, { loaders }: Context) => loaders.socialInsurance.load(profile.uscc),
    housingFund: (profile: FinanceProfile, _: unknown, { loaders }: Context) => loaders.housingFund.load(profile.uscc),
    utilities: (profile: FinanceProfile, _: unknown, { loaders }: Context) => loaders.utilities.load(profile.uscc),
    loans: (profile: FinanceProfile, _: unknown, { loaders }: Context) => loaders.loans.load(profile.uscc),
  },

  SocialInsurancePayment: {
    arrearsAmount: (payment: { arrearsAmount: Prisma.Decimal }) => toNumber(payment.arrearsAmount),
  },

  XinYiDaiLoan: {
    amount: (loan: { amount: Prisma.Decimal }) => toNumber(loan.amount),
  },

  FinancingProduct: {
    maxAmount: (product: FinancingProduct) => toNumber(product.maxAmount),
    annualRateFrom: (product: FinancingProduct) => toNumber(product.annualRateFrom),
  },
};
