import { describe, expect, it } from 'vitest';
import { DEFAULT_BUSINESS_TIME_ZONE, fixedClock, isoDate, makeUscc, type Caller, type Clock } from '@credit-graph/contract';
import { consentExpiresAt, createConsents, MAX_CONSENT_DAYS } from '../src/trust/consent.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';

const BANK = makeUscc('91', '410105', '70681005');
const OTHER_BANK = makeUscc('91', '410105', '70681001');
const ENTERPRISE = makeUscc('91', '410102', 'MA000001');
const DAY = 86_400_000;

const gateway = useGatewayDatabase('consent');
let now = new Date('2026-11-27T08:00:00Z');
const clock: Clock = { now: () => now, timeZone: DEFAULT_BUSINESS_TIME_ZONE };

function bank(purpose: Caller['purpose'], institution = BANK): Caller {
  return { subject: 'officer', role: 'BANK', scopes: ['credit:read'], institution, purpose };
}

describe('consents', () => {
  it('is live until it expires, then no longer', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const granted = await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_APPROVAL', expiresAt: new Date(now.getTime() + 30 * DAY) });
    expect(await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).toEqual({ usccs: [ENTERPRISE], consentIds: [granted.id], grantedBy: new Map([[granted.id, ENTERPRISE]]) });

    now = new Date(now.getTime() + 30 * DAY - 1000);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([ENTERPRISE]);
    now = new Date(now.getTime() + 2000);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([]);
  });

  it('binds the bank and the purpose', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_MONITORING', expiresAt: new Date(now.getTime() + DAY) });
    expect((await consents.live(bank('LOAN_MONITORING'), [ENTERPRISE])).usccs).toEqual([ENTERPRISE]);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([]);
    expect((await consents.live(bank('LOAN_MONITORING', OTHER_BANK), [ENTERPRISE])).usccs).toEqual([]);
    expect((await consents.live({ ...bank('LOAN_MONITORING'), role: 'REGULATOR' }, [ENTERPRISE])).usccs).toEqual([]);
  });

  it('is revoked only by the enterprise that granted it, at once', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const granted = await consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_APPROVAL', expiresAt: new Date(now.getTime() + DAY) });
    await expect(consents.revoke(granted.id, makeUscc('91', '410102', 'MA000002'))).rejects.toThrow(/No consent/);
    const revoked = await consents.revoke(granted.id, ENTERPRISE);
    expect(revoked.revokedAt).toEqual(now);
    expect((await consents.live(bank('LOAN_APPROVAL'), [ENTERPRISE])).usccs).toEqual([]);
  });

  it('refuses a grant that has already expired or runs longer than the maximum', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const base = { enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_APPROVAL' as const };
    await expect(consents.grant({ ...base, expiresAt: now })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await expect(consents.grant({ ...base, expiresAt: new Date(now.getTime() + (MAX_CONSENT_DAYS + 1) * DAY) })).rejects.toThrow(/at most 366 days/);
    // The longest grant is accepted: through the end of the 366th business day after today.
    await expect(consents.grant({ ...base, expiresAt: consentExpiresAt(MAX_CONSENT_DAYS, clock) })).resolves.toMatchObject({ purpose: 'LOAN_APPROVAL' });
  });

  it('refuses a consent nobody could use: for a purpose read without consent, or to the enterprise itself', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const expiresAt = consentExpiresAt(30, clock);
    for (const purpose of ['SUPERVISION', 'SELF_QUERY'] as const) {
      await expect(consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose, expiresAt })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'purpose' },
      });
    }
    await expect(consents.grant({ enterpriseUscc: ENTERPRISE, institution: ENTERPRISE, purpose: 'LOAN_APPROVAL', expiresAt })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'institution' },
    });
    await expect(consents.grant({ enterpriseUscc: ENTERPRISE, institution: BANK, purpose: 'LOAN_MONITORING', expiresAt })).resolves.toMatchObject({ purpose: 'LOAN_MONITORING' });
  });

  it.each([
    // granted at (UTC), days, live through (Zhengzhou's date), ends at (UTC: midnight in Zhengzhou)
    ['2026-11-30T22:46:00Z', 30, '2026-12-31', '2026-12-31T16:00:00.000Z'], // already 1 December in Zhengzhou
    ['2026-11-30T15:59:00Z', 1, '2026-12-01', '2026-12-01T16:00:00.000Z'], // still 30 November there
    ['2028-02-28T20:00:00Z', 1, '2028-03-01', '2028-03-01T16:00:00.000Z'], // 29 February in Zhengzhou
    ['2026-12-31T16:30:00Z', 90, '2027-04-01', '2027-04-01T16:00:00.000Z'], // 1 January 2027 there
  ] as const)('granted at %s for %i days: live through %s in Zhengzhou, ending at %s', (at, days, lastDay, ends) => {
    const expiresAt = consentExpiresAt(days, fixedClock(at));
    expect(expiresAt.toISOString()).toBe(ends);
    expect(isoDate(new Date(expiresAt.getTime() - 1 + 8 * 3_600_000))).toBe(lastDay);
  });

  it('is live until midnight in Zhengzhou on its last day, then no longer', async () => {
    now = new Date('2026-11-30T22:46:00Z');
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const institution = makeUscc('91', '410105', '70681002');
    await consents.grant({ enterpriseUscc: ENTERPRISE, institution, purpose: 'LOAN_APPROVAL', expiresAt: consentExpiresAt(30, clock) });
    now = new Date('2026-12-31T15:59:59Z');
    expect((await consents.live(bank('LOAN_APPROVAL', institution), [ENTERPRISE])).usccs).toEqual([ENTERPRISE]);
    now = new Date('2026-12-31T16:00:00Z');
    expect((await consents.live(bank('LOAN_APPROVAL', institution), [ENTERPRISE])).usccs).toEqual([]);
  });
});

describe('live consents as plain SQL', () => {
  it('returns exactly the rows of the Prisma query it replaced: revoked, expired, other banks, purposes and repeats left out', async () => {
    const consents = createConsents({ db: gateway.db, raw: gateway.raw, clock });
    const enterprises = Array.from({ length: 6 }, (_, i) => makeUscc('91', '410103', `MB00000${i}`));
    const later = new Date(now.getTime() + 10 * DAY);
    // Two live consents for the first enterprise, one each for the next; the rest are not live for BANK/LOAN_APPROVAL.
    const grants = [
      { enterpriseUscc: enterprises[0]!, institution: BANK, purpose: 'LOAN_APPROVAL' as const, expiresAt: later },
      { enterpriseUscc: enterprises[0]!, institution: BANK, purpose: 'LOAN_APPROVAL' as const, expiresAt: new Date(later.getTime() + DAY) },
      { enterpriseUscc: enterprises[1]!, institution: BANK, purpose: 'LOAN_APPROVAL' as const, expiresAt: later },
      { enterpriseUscc: enterprises[2]!, institution: BANK, purpose: 'LOAN_MONITORING' as const, expiresAt: later },
      { enterpriseUscc: enterprises[3]!, institution: OTHER_BANK, purpose: 'LOAN_APPROVAL' as const, expiresAt: later },
      { enterpriseUscc: enterprises[4]!, institution: BANK, purpose: 'LOAN_APPROVAL' as const, expiresAt: new Date(now.getTime() + 1000) },
    ];
    const granted = [];
    for (const grant of grants) granted.push(await consents.grant(grant));
    await consents.revoke(granted[2]!.id, enterprises[1]!);
    now = new Date(now.getTime() + 2000); // the fifth grant has expired
    const asked = [...enterprises, enterprises[0]!, makeUscc('91', '410103', 'MB999999')];
    const caller = bank('LOAN_APPROVAL');
    // The findMany live() sent before, kept here as the oracle.
    const oracle = await gateway.db.consent.findMany({
      where: { institution: BANK, purpose: 'LOAN_APPROVAL', enterpriseUscc: { in: [...new Set(asked)] }, revokedAt: null, expiresAt: { gt: now } },
      select: { id: true, enterpriseUscc: true },
    });
    const live = await consents.live(caller, asked);
    expect(oracle.map((row) => row.id).sort()).toEqual([granted[0]!.id, granted[1]!.id].sort());
    expect([...live.consentIds].sort()).toEqual(oracle.map((row) => row.id).sort());
    expect(live.usccs).toEqual([...new Set(oracle.map((row) => row.enterpriseUscc))]);
    expect(live.grantedBy).toEqual(new Map(oracle.map((row) => [row.id, row.enterpriseUscc])));
    expect(await consents.live(caller, [enterprises[5]!])).toEqual({ usccs: [], consentIds: [], grantedBy: new Map() });
  });
});
