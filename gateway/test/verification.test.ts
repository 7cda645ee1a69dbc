// Issue 12 §4: a stored credit verification is evidence someone who can write the gateway's
// table cannot alter unseen (it is signed with the audit keys, kept outside the database). On a
// real database (PGlite, or PostgreSQL with TEST_DATABASE_URL). The registry's answer is a fixed
// one here (tests/credit-verification.test.ts runs the whole path on the seeded stack).
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, type Caller } from '@credit-graph/contract';
import { parseAuditKeys } from '../src/audit/chain.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';
import { costlyOperationLimit, createMemoryStore, createRateLimiter } from '../src/trust/rate-limit.ts';
import { createVerifications, MEASURES_QUERY } from '../src/verification/verification.ts';

const KEYS = parseAuditKeys(`k1:${'cd'.repeat(32)}`);
const AGENCY_USCC = '12410100005000117X';
const BIDDER = '91350100M000100Y43';
const OTHER = '91110000600037341L';
const agency: Caller = { subject: 'officer-1', role: 'AGENCY', scopes: ['credit:verify'], institution: AGENCY_USCC, purpose: 'GOVERNMENT_PROCUREMENT' };

const registryAnswer = {
  data: {
    enterprises: [
      {
        uscc: BIDDER,
        name: '某某建设有限公司',
        creditMeasures: {
          verdict: 'PROHIBITED',
          decidedOn: '2026-12-01',
          catalogueVersion: '2026-12-01',
          measures: [
            {
              code: 'P-GP-01',
              name: '限制参与政府采购活动',
              kind: 'PUNISHMENT',
              effect: 'PROHIBITED',
              legalBasis: [{ document: '中华人民共和国政府采购法', article: '第二十二条' }],
              durationRule: 'WHILE_LISTED',
              until: '2028-02-29',
              triggers: [{ source: 'registry', kind: 'DishonestyListEntry', id: 'LST-1', reference: null, description: '拒不履行', authority: '郑州市发展和改革委员会', legalBasis: '第三十三条', severity: null, decidedOn: '2026-03-01', until: '2028-02-29' }],
            },
          ],
          evaluation: { grade: 'D', score: 42.5, baseScore: 90, evaluatedOn: '2026-12-01', factors: [{ factor: 'On the severe-dishonesty list', sector: 'registry', value: '1', weight: -40, effect: -40 }] },
        },
      },
      null,
    ],
  },
};

const gateway = useGatewayDatabase('verification');
const asked: { query: string; variables: Record<string, unknown>; caller: Caller }[] = [];

function verifications(keys = KEYS) {
  return createVerifications({
    db: gateway.db,
    keys,
    clock: fixedClock('2026-11-30T17:30:00.000Z'), // 1 December, 01:30 in Zhengzhou
    execute: async (query, variables, as) => {
      asked.push({ query, variables, caller: as!.caller });
      return registryAnswer as never;
    },
  });
}

beforeEach(async () => {
  asked.length = 0;
  await gateway.database.exec('TRUNCATE "CreditVerification"');
});

describe('a stored verification', () => {
  it('asks the registry once, as the agency, for every code, numbers the result by the Zhengzhou date and stores it intact', async () => {
    const made = await verifications().verify(agency, [BIDDER, OTHER, BIDDER], 'GOVERNMENT_PROCUREMENT');
    expect(asked).toEqual([{ query: MEASURES_QUERY, variables: { usccs: [BIDDER, OTHER], scenario: 'GOVERNMENT_PROCUREMENT' }, caller: agency }]);
    expect(made.number).toMatch(/^CV-20261201-[0-9A-HJ-NP-Z]{10}$/);
    expect(made.results.map((result) => [result.uscc, result.registered, result.verdict, result.grade])).toEqual([
      [BIDDER, true, 'PROHIBITED', 'D'],
      [OTHER, false, null, null],
    ]);
    const read = await verifications().record(agency, made.number);
    expect(read).toEqual({ ...made, intact: true });
  });

  it('detects an edited verdict, an edited date, a swapped key id and a forged MAC', async () => {
    const service = verifications();
    const edits = [
      `UPDATE "CreditVerification" SET content = jsonb_set(content, '{results,0,verdict}', '"CLEAR"')`,
      `UPDATE "CreditVerification" SET at = at - interval '1 day'`,
      `UPDATE "CreditVerification" SET subjects = ARRAY['${OTHER}']::text[] || subjects`,
      `UPDATE "CreditVerification" SET "keyId" = 'k0'`,
      `UPDATE "CreditVerification" SET mac = repeat('0', 64)`,
    ];
    for (const edit of edits) {
      const made = await service.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
      expect((await service.record(agency, made.number))?.intact).toBe(true);
      await gateway.database.exec(`${edit} WHERE number = '${made.number}'`);
      expect((await service.record(agency, made.number))?.intact, edit).toBe(false);
    }
  });

  it('keeps verifying after a key rotation (the old key listed after the new one)', async () => {
    const made = await verifications().verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    const rotated = parseAuditKeys(`k2:${'ef'.repeat(32)},k1:${'cd'.repeat(32)}`);
    expect((await verifications(rotated).record(agency, made.number))?.intact).toBe(true);
    const forgotten = parseAuditKeys(`k2:${'ef'.repeat(32)}`);
    expect((await verifications(forgotten).record(agency, made.number))?.intact).toBe(false);
  });

  it("refuses an agency past its verification bucket with RATE_LIMITED before reading the graph; another agency still gets its own", async () => {
    let now = 7_000_000;
    const limited = createVerifications({
      db: gateway.db,
      keys: KEYS,
      limit: costlyOperationLimit(createRateLimiter({ store: createMemoryStore({ now: () => now }), capacity: 2, refillPerSecond: 1 / 20 }), 'credit verifications'),
      execute: async (query, variables, as) => {
        asked.push({ query, variables, caller: as!.caller });
        return registryAnswer as never;
      },
    });
    await limited.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    await limited.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    await expect(limited.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT')).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 20 } });
    expect(asked).toHaveLength(2);
    expect(await gateway.db.creditVerification.count()).toBe(2);
    await limited.verify({ ...agency, subject: 'another-officer' }, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    now += 20_000;
    await limited.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    expect(asked).toHaveLength(4);
  });

  it('stores nothing when a subgraph could not answer', async () => {
    const failing = createVerifications({
      db: gateway.db,
      keys: KEYS,
      execute: async () => ({ data: { enterprises: [null] }, errors: [{ message: 'x', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'environment' } }] }) as never,
    });
    await expect(failing.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT')).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', sectors: 'environment' } });
    expect(await gateway.db.creditVerification.count()).toBe(0);
  });

  it("passes on the registry's refusal (its code and message), storing nothing", async () => {
    const refusing = createVerifications({
      db: gateway.db,
      keys: KEYS,
      execute: async () => ({ data: { enterprises: [null] }, errors: [{ message: 'The scenario HONOUR_AWARD differs from the declared purpose GOVERNMENT_PROCUREMENT', extensions: { code: 'BAD_USER_INPUT', argumentName: 'scenario' } }] }) as never,
    });
    await expect(refusing.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT')).rejects.toMatchObject({ message: expect.stringMatching(/differs from the declared purpose/), extensions: { code: 'BAD_USER_INPUT', argumentName: 'scenario' } });
    expect(await gateway.db.creditVerification.count()).toBe(0);
  });

  it('answers null for a malformed or unknown number, and FORBIDDEN to a bank or developer', async () => {
    const service = verifications();
    expect(await service.record(agency, 'nonsense')).toBeNull();
    expect(await service.record(agency, 'CV-20261201-0000000000')).toBeNull();
    const made = await service.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT');
    for (const role of ['BANK', 'DEVELOPER', 'PUBLIC', 'SECTOR_PLATFORM'] as const) {
      await expect(service.record({ subject: 'x', role, scopes: [] }, made.number)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    }
  });
});
