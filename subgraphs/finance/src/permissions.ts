// Who may read what in finance: the Xin-Yi-Dai profile is non-public credit data; the banks'
// products and the sector's signals to the comprehensive evaluation are public; only the
// finance sector platform writes.
import { guardedAbove, isPublic, nonPublicCredit, sectorWriter } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { financingProducts: isPublic },
  Mutation: { '*': sectorWriter('finance') },
  Enterprise: { uscc: isPublic, finance: nonPublicCredit('finance'), financeSignals: isPublic, financeEvaluationInput: isPublic },
  FinancingProduct: { '*': isPublic },
  Publication: { '*': isPublic },
  SectorCreditSignals: { '*': isPublic },
  SectorEvaluationInput: { '*': isPublic },
  EvaluationRecord: { '*': isPublic },
  // Reached only through Enterprise.finance, or returned to the finance platform's writes.
  FinanceProfile: { '*': guardedAbove },
  TaxCreditRating: { '*': guardedAbove },
  SocialInsurancePayment: { '*': guardedAbove },
  HousingFundPayment: { '*': guardedAbove },
  UtilityPayment: { '*': guardedAbove },
  XinYiDaiLoan: { '*': guardedAbove },
  PaymentArrears: { '*': guardedAbove },
};
