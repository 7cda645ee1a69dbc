// Hostile-caller attacks on the signed subgraph call (fast-jwt verifier).
import { createHmac } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../src/caller.ts';
import {
  bodyHash,
  CALLER_HEADER,
  CALLER_SIGNATURE_TYPE,
  createCallerSigner,
  createCallerVerifier,
  createMemoryReplayCache,
  type ReceivedCall,
  type SubgraphCall,
} from '../src/caller-signature.ts';

const SECRET = 'a-signing-secret-of-at-least-32-characters';
const OTHER = 'another-signing-secret-of-32-characters!';
const NOW = 1_750_000_000_000;
const BANK: Caller = { subject: 'officer-7', role: 'BANK', scopes: ['credit:read'], institution: '91410100MA44N8KU1A', purpose: 'LOAN_APPROVAL' };
const READ: SubgraphCall = { subgraph: 'finance', method: 'POST', path: '/graphql', body: '{"query":"{ a }"}' };
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

async function refusal(run: () => Promise<unknown>): Promise<string> {
  let result: unknown;
  try {
    result = await run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
    return (error as GraphQLError).message;
  }
  throw new Error(`expected UNAUTHENTICATED, got ${JSON.stringify(result)}`);
}
const received = (token: unknown, call: SubgraphCall = READ): ReceivedCall => ({ headers: { [CALLER_HEADER]: token as string }, method: call.method, path: call.path, body: Buffer.from(call.body) });
const verifier = (subgraph = 'finance') => createCallerVerifier({ keys: SECRET, subgraph });

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
    expect(await verifier().verify(received(raw(H(), P())), NOW)).toEqual(BANK);
  });

  it('forged with another secret / alg none / empty or truncated signature', async () => {
    await refusal(() => verifier().verify(received(raw(H(), P(), OTHER)), NOW));
    const [h, p] = raw(H({ alg: 'none' }), P()).split('.');
    for (const sig of ['A', 'AA', 'x'.repeat(43), 'x'.repeat(86)]) await refusal(() => verifier().verify(received(`${h}.${p}.${sig}`), NOW));
    await refusal(() => verifier().verify(received(`${h}.${p}.`), NOW));
    await refusal(() => verifier().verify(received(`${h}.${p}`), NOW));
  });

  it('alg confusion: HS384, HS512, RS256, ES256, lower-case hs256, alg array/object', async () => {
    await refusal(() => verifier().verify(received(raw(H({ alg: 'HS384' }), P({ jti: 'B'.repeat(22) }), SECRET, 'sha384')), NOW));
    await refusal(() => verifier().verify(received(raw(H({ alg: 'HS512' }), P({ jti: 'C'.repeat(22) }), SECRET, 'sha512')), NOW));
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', ['HS256'], { a: 1 }, null]) {
      await refusal(() => verifier().verify(received(raw(H({ alg }), P({ jti: 'D'.repeat(22) }))), NOW));
    }
  });

  it('kid tricks: prototype names, non-strings, missing, duplicates', async () => {
    for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 1, true, ['default'], { toString: 'default' }, null, '', 'x'.repeat(20000)]) {
      const msg = await refusal(() => verifier().verify(received(raw(H({ kid }), P())), NOW));
      expect(msg).toContain('key id');
    }
    // Duplicate kid in the raw header JSON: last wins in both parsers
    const dup = raw(`{"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}","kid":"nope","kid":"default"}`, P({ jti: 'E'.repeat(22) }));
    expect(await verifier().verify(received(dup), NOW)).toEqual(BANK);
    const dup2 = raw(`{"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}","kid":"default","kid":"nope"}`, P({ jti: 'F'.repeat(22) }));
    await refusal(() => verifier().verify(received(dup2), NOW));
    // __proto__ key in JSON header
    await refusal(() => verifier().verify(received(raw(`{"__proto__":{"kid":"default"},"alg":"HS256","typ":"${CALLER_SIGNATURE_TYPE}"}`, P())), NOW));
  });

  it('non-base64url chars, padding, whitespace, extra segments, huge segments', async () => {
    const good = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER]!;
    const [h, p, s] = good.split('.') as [string, string, string];
    const variants = [`${h}=.${p}.${s}`, `${h}.${p}=.${s}`, `${h}.${p}.${s}=`, `${h}.${p}.${s}==`, ` ${good}`, `${good} `, `${h}.${p} .${s}`, `${h}.${p}.${s}\n`, `${h}+.${p}.${s}`, `${h}.${p}/.${s}`,
      `${h}.${p}.${s}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${h}.${'A'.repeat(40000)}.${s}`, `${'A'.repeat(30000)}.${p}.${s}`, `${h}.${p}.${s}A`, `${h}.${p}.A${s}`, `${h}.${p}.${s.slice(0, -1)}`];
    for (const v of variants) await refusal(() => verifier().verify(received(v), NOW));
    expect(await verifier().verify(received(good), NOW)).toEqual(BANK);
  });

  it('signature last-char malleability does not give a second use (replay keyed by jti)', async () => {
    const v = verifier();
    const good = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER]!;
    expect(await v.verify(received(good), NOW)).toEqual(BANK);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let sameBytes = 0;
    for (const c of alphabet) {
      const t = good.slice(0, -1) + c;
      if (t === good) continue;
      if (Buffer.from(t.split('.')[2]!, 'base64url').equals(Buffer.from(good.split('.')[2]!, 'base64url'))) sameBytes++;
      await refusal(() => v.verify(received(t), NOW));
    }
    expect(sameBytes).toBe(3); // 3 alternative encodings exist; all refused as replays
  });

  it('header/payload garbage never throws anything but UNAUTHENTICATED', async () => {
    const sig = 'A'.repeat(43);
    const garbage = ['null', '[]', '"x"', '1', 'true', '{', '\u0000', '{"alg":"HS256"}'.repeat(2), '\uFFFF', '{"alg":"HS256","typ":"x"}'];
    for (const g of garbage) {
      await refusal(() => verifier().verify(received(`${b64(g)}.${b64(P())}.${sig}`), NOW));
      await refusal(() => verifier().verify(received(`${b64(H())}.${b64(g)}.${sig}`), NOW));
    }
    await refusal(() => verifier().verify(received(`${b64(Buffer.from([0xff, 0xfe, 0x80]))}.${b64(P())}.${sig}`), NOW));
    // header typ variants
    for (const typ of [undefined, 'JWT', 1, ['x'], 'credit-graph-call+jwt ', 'credit-graph-call']) await refusal(() => verifier().verify(received(raw(H({ typ }), P())), NOW));
  });
});

describe('insider-shaped tokens (right secret, odd contents): only a JSON object with sane claims passes', () => {
  it('payload not a JSON object is refused', async () => {
    for (const p of ['null', '[]', '[1]', '"str"', '42', 'true', '{}', `[${P()}]`]) await refusal(() => verifier().verify(received(raw(H(), p)), NOW));
  });
  it('crit headers are refused', async () => {
    for (const crit of [['exp'], ['b64'], [], 'x', ['x']]) await refusal(() => verifier().verify(received(raw(H({ crit, x: 1, b64: false }), P())), NOW));
  });
  it('iat as string / huge / negative / missing / null is refused; float within window passes', async () => {
    let i = 0;
    for (const iat of [String(NOW / 1000), 1e308, -1, -1e308, null, [NOW / 1000], { v: 1 }, NOW]) {
      await refusal(() => verifier().verify(received(raw(H(), P({ iat, jti: `iat${String(i++).padStart(19, '0')}` }))), NOW));
    }
    expect(await verifier().verify(received(raw(H(), P({ iat: NOW / 1000 + 0.5, jti: 'G'.repeat(22) }))), NOW)).toEqual(BANK);
    await refusal(() => verifier().verify(received(raw(H(), P({ iat: undefined }))), NOW));
  });
  it('aud: other subgraph, array, empty, prefix/suffix refused; array containing us accepted (as jose did)', async () => {
    for (const aud of ['registry', 'financex', 'fin', 'FINANCE', '', [], ['registry'], null, 1, [1]]) await refusal(() => verifier().verify(received(raw(H(), P({ aud }))), NOW));
    expect(await verifier().verify(received(raw(H(), P({ aud: ['registry', 'finance'], jti: 'H'.repeat(22) }))), NOW)).toEqual(BANK);
  });
  it('duplicate keys in payload: last one wins, consistently', async () => {
    const payload = P().replace(/^\{/, '{"aud":"finance","htu":"/graphql",').replace('"aud":"finance"}', '"aud":"registry"}');
    const body = `{"aud":"finance",${P().slice(1, -1)},"aud":"registry"}`;
    await refusal(() => verifier().verify(received(raw(H(), body)), NOW));
    void payload;
  });
  it('__proto__ / constructor in caller or payload are refused or inert', async () => {
    const callerProto = `{"caller":{"__proto__":{"role":"ADMIN"},"subject":"s","role":"BANK","scopes":[]},"htm":"POST","htu":"/graphql","bh":"${bodyHash(READ.body)}","aud":"finance","iat":${NOW / 1000},"jti":"${'I'.repeat(22)}"}`;
    await refusal(() => verifier().verify(received(raw(H(), callerProto)), NOW));
    const payloadProto = `{"__proto__":{"iat":1},"caller":${JSON.stringify(BANK)},"htm":"POST","htu":"/graphql","bh":"${bodyHash(READ.body)}","aud":"finance","jti":"${'J'.repeat(22)}"}`;
    await refusal(() => verifier().verify(received(raw(H(), payloadProto)), NOW));
  });
  it('jti shapes, htm/htu/bh types', async () => {
    for (const over of [{ jti: 'short' }, { jti: 1 }, { jti: 'A'.repeat(23) }, { htm: 'post' }, { htm: ['POST'] }, { htu: ['/graphql'] }, { bh: bodyHash('x') }, { bh: 1 }]) {
      await refusal(() => verifier().verify(received(raw(H(), P(over))), NOW));
    }
  });
});

describe('time and replay windows', () => {
  it('stale and future-dated tokens', async () => {
    const signer = createCallerSigner(SECRET);
    await refusal(async () => verifier().verify(received((await signer.sign(BANK, READ, NOW - 35_001 - 999))[CALLER_HEADER]), NOW));
    await refusal(async () => verifier().verify(received((await signer.sign(BANK, READ, NOW + 6_000))[CALLER_HEADER]), NOW));
  });
  it('re-targeted: same token on another subgraph / method / path / body', async () => {
    const t = (await createCallerSigner(SECRET).sign(BANK, READ, NOW))[CALLER_HEADER];
    await refusal(() => verifier('registry').verify(received(t), NOW));
    await refusal(() => verifier().verify(received(t, { ...READ, method: 'GET' }), NOW));
    await refusal(() => verifier().verify(received(t, { ...READ, path: '/graphql/' }), NOW));
    await refusal(() => verifier().verify(received(t, { ...READ, body: '{"query":"{ b }"}' }), NOW));
  });
  it('replay at the edge of the window: nonce TTL vs signature validity (same clock)', async () => {
    let mono = 0;
    const cache = createMemoryReplayCache({ now: () => mono });
    const v = createCallerVerifier({ keys: SECRET, subgraph: 'finance', replayCache: cache });
    // iat 5 s ahead of the subgraph's clock (allowed skew)
    const first = NOW;
    const token = raw(H(), P({ iat: (NOW + 5_000) / 1000, jti: 'K'.repeat(22) }));
    expect(await v.verify(received(token), first)).toEqual(BANK);
    mono = 40_000; // exactly the nonce TTL later
    await refusal(() => v.verify(received(token), first + 40_000));
  });
});
