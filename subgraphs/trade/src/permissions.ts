// Who may read what in trade: customs credit and declaration violations are public; trade
// volumes and cross-border investments are non-public credit data.
import { guardedAbove, isPublic, nonPublicCredit } from '@credit-graph/subgraph-kit';

export const permissions = {
  Query: { customsCreditList: isPublic },
  Enterprise: { uscc: isPublic, trade: isPublic },
  TradeProfile: {
    customsCredit: isPublic,
    volumes: nonPublicCredit('trade'),
    declarationViolations: isPublic,
    investments: nonPublicCredit('trade'),
  },
  CustomsCredit: { '*': isPublic },
  CustomsCreditChange: { '*': isPublic },
  DeclarationViolation: { '*': isPublic },
  CustomsCreditListing: { '*': isPublic },
  CustomsCreditEdge: { '*': isPublic },
  CustomsCreditConnection: { '*': isPublic },
  // Reached only through TradeProfile.volumes and TradeProfile.investments.
  TradeVolume: { '*': guardedAbove },
  CrossBorderInvestment: { '*': guardedAbove },
};
