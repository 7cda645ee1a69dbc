import { createHmac } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_CALLER, type Caller } from '../src/caller.ts';
import { makeUscc } from '../src/uscc.ts';
import {
  CALLER_HEADER,
  CallerSecretError,
  callerSigningSecret,
  checkCallerSecret,
  MAX_CALLER_HEADER_LENGTH,
  SIGNATURE_HEADER,
  signCaller,
  TIMESTAMP_HEADER,
  verifyCaller,
} from '../src/caller-signature.ts';

const SECRET = 'a-signing-secret-of-at-least-32-characters';
const OTHER_SECRET = 'another-signing-secret-of-32-characters!';
const NOW = 1_750_000_000_000;
const BANK: Caller = {
  subject: 'officer-7',
  role: 'BANK',
  scopes: ['credit:read'],
  institution: '91410100MA44N8KU1A',
  purpose: 'LOAN_APPROVAL',
};

function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
    expect((error as GraphQLError).extensions.http).toEqual({ status: 401 });
    return error as GraphQLError;
  }
  throw new Error('expected an UNAUTHENTICATED refusal');
}

/** Headers carrying `payload` as the caller, correctly signed: for shape checks behind the HMAC. */
function signedPayload(payload: string, now = NOW): Record<string, string> {
  const encoded = Buffer.from(payload).toString('base64url');
  const signature = createHmac('sha256', SECRET).update(`${now}.${encoded}`).digest('hex');
  return { [CALLER_HEADER]: encoded, [TIMESTAMP_HEADER]: String(now), [SIGNATURE_HEADER]: signature };
}

describe('signed caller context', () => {
  it('round-trips a caller signed with the same secret', () => {
    expect(verifyCaller(signCaller(BANK, SECRET, NOW), SECRET, { now: NOW + 1000 })).toEqual(BANK);
    expect(verifyCaller(signCaller(ANONYMOUS_CALLER, SECRET, NOW), SECRET, { now: NOW })).toEqual(ANONYMOUS_CALLER);
  });

  it("carries a bank's consents for a whole portfolio of 500 enterprises", () => {
    const consents = Array.from({ length: 500 }, (_, i) => makeUscc('91', '410105', String(10_000_000 + i)));
    const headers = signCaller({ ...BANK, consents }, SECRET, NOW);
    expect(headers[CALLER_HEADER]!.length).toBeLessThan(MAX_CALLER_HEADER_LENGTH);
    expect(verifyCaller(headers, SECRET, { now: NOW }).consents).toEqual(consents);
  });

  it('serializes canonically: key order and undefined fields do not change the signature', () => {
    const shuffled = { purpose: 'LOAN_APPROVAL', uscc: undefined, scopes: ['credit:read'], institution: BANK.institution, role: 'BANK', subject: 'officer-7' } as Caller;
    expect(signCaller(shuffled, SECRET, NOW)).toEqual(signCaller(BANK, SECRET, NOW));
    const decoded = JSON.parse(Buffer.from(signCaller(shuffled, SECRET, NOW)[CALLER_HEADER]!, 'base64url').toString());
    expect(Object.keys(decoded)).toEqual(['institution', 'purpose', 'role', 'scopes', 'subject']);
  });

  it('refuses an unsigned request, naming the missing header', () => {
    expect(refusal(() => verifyCaller({}, SECRET, { now: NOW })).message).toContain(CALLER_HEADER);
    const { [SIGNATURE_HEADER]: _dropped, ...unsigned } = signCaller(BANK, SECRET, NOW);
    expect(refusal(() => verifyCaller(unsigned, SECRET, { now: NOW })).message).toContain('not signed');
  });

  it('refuses a caller signed with another secret', () => {
    const message = refusal(() => verifyCaller(signCaller(BANK, OTHER_SECRET, NOW), SECRET, { now: NOW })).message;
    expect(message).toContain('signature does not match');
  });

  it('refuses a caller swapped under a valid signature for another caller', () => {
    const regulator: Caller = { subject: 'officer-7', role: 'REGULATOR', scopes: ['credit:read', 'personal:read'] };
    const forged = { ...signCaller(BANK, SECRET, NOW), [CALLER_HEADER]: signCaller(regulator, SECRET, NOW)[CALLER_HEADER]! };
    expect(refusal(() => verifyCaller(forged, SECRET, { now: NOW })).message).toContain('signature does not match');
  });

  it('refuses a valid signature moved to another timestamp', () => {
    const moved = { ...signCaller(BANK, SECRET, NOW - 60_000), [TIMESTAMP_HEADER]: String(NOW) };
    expect(refusal(() => verifyCaller(moved, SECRET, { now: NOW })).message).toContain('signature does not match');
  });

  it('refuses a signature older than maxAgeMs and accepts one just inside it', () => {
    const headers = signCaller(BANK, SECRET, NOW);
    expect(verifyCaller(headers, SECRET, { now: NOW + 30_000 })).toEqual(BANK);
    expect(refusal(() => verifyCaller(headers, SECRET, { now: NOW + 31_000 })).message).toContain('stale');
    expect(refusal(() => verifyCaller(headers, SECRET, { now: NOW + 2_000, maxAgeMs: 1_000 })).message).toContain('stale');
  });

  it('refuses a signature dated beyond the clock skew in the future, tolerating a small skew', () => {
    expect(verifyCaller(signCaller(BANK, SECRET, NOW + 4_000), SECRET, { now: NOW })).toEqual(BANK);
    expect(refusal(() => verifyCaller(signCaller(BANK, SECRET, NOW + 6_000), SECRET, { now: NOW })).message).toContain('future');
  });

  it('refuses malformed headers before computing anything', () => {
    const good = signCaller(BANK, SECRET, NOW);
    const cases: Record<string, string | string[]>[] = [
      { [SIGNATURE_HEADER]: 'zz'.repeat(32) },
      { [SIGNATURE_HEADER]: good[SIGNATURE_HEADER]!.slice(2) },
      { [TIMESTAMP_HEADER]: '1.5e12' },
      { [CALLER_HEADER]: 'not base64url!' },
      { [CALLER_HEADER]: 'A'.repeat(MAX_CALLER_HEADER_LENGTH + 1) },
      { [CALLER_HEADER]: [good[CALLER_HEADER]!, good[CALLER_HEADER]!] },
    ];
    for (const change of cases) refusal(() => verifyCaller({ ...good, ...change }, SECRET, { now: NOW }));
  });

  it('refuses a correctly signed caller of the wrong shape', () => {
    const payloads = [
      'not json',
      '["BANK"]',
      '{"role":"BANK","scopes":["credit:read"]}',
      '{"subject":"x","role":"ROOT","scopes":[]}',
      '{"subject":"x","role":"BANK","scopes":"credit:read"}',
      '{"subject":"x","role":"BANK","scopes":[1]}',
      '{"subject":"x","role":"SECTOR_PLATFORM","scopes":[],"sector":"mining"}',
      '{"subject":"x","role":"ENTERPRISE","scopes":[],"uscc":"91350100M000100Y44"}',
      '{"subject":"x","role":"BANK","scopes":[],"purpose":"CURIOSITY"}',
      '{"subject":"x","role":"BANK","scopes":[],"admin":true}',
    ];
    for (const payload of payloads) refusal(() => verifyCaller(signedPayload(payload), SECRET, { now: NOW }));
    const enterprise = '{"role":"ENTERPRISE","scopes":["consent:manage"],"subject":"x","uscc":"91350100M000100Y43"}';
    expect(verifyCaller(signedPayload(enterprise), SECRET, { now: NOW }).uscc).toBe('91350100M000100Y43');
  });

  it('reads the secret from CALLER_SIGNING_SECRET and refuses a missing or short one with a coded error', () => {
    expect(callerSigningSecret({ CALLER_SIGNING_SECRET: SECRET })).toBe(SECRET);
    for (const env of [{}, { CALLER_SIGNING_SECRET: '' }, { CALLER_SIGNING_SECRET: 'x'.repeat(31) }]) {
      expect(() => callerSigningSecret(env)).toThrow(CallerSecretError);
    }
    expect(() => callerSigningSecret({})).toThrow(/CALLER_SIGNING_SECRET is not set/);
    expect(() => checkCallerSecret('short', 'callerSecret')).toThrow(/callerSecret has 5 characters; at least 32/);
    expect(new CallerSecretError('x').code).toBe('INVALID_CONFIG');
  });
});
