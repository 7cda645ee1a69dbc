import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUscc, type Caller } from '@credit-graph/contract';
import { createTestDatabase, type TestDatabase } from '@credit-graph/subgraph-kit/testing';
import { createConsents, MAX_CONSENT_DAYS } from '../src/trust/consent.ts';
import { openGatewayDatabase, type GatewayDatabase } from '../src/database.ts';

const BANK = makeUscc('91', '410105', '70681005');
const OTHER_BANK = makeUscc('91', '410105', '70681001');
const ENTERPRISE = makeUscc('91', '410102', 'MA000001');
const DAY = 86_400_000;

let testDatabase: TestDatabase;
let gateway: GatewayDatabase;
let now = new Date('2026-11-27T08:00:00Z');
const clock = () => now;

beforeAll(async () => {
  testDatabase = await createTestDatabase('consent');
  gateway = await openGatewayDatabase(testDatabase.target);
});
afterAll(async () => {
  await gateway?.close();
  await testDatabase?.drop();
});

function bank(purpose: Caller['purpose'], institution = BANK): Caller {
  return { subject: 'officer', role: 'BANK', scopes: ['credit:read'], institution, purpose };
}

describe('consents', () => {
  it('is live until it expires, then no longer', async () => {
    const consents = createConsents({ db: gateway.db, now: clock });
    const granted = await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_APPROVAL', expiresAt: new Date(now.getTime() + 30 * DAY) });
    expect(await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).toEqual({ usccs: [ENTERPRISE], consentIds: [granted.id] });

    now = new Date(now.getTime() + 30 * DAY - 1000);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([ENTERPRISE]);
    now = new Date(now.getTime() + 2000);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([]);
  });

  it('binds the bank and the purpose', async () => {
    const consents = createConsents({ db: gateway.db, now: clock });
    await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_MONITORING', expiresAt: new Date(now.getTime() + DAY) });
    expect((await consents.live(bank('LOAN_MONITORING'), [ENTERPRISE])).usccs).toEqual([ENTERPRISE]);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([]);
    expect((await consents.live(bank('LOAN_MONITORING', OTHER_BANK), [ENTERPRISE])).usccs).toEqual([]);
    expect((await consents.live({ ...bank('LOAN_MONITORING'), role: 'REGULATOR' }, [ENTERPRISE])).usccs).toEqual([]);
  });

  it('is revoked only by the enterprise that granted it, at once', async () => {
    const consents = createConsents({ db: gateway.db, now: clock });
    const granted = await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'PROCUREMENT', expiresAt: new Date(now.getTime() + DAY) });
    await expect(consents.revoke(granted.id, makeUscc('91', '410102', 'MA000002'))).rejects.toThrow(/No consent/);
    const revoked = await consents.revoke(granted.id, ENTERPRISE);
    expect(revoked.revokedAt).toEqual(now);
    expect((await consents.live(bank('PROCUREMENT'), [ENTERPRISE])).usccs).toEqual([]);
  });

  it('refuses a grant that has already expired or runs longer than the maximum', async () => {
    const consents = createConsents({ db: gateway.db, now: clock });
    const base = { enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_APPROVAL' as const };
    await expect(consents.grant({ ...base, expiresAt: now })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await expect(consents.grant({ ...base, expiresAt: new Date(now.getTime() + (MAX_CONSENT_DAYS + 1) * DAY) })).rejects.toThrow(/at most 366 days/);
  });
});
