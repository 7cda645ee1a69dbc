// Signed tokens for the end-to-end tests, one per role, naming the same seed institutions as
// the demo tokens `npm start` prints.
import type { Purpose, Role } from '@credit-graph/contract';
import { signToken, type TokenClaims } from '@credit-graph/gateway';
import { demoClaims } from '../../scripts/demo-credentials.ts';
import { TEST_JWT_SECRET } from './stack.ts';

export { DEMO_BANK } from '../../scripts/demo-credentials.ts';

export async function tokenFor(role: Exclude<Role, 'PUBLIC'>, overrides: Partial<TokenClaims> = {}): Promise<string> {
  return signToken(TEST_JWT_SECRET, { ...demoClaims()[role], ...overrides });
}

/** Request headers of a caller with this role, declaring `purpose` when given. */
export async function headersFor(
  role: Exclude<Role, 'PUBLIC'>,
  purpose?: Purpose,
  overrides: Partial<TokenClaims> = {},
): Promise<Record<string, string>> {
  return {
    authorization: `Bearer ${await tokenFor(role, overrides)}`,
    ...(purpose ? { 'x-credit-purpose': purpose } : {}),
  };
}
