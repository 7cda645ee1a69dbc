// Who may read what in finance: the Xin-Yi-Dai profile is non-public credit data; the banks'
// products are public.
import { guardedAbove, isPublic, nonPublicCredit } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { financingProducts: isPublic },
  Enterprise: { uscc: isPublic, finance: nonPublicCredit('finance') },
  FinancingProduct: { '*': isPublic },
  // Reached only through Enterprise.finance.
  FinanceProfile: { '*': guardedAbove },
  TaxCreditRating: { '*': guardedAbove },
  SocialInsurancePayment: { '*': guardedAbove },
  HousingFundPayment: { '*': guardedAbove },
  UtilityPayment: { '*': guardedAbove },
  XinYiDaiLoan: { '*': guardedAbove },
};
