// The signed subgraph call, both halves: what a signature binds (subgraph, method, path, body,
// nonce, time, key) and what the verifier refuses.
import { createHmac } from 'node:crypto';
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

  it('gives every signed call its own 22-character nonce, each accepted once', async () => {
    const signer = createCallerSigner(SECRET);
    const nonces = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const token = (await signer.sign(BANK, READ, NOW))[CALLER_HEADER]!;
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string };
      expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
      nonces.add(payload.jti);
    }
    expect(nonces.size).toBe(5000);
    const verifier = verifierFor();
    const headers = await signer.sign(BANK, READ, NOW);
    expect(await verifier.verify(received(headers), NOW)).toEqual(BANK);
    await expect(verifier.verify(received(headers), NOW)).rejects.toThrow();
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

// Hostile headers, made by hand (a reviewer's attack suite): every one is refused with
// UNAUTHENTICATED, never an internal error.
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
/** What the subgraph receives for `call` carrying `token` (any value, as a hostile header). */
const withToken = (token: unknown, call: SubgraphCall = READ): ReceivedCall => received({ [CALLER_HEADER]: token as string }, call);
function claims(over: Record<string, unknown> = {}) {
  return { caller: BANK, htm: 'POST', htu: '/graphql', bh: bodyHash(READ.body), aud: 'finance', iat: Math.floor(NOW / 1000), jti: 'A'.repeat(22), ...over };
}
/** A raw token: header and payload given as raw JSON text, HMAC'd with `secret` and `hash`. */
function raw(headerJson: string, payloadJson: string, secret = SECRET, hash = 'sha256') {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}
const H = (over: Record<string, unknown> = {}) => JSON.stringify({ alg: 'HS256', typ: CALLER_SIGNATURE_TYPE, kid: 'default', ...over });
const P = (over: Record<string, unknown> = {}) => JSON.stringify(claims(over));

describe('hostile caller (no secret)', () => {
  it('sanity: a correctly hand-made token is accepted', async () => {
    expect(await verifierFor().verify(withToken(raw(H(), P())), NOW)).toEqual(BANK);
  });

  it('forged with another secret / alg none / empty or truncated signature', async () => {
    await refusal(() => verifierFor().verify(withToken(raw(H(), P(), OTHER_SECRET)), NOW));
    const [h, p] = raw(H({ alg: 'none' }), P()).split('.');
    for (const sig of ['A', 'AA', 'x'.repeat(43), 'x'.repeat(86)]) await refusal(() => verifierFor().verify(withToken(`${h}.${p}.${sig}`), NOW));
    await refusal(() => verifierFor().verify(withToken(`${h}.${p}.`), NOW));
    await refusal(() => verifierFor().verify(withToken(`${h}.${p}`), NOW));
  });

  it('alg confusion: HS384, HS512, RS256, ES256, lower-case hs256, alg array/object', async () => {
    await refusal(() => verifierFor().verify(withToken(raw(H({ alg: 'HS384' }), P({ jti: 'B'.repeat(22) }), SECRET, 'sha384')), NOW));
    await refusal(() => verifierFor().verify(withToken(raw(H({ alg: 'HS512' }), P({ jti: 'C'.repeat(22) }), SECRET, 'sha512')), NOW));
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', ['HS256'], { a: 1 }, null]) {
      await refusal(() => verifierFor().verify(withToken(raw(H({ alg }), P({ jti: 'D'.repeat(22) }))), NOW));
    }
  });

  it('kid tricks: prototype names, non-strings, missing, duplicates', async () => {
    for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 1, true, ['default'], { toString: 'default' }, null, '', 'x'.repeat(20000)]) {
      const msg = await refusal(() => verifierFor().verify(withToken(raw(H({ kid }), P())), NOW));
      expect(msg).toContain('key id');
    }
    // Duplicate kid in the raw header JSON: last wins in both parsers
    const dup = raw(`{"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}","kid":"nope","kid":"default"}`, P({ jti: 'E'.repeat(22) }));
    expect(await verifierFor().verify(withToken(dup), NOW)).toEqual(BANK);
    const dup2 = raw(`{"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}","kid":"default","kid":"nope"}`, P({ jti: 'F'.repeat(22) }));
    await refusal(() => verifierFor().verify(withToken(dup2), NOW));
    // __proto__ key in JSON header
    await refusal(() => verifierFor().verify(withToken(raw(`{"__proto__":{"kid":"default"},"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}"}`, P())), NOW));
  });

  it('non-base64url chars, padding, whitespace, extra segments, huge segments', async () => {
    const good = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER]!;
    const [h, p, s] = good.split('.') as [string, string, string];
    const variants = [`${h}=.${p}.${s}`, `${h}.${p}=.${s}`, `${h}.${p}.${s}=`, `${h}.${p}.${s}==`, ` ${good}`, `${good} `, `${h}.${p} .${s}`, `${h}.${p}.${s}\n`, `${h}+.${p}.${s}`, `${h}.${p}/.${s}`,
      `${h}.${p}.${s}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${'A'.repeat(40000)}.${s}`, `${'A'.repeat(30000)}.${p}.${s}`, `${h}.${p}.${s}A`, `${h}.${p}.A${s}`, `${h}.${p}.${s.slice(0, -1)}`];
    for (const v of variants) await refusal(() => verifierFor().verify(withToken(v), NOW));
    expect(await verifierFor().verify(withToken(good), NOW)).toEqual(BANK);
  });

  it('signature last-char malleability does not give a second use (replay keyed by jti)', async () => {
    const v = verifierFor();
    const good = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER]!;
    expect(await v.verify(withToken(good), NOW)).toEqual(BANK);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let sameBytes = 0;
    for (const c of alphabet) {
      const t = good.slice(0, -1) + c;
      if (t === good) continue;
      if (Buffer.from(t.split('.')[2]!, 'base64url').equals(Buffer.from(good.split('.')[2]!, 'base64url'))) sameBytes++;
      await refusal(() => v.verify(withToken(t), NOW));
    }
    expect(sameBytes).toBe(3); // 3 alternative encodings exist; all refused as replays
  });

  it('header/payload garbage never throws anything but UNAUTHENTICATED', async () => {
    const sig = 'A'.repeat(43);
    const garbage = ['null', '[]', '"x"', '1', 'true', '{', '\u0000', '{"alg":"HS256"}'.repeat(2), '\uFFFF', '{"alg":"HS256","typ":"x"}'];
    for (const g of garbage) {
      await refusal(() => verifierFor().verify(withToken(`${b64(g)}.${b64(P())}.${sig}`), NOW));
      await refusal(() => verifierFor().verify(withToken(`${b64(H())}.${b64(g)}.${sig}`), NOW));
    }
    await refusal(() => verifierFor().verify(withToken(`${b64(Buffer.from([0xff, 0xfe, 0x80]))}.${b64(P())}.${sig}`), NOW));
    // header typ variants
    for (const typ of [undefined, 'JWT', 1, ['x'], 'credit-graph-call+jwt ', 'credit-graph-call']) await refusal(() => verifierFor().verify(withToken(raw(H({ typ }), P())), NOW));
  });
});

describe('insider-shaped tokens (right secret, odd contents): only a JSON object with sane claims passes', () => {
  it('payload not a JSON object is refused', async () => {
    for (const p of ['null', '[]', '[1]', '"str"', '42', 'true', '{}', `[${P()}]`]) await refusal(() => verifierFor().verify(withToken(raw(H(), p)), NOW));
  });
  it('crit headers are refused', async () => {
    for (const crit of [['exp'], ['b64'], [], 'x', ['x']]) await refusal(() => verifierFor().verify(withToken(raw(H({ crit, x: 1, b64: false }), P())), NOW));
  });
  it('iat as string / huge / negative / missing / null is refused; float within window passes', async () => {
    let i = 0;
    for (const iat of [String(NOW / 1000), 1e308, -1, -1e308, null, [NOW / 1000], { v: 1 }, NOW]) {
      await refusal(() => verifierFor().verify(withToken(raw(H(), P({ iat, jti: `iat${String(i++).padStart(19, '0')}` }))), NOW));
    }
    expect(await verifierFor().verify(withToken(raw(H(), P({ iat: NOW / 1000 + 0.5, jti: 'G'.repeat(22) }))), NOW)).toEqual(BANK);
    await refusal(() => verifierFor().verify(withToken(raw(H(), P({ iat: undefined }))), NOW));
  });
  it('aud: other subgraph, array, empty, prefix/suffix refused; array containing us accepted (as jose did)', async () => {
    for (const aud of ['registry', 'financex', 'fin', 'FINANCE', '', [], ['registry'], null, 1, [1]]) await refusal(() => verifierFor().verify(withToken(raw(H(), P({ aud }))), NOW));
    expect(await verifierFor().verify(withToken(raw(H(), P({ aud: ['registry', 'finance'], jti: 'H'.repeat(22) }))), NOW)).toEqual(BANK);
  });
  it('duplicate keys in payload: last one wins, consistently', async () => {
    const body = `{"aud":"finance",${P().slice(1, -1)},"aud":"registry"}`;
    await refusal(() => verifierFor().verify(withToken(raw(H(), body)), NOW));
  });
  it('__proto__ / constructor in caller or payload are refused or inert', async () => {
    const callerProto = `{"caller":{"__proto__":{"role":"ADMIN"},"subject":"s","role":"BANK","scopes":[]},"htm":"POST","htu":"/graphql","bh":"${bodyHash(READ.body)}","aud":"finance","iat":${NOW / 1000},"jti":"${'I'.repeat(22)}"}`;
    await refusal(() => verifierFor().verify(withToken(raw(H(), callerProto)), NOW));
    const payloadProto = `{"__proto__":{"iat":1},"caller":${JSON.stringify(BANK)},"htm":"POST","htu":"/graphql","bh":"${bodyHash(READ.body)}","aud":"finance","jti":"${'J'.repeat(22)}"}`;
    await refusal(() => verifierFor().verify(withToken(raw(H(), payloadProto)), NOW));
  });
  it('jti shapes, htm/htu/bh types', async () => {
    for (const over of [{ jti: 'short' }, { jti: 1 }, { jti: 'A'.repeat(23) }, { htm: 'post' }, { htm: ['POST'] }, { htu: ['/graphql'] }, { bh: bodyHash('x') }, { bh: 1 }]) {
      await refusal(() => verifierFor().verify(withToken(raw(H(), P(over))), NOW));
    }
  });
});

describe('time and replay windows', () => {
  it('stale and future-dated tokens', async () => {
    const signer = createCallerSigner(SECRET);
    await refusal(async () => verifierFor().verify(withToken((await signer.sign(BANK, READ, NOW - 35_001 - 999))[CALLER_HEADER]), NOW));
    await refusal(async () => verifierFor().verify(withToken((await signer.sign(BANK, READ, NOW + 6_000))[CALLER_HEADER]), NOW));
  });
  it('re-targeted: same token on another subgraph / method / path / body', async () => {
    const t = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER];
    await refusal(() => verifierFor('registry').verify(withToken(t), NOW));
    await refusal(() => verifierFor().verify(withToken(t, { ...READ, method: 'GET' }), NOW));
    await refusal(() => verifierFor().verify(withToken(t, { ...READ, path: '/graphql/' }), NOW));
    await refusal(() => verifierFor().verify(withToken(t, { ...READ, body: '{"query":"{ b }"}' }), NOW));
  });
  it('replay at the edge of the window: nonce TTL vs signature validity (same clock)', async () => {
    let mono = 0;
    const cache = createMemoryReplayCache({ now: () => mono });
    const v = createCallerVerifier({ keys: SECRET, subgraph: 'finance', replayCache: cache });
    // iat 5 s ahead of the subgraph's clock (allowed skew)
    const first = NOW;
    const token = raw(H(), P({ iat: (NOW + 5_000) / 1000, jti: 'K'.repeat(22) }));
    expect(await v.verify(withToken(token), first)).toEqual(BANK);
    mono = 40_000; // exactly the nonce TTL later
    await refusal(() => v.verify(withToken(token), first + 40_000));
  });
});
