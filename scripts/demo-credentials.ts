// Ready-made tokens, one per role, for the embedded default (`npm start` prints them and
// preloads the playground with the bank's) and for end-to-end tests. They name seed
// institutions: a bank of the finance seed, the environment bureau, the credit office, the
// model group enterprise and the public-resource trading centre (an agency).
import type { Role } from '@credit-graph/contract';
import { signToken, type TokenClaims } from '@credit-graph/gateway';
import { AUTHORITIES, SHOWCASE, seedUniverse } from '@credit-graph/subgraph-kit';
import { BANKS } from '@credit-graph/finance/seed';

export const DEMO_BANK = BANKS[4]; // 郑州银行

export function demoClaims(): Record<Exclude<Role, 'PUBLIC'>, TokenClaims> {
  return {
    BANK: { sub: 'credit-officer-001', role: 'BANK', institution: DEMO_BANK.uscc },
    SECTOR_PLATFORM: {
      sub: 'environment-platform',
      role: 'SECTOR_PLATFORM',
      sector: 'environment',
      institution: AUTHORITIES.ECOLOGY_ENVIRONMENT.uscc,
    },
    REGULATOR: { sub: 'credit-office-reviewer', role: 'REGULATOR', institution: AUTHORITIES.DEVELOPMENT_REFORM.uscc },
    ENTERPRISE: { sub: 'model-group-admin', role: 'ENTERPRISE', uscc: seedUniverse(3)[SHOWCASE.MODEL_GROUP]!.uscc },
    DEVELOPER: { sub: 'developer', role: 'DEVELOPER' },
    AGENCY: { sub: 'procurement-officer-01', role: 'AGENCY', institution: AUTHORITIES.PUBLIC_RESOURCE_TRADING_CENTRE.uscc },
  };
}

export async function demoTokens(secret: string, expiresIn = '12h'): Promise<Record<Exclude<Role, 'PUBLIC'>, string>> {
  const claims = demoClaims();
  const entries = await Promise.all(
    Object.entries(claims).map(async ([role, claim]) => [role, await signToken(secret, claim, { expiresIn })] as const),
  );
  return Object.fromEntries(entries) as Record<Exclude<Role, 'PUBLIC'>, string>;
}
