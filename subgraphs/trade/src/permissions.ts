// Who may read what in trade: customs credit and declaration violations are public; trade
// volumes and cross-border investments are non-public credit data. Writes: the trade platform.
import { guardedAbove, isPublic, nonPublicCredit, sectorWriter } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { customsCreditList: isPublic },
  Mutation: { '*': sectorWriter('trade') },
  Enterprise: { uscc: isPublic, trade: isPublic, tradeSignals: isPublic, tradeEvaluationInput: isPublic },
  TradeProfile: {
    customsCredit: isPublic,
    volumes: nonPublicCredit('trade'),
    declarationViolations: isPublic,
    investments: nonPublicCredit('trade'),
  },
  CustomsCredit: { '*': isPublic },
  CustomsCreditChange: { '*': isPublic },
  DeclarationViolation: { '*': isPublic },
  Publication: { '*': isPublic },
  SectorCreditSignals: { '*': isPublic },
  SectorEvaluationInput: { '*': isPublic },
  EvaluationRecord: { '*': isPublic },
  CustomsCreditListing: { '*': isPublic },
  CustomsCreditEdge: { '*': isPublic },
  CustomsCreditConnection: { '*': isPublic },
  // Reached only through TradeProfile.volumes and TradeProfile.investments (and the trade
  // platform's own recordInvestmentFiling answer).
  TradeVolume: { '*': guardedAbove },
  CrossBorderInvestment: { '*': guardedAbove },
};
