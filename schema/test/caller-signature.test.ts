// The signed subgraph call, both halves: what a signature binds (subgraph, method, path, body,
// nonce, time, key) and what the verifier refuses.
import { SignJWT } from 'jose';
import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { ANONYMOUS_CALLER, type Caller } from '../src/caller.ts';
import { makeUscc } from '../src/uscc.ts';
import {
  bodyHash,
  CALLER_HEADER,
  CALLER_SIGNATURE_TYPE,
  CallerSecretError,
  callerSigningKeys,
  callerSigningSecret,
  checkCallerSecret,
  createCallerSigner,
  createCallerVerifier,
  createMemoryReplayCache,
  createRedisReplayCache,
  MAX_CALLER_HEADER_LENGTH,
  type ReceivedCall,
  type SubgraphCall,
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
const READ: SubgraphCall = { subgraph: 'finance', method: 'POST', path: '/graphql', body: '{"query":"{ financingProducts { name } }"}' };

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
    expect((error as GraphQLError).extensions.http).toEqual({ status: 401 });
    return (error as GraphQLError).message;
  }
  throw new Error('expected an UNAUTHENTICATED refusal');
}

/** What `call` looks like at the subgraph, carrying `headers`. */
function received(headers: Record<string, string | string[]>, call: SubgraphCall = READ): ReceivedCall {
  return { headers, method: call.method, path: call.path, body: Buffer.from(call.body) };
}

const verifierFor = (subgraph = 'finance', keys: Parameters<typeof createCallerVerifier>[0]['keys'] = SECRET) =>
  createCallerVerifier({ keys, subgraph });

describe('signed subgraph call', () => {
  it('round-trips a caller signed for this subgraph, method, path and body', async () => {
    const headers = await createCallerSigner(SECRET).sign(BANK, READ, NOW);
    expect(Object.keys(headers)).toEqual([CALLER_HEADER]);
    expect(await verifierFor().verify(received(headers), NOW + 1000)).toEqual(BANK);
    const anonymous = await createCallerSigner(SECRET).sign(ANONYMOUS_CALLER, READ, NOW);
    expect(await verifierFor().verify(received(anonymous), NOW)).toEqual(ANONYMOUS_CALLER);
  });

  it("carries a bank's consents for a whole portfolio of 500 enterprises", async () => {
    const consents = Array.from({ length: 500 }, (_, i) => makeUscc('91', '410105', String(10_000_000 + i)));
    const headers = await createCallerSigner(SECRET).sign({ ...BANK, consents }, READ, NOW);
    expect(headers[CALLER_HEADER]!.length).toBeLessThan(MAX_CALLER_HEADER_LENGTH);
    expect((await verifierFor().verify(received(headers), NOW)).consents).toEqual(consents);
  });

  it('refuses the captured headers with another body (the signature covers a hash of the exact bytes)', async () => {
    const headers = await createCallerSigner(SECRET).sign(BANK, READ, NOW);
    const mutation = { ...READ, body: '{"query":"mutation { addListEntry(input: {}) { id } }"}' };
    expect(await refusal(() => verifierFor().verify(received(headers, mutation), NOW))).toContain('body is not the one that was signed');
    // One byte of whitespace is another body too.
    expect(await refusal(() => verifierFor().verify(received(headers, { ...READ, body: `${READ.body} ` }), NOW))).toContain('body');
  });

  it('refuses a signature made for another subgraph, method or path', async () => {
    const headers = await createCallerSigner(SECRET).sign(BANK, READ, NOW);
    expect(await refusal(() => verifierFor('registry').verify(received(headers), NOW))).toContain('another subgraph');
    expect(await refusal(() => verifierFor().verify(received(headers, { ...READ, method: 'GET' }), NOW))).toContain('method');
    expect(await refusal(() => verifierFor().verify(received(headers, { ...READ, path: '/graphql?x=1' }), NOW))).toContain('path');
  });

  it('refuses a replay of the same request: each nonce is accepted once', async () => {
    const verifier = verifierFor();
    const headers = await createCallerSigner(SECRET).sign(BANK, READ, NOW);
    expect(await verifier.verify(received(headers), NOW)).toEqual(BANK);
    expect(await refusal(() => verifier.verify(received(headers), NOW + 10))).toContain('replay');
    // Two signatures of the same call carry different nonces: both pass.
    const again = await createCallerSigner(SECRET).sign(BANK, READ, NOW);
    expect(again[CALLER_HEADER]).not.toBe(headers[CALLER_HEADER]);
    expect(await verifier.verify(received(again), NOW)).toEqual(BANK);
  });

  it('refuses a stale signature and one dated beyond the clock skew in the future', async () => {
    const signer = createCallerSigner(SECRET);
    expect(await verifierFor().verify(received(await signer.sign(BANK, READ, NOW)), NOW + 30_000)).toEqual(BANK);
    expect(await refusal(async () => verifierFor().verify(received(await signer.sign(BANK, READ, NOW)), NOW + 36_000))).toContain('stale');
    expect(await verifierFor().verify(received(await signer.sign(BANK, READ, NOW + 4_000)), NOW)).toEqual(BANK);
    expect(await refusal(async () => verifierFor().verify(received(await signer.sign(BANK, READ, NOW + 7_000)), NOW))).toContain('future');
  });

  it('refuses an unknown key id, and a known id signed with another secret', async () => {
    const unknown = await createCallerSigner([{ id: 'k2027', secret: OTHER_SECRET }]).sign(BANK, READ, NOW);
    expect(await refusal(() => verifierFor().verify(received(unknown), NOW))).toContain('key id "k2027"');
    const forged = await createCallerSigner([{ id: 'default', secret: OTHER_SECRET }]).sign(BANK, READ, NOW);
    expect(await refusal(() => verifierFor().verify(received(forged), NOW))).toContain('signature does not match');
  });

  it('rotates without downtime: during a rotation the old and the new key both verify, the first signs', async () => {
    const rotating = [{ id: 'new', secret: OTHER_SECRET }, { id: 'default', secret: SECRET }] as const;
    const verifier = verifierFor('finance', rotating);
    // A gateway not yet rotated (old key) and one already rotated (new key) are both let in.
    expect(await verifier.verify(received(await createCallerSigner(SECRET).sign(BANK, READ, NOW)), NOW)).toEqual(BANK);
    const rotated = await createCallerSigner(rotating).sign(BANK, READ, NOW);
    expect(JSON.parse(Buffer.from(rotated[CALLER_HEADER]!.split('.')[0]!, 'base64url').toString()).kid).toBe('new');
    expect(await verifier.verify(received(rotated), NOW)).toEqual(BANK);
    // After the rotation the old key is dropped and refused.
    expect(await refusal(async () => verifierFor('finance', [rotating[0]]).verify(received(await createCallerSigner(SECRET).sign(BANK, READ, NOW)), NOW))).toContain('key id "default"');
  });

  it('refuses a bearer-style JWT signed with the same secret (wrong typ), alg none, and tokens missing a claim', async () => {
    const key = new TextEncoder().encode(SECRET);
    const claims = { caller: BANK, htm: 'POST', htu: '/graphql', bh: bodyHash(READ.body) };
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'default', typ: 'JWT' }).setAudience('finance').setIssuedAt(NOW / 1000).setJti('A'.repeat(22)).sign(key);
    expect(await refusal(() => verifierFor().verify(received({ [CALLER_HEADER]: jwt }), NOW))).toContain('typ');
    const noNonce = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'default', typ: CALLER_SIGNATURE_TYPE }).setAudience('finance').setIssuedAt(NOW / 1000).sign(key);
    expect(await refusal(() => verifierFor().verify(received({ [CALLER_HEADER]: noNonce }), NOW))).toContain('"jti"');
    const none = `${Buffer.from('{"alg":"none","kid":"default"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;
    await refusal(() => verifierFor().verify(received({ [CALLER_HEADER]: none }), NOW));
    // Only HS256: the same secret under another HMAC algorithm is refused, however valid its MAC.
    const complete = { ...claims, caller: BANK };
    for (const alg of ['HS384', 'HS512']) {
      const other = await new SignJWT(complete).setProtectedHeader({ alg, kid: 'default', typ: CALLER_SIGNATURE_TYPE }).setAudience('finance').setIssuedAt(NOW / 1000).setJti('B'.repeat(22)).sign(key);
      expect(await refusal(() => verifierFor().verify(received({ [CALLER_HEADER]: other }), NOW))).toContain('malformed');
    }
    // A token made by another JWS library (jose) with every claim right is accepted: the format is standard.
    const standard = await new SignJWT(complete).setProtectedHeader({ alg: 'HS256', kid: 'default', typ: CALLER_SIGNATURE_TYPE }).setAudience('finance').setIssuedAt(NOW / 1000).setJti('C'.repeat(22)).sign(key);
    expect(await verifierFor().verify(received({ [CALLER_HEADER]: standard }), NOW)).toEqual(BANK);
  });

  it('refuses unsigned, repeated, oversized and malformed headers', async () => {
    expect(await refusal(() => verifierFor().verify(received({}), NOW))).toContain('not signed');
    const good = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER]!;
    for (const value of [[good, good], 'not a jws', 'a.b', 'A'.repeat(MAX_CALLER_HEADER_LENGTH + 1), `${good}x`]) {
      await refusal(() => verifierFor().verify(received({ [CALLER_HEADER]: value }), NOW));
    }
  });

  it('refuses a correctly signed caller of the wrong shape', async () => {
    const key = new TextEncoder().encode(SECRET);
    const sign = (caller: unknown) =>
      new SignJWT({ caller, htm: 'POST', htu: '/graphql', bh: bodyHash(READ.body) })
        .setProtectedHeader({ alg: 'HS256', kid: 'default', typ: CALLER_SIGNATURE_TYPE })
        .setAudience('finance')
        .setIssuedAt(NOW / 1000)
        .setJti(Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'))
        .sign(key);
    const callers = [
      'BANK',
      ['BANK'],
      { role: 'BANK', scopes: ['credit:read'] },
      { subject: 'x', role: 'ROOT', scopes: [] },
      { subject: 'x', role: 'BANK', scopes: 'credit:read' },
      { subject: 'x', role: 'SECTOR_PLATFORM', scopes: [], sector: 'mining' },
      { subject: 'x', role: 'ENTERPRISE', scopes: [], uscc: '91350100M000100Y44' },
      { subject: 'x', role: 'BANK', scopes: [], purpose: 'CURIOSITY' },
      { subject: 'x', role: 'BANK', scopes: [], admin: true },
    ];
    for (const caller of callers) await refusal(async () => verifierFor().verify(received({ [CALLER_HEADER]: await sign(caller) }), NOW));
    const enterprise = { role: 'ENTERPRISE', scopes: ['consent:manage'], subject: 'x', uscc: '91350100M000100Y43' };
    expect((await verifierFor().verify(received({ [CALLER_HEADER]: await sign(enterprise) }), NOW)).uscc).toBe('91350100M000100Y43');
  });

  it('reads keys from CALLER_SIGNING_KEYS or CALLER_SIGNING_SECRET, refusing weak, duplicate or ambiguous ones with a coded error', () => {
    expect(callerSigningKeys({ CALLER_SIGNING_SECRET: SECRET })).toEqual([{ id: 'default', secret: SECRET }]);
    expect(callerSigningKeys({ CALLER_SIGNING_KEYS: `k2:${OTHER_SECRET},k1:${SECRET}` })).toEqual([
      { id: 'k2', secret: OTHER_SECRET },
      { id: 'k1', secret: SECRET },
    ]);
    expect(callerSigningSecret({ CALLER_SIGNING_SECRET: SECRET })).toBe(SECRET);
    const bad: NodeJS.ProcessEnv[] = [
      {},
      { CALLER_SIGNING_SECRET: '' },
      { CALLER_SIGNING_SECRET: 'x'.repeat(31) },
      { CALLER_SIGNING_KEYS: `k1:${SECRET},k1:${OTHER_SECRET}` },
      { CALLER_SIGNING_KEYS: `k1:short` },
      { CALLER_SIGNING_KEYS: SECRET },
      { CALLER_SIGNING_KEYS: `bad id:${SECRET}` },
      { CALLER_SIGNING_KEYS: `k1:${SECRET}`, CALLER_SIGNING_SECRET: SECRET },
    ];
    for (const env of bad) expect(() => callerSigningKeys(env), JSON.stringify(env)).toThrow(CallerSecretError);
    expect(() => callerSigningKeys({})).toThrow(/CALLER_SIGNING_SECRET is not set/);
    expect(() => checkCallerSecret('short', 'callerSecret')).toThrow(/callerSecret has 5 characters; at least 32/);
    expect(new CallerSecretError('x').code).toBe('INVALID_CONFIG');
  });
});

describe('replay caches', () => {
  it('memory: remembers a nonce for its time to live, then forgets it; bounded, it refuses rather than forget a live nonce', async () => {
    let clock = 0;
    const cache = createMemoryReplayCache({ maxEntries: 2, now: () => clock });
    expect(await cache.firstUse('a', 100)).toBe(true);
    expect(await cache.firstUse('a', 100)).toBe(false);
    expect(await cache.firstUse('b', 100)).toBe(true);
    expect(await cache.firstUse('c', 100)).toBe(false); // full of live nonces
    clock = 101;
    expect(await cache.firstUse('c', 100)).toBe(true); // a and b expired and were pruned
    expect(await cache.firstUse('a', 100)).toBe(true);
  });

  it('Redis down: the local cache decides at once and one warning is logged, not one per call', async () => {
    const redis = { set: vi.fn(async () => Promise.reject(new Error('connection is closed'))) };
    const warn = vi.fn();
    const cache = createRedisReplayCache({ redis, prefix: 'p:', logger: { warn } });
    expect(await cache.firstUse('n1', 1000)).toBe(true);
    expect(await cache.firstUse('n1', 1000)).toBe(false);
    expect(await cache.firstUse('n2', 1000)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    const hanging = createRedisReplayCache({ redis: { set: () => new Promise<never>(() => undefined) }, prefix: 'p:', timeoutMs: 50, logger: { warn } });
    expect(await hanging.firstUse('n3', 1000)).toBe(true);
  });
});
