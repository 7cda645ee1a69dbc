import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ANONYMOUS_CALLER, type Caller } from '@credit-graph/contract';
import { findApiKey, issueApiKey, listApiKeys, revokeApiKey } from '../src/trust/api-keys.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';
import {
  createIdentity,
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_JWT_ISSUER,
  signToken,
  type Identity,
  type JwtOptions,
} from '../src/trust/identity.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const OTHER_SECRET = 'another-secret-that-is-also-long-enough-!!!';
const JWT: JwtOptions = { secret: SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE };
const BANK_USCC = '91350100M000100Y43';
const ENTERPRISE_USCC = '91110000600037341L';
const HOUR = 3_600_000;

const gateway = useGatewayDatabase('identity');
let identity: Identity;
let tmp: string;
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let jwksFile: string;

beforeAll(async () => {
  identity = createIdentity({ db: gateway.db, jwt: JWT });
  tmp = await mkdtemp(path.join(tmpdir(), 'identity-'));
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  const keys: JWK[] = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  jwksFile = path.join(tmp, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify({ keys }));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The UNAUTHENTICATED refusal `identify` gives, so that tests can check its message. */
async function refusal(promise: Promise<Caller>): Promise<{ message: string; code: unknown }> {
  const error = await promise.then(
    (caller) => {
      throw new Error(`expected a refusal, got caller ${JSON.stringify(caller)}`);
    },
    (error: unknown) => error as { message: string; extensions: { code: unknown } },
  );
  expect(error.extensions.code).toBe('UNAUTHENTICATED');
  return { message: error.message, code: error.extensions.code };
}

function unsigned(header: object, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('identity: bearer tokens (HS256)', () => {
  it('treats a request without credentials as the anonymous PUBLIC caller', async () => {
    expect(await identity.identify({})).toEqual(ANONYMOUS_CALLER);
    expect(await identity.identify({ authorization: '', apiKey: '' })).toEqual(ANONYMOUS_CALLER);
  });

  it.each([
    [{ sub: 'bank-1', role: 'BANK', institution: BANK_USCC }, { subject: 'bank-1', role: 'BANK', scopes: ['credit:read'], institution: BANK_USCC }],
    [
      { sub: 'platform-1', role: 'SECTOR_PLATFORM', institution: BANK_USCC, sector: 'finance' },
      { subject: 'platform-1', role: 'SECTOR_PLATFORM', scopes: ['credit:read', 'supervision:read', 'finance:write'], institution: BANK_USCC, sector: 'finance' },
    ],
    [
      { sub: 'regulator-1', role: 'REGULATOR', institution: BANK_USCC },
      {
        subject: 'regulator-1',
        role: 'REGULATOR',
        scopes: ['credit:read', 'personal:read', 'lists:manage', 'audit:read', 'schema:introspect', 'supervision:read'],
        institution: BANK_USCC,
      },
    ],
    [
      { sub: ENTERPRISE_USCC, role: 'ENTERPRISE', uscc: ENTERPRISE_USCC },
      { subject: ENTERPRISE_USCC, role: 'ENTERPRISE', scopes: ['credit:read', 'consent:manage'], uscc: ENTERPRISE_USCC },
    ],
    [{ sub: 'dev-1', role: 'DEVELOPER' }, { subject: 'dev-1', role: 'DEVELOPER', scopes: ['schema:introspect'] }],
    [
      { sub: 'procurement-1', role: 'AGENCY', institution: ENTERPRISE_USCC },
      { subject: 'procurement-1', role: 'AGENCY', scopes: ['credit:verify'], institution: ENTERPRISE_USCC },
    ],
  ] as const)('turns a valid %j token into its caller with the role\'s scopes', async (claims, caller) => {
    const token = await signToken(SECRET, claims);
    expect(await identity.identify(bearer(token))).toEqual(caller);
  });

  it('accepts the scheme name in any case', async () => {
    const token = await signToken(SECRET, { sub: 'dev-1', role: 'DEVELOPER' });
    expect((await identity.identify({ authorization: `bearer ${token}` })).role).toBe('DEVELOPER');
  });

  it('keeps a narrower scope claim and drops scopes outside the role', async () => {
    const token = await signToken(SECRET, {
      sub: 'platform-1',
      role: 'SECTOR_PLATFORM',
      sector: 'finance',
      scope: 'finance:write trade:write audit:read personal:read',
    });
    expect((await identity.identify(bearer(token))).scopes).toEqual(['finance:write']);
  });

  it("refuses an AGENCY token that does not name its institution's valid USCC", async () => {
    for (const institution of [undefined, 'procurement-centre', '91350100M000100Y44']) {
      const token = await signToken(SECRET, { sub: 'procurement-1', role: 'AGENCY', ...(institution ? { institution } : {}) });
      await expect(identity.identify(bearer(token))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('ignores a sector or USCC claim on a role that is not bound to one', async () => {
    const token = await signToken(SECRET, { sub: 'bank-1', role: 'BANK', sector: 'trade', uscc: ENTERPRISE_USCC });
    expect(await identity.identify(bearer(token))).toEqual({ subject: 'bank-1', role: 'BANK', scopes: ['credit:read'] });
  });

  it('refuses an expired token and says when it expired', async () => {
    const token = await signToken(SECRET, { sub: 'bank-1', role: 'BANK' }, { expiresIn: '1h' });
    const later = createIdentity({ db: gateway.db, jwt: JWT, now: () => new Date(Date.now() + 2 * HOUR) });
    const { message } = await refusal(later.identify(bearer(token)));
    expect(message).toMatch(/^token expired at \d{4}-\d\d-\d\dT/);
  });

  it('accepts a token that expired within the 30 s clock tolerance', async () => {
    const token = await signToken(SECRET, { sub: 'bank-1', role: 'BANK' }, { expiresIn: 60 });
    const skewed = createIdentity({ db: gateway.db, jwt: JWT, now: () => new Date(Date.now() + 80_000) });
    expect((await skewed.identify(bearer(token))).role).toBe('BANK');
  });

  it('refuses a token without an expiry', async () => {
    const token = await new SignJWT({ role: 'BANK' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bank-1')
      .setIssuer(DEFAULT_JWT_ISSUER)
      .setAudience(DEFAULT_JWT_AUDIENCE)
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(identity.identify(bearer(token)))).message).toBe('token has no "exp" claim');
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await new SignJWT({ role: 'BANK' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bank-1')
      .setIssuer(DEFAULT_JWT_ISSUER)
      .setAudience(DEFAULT_JWT_AUDIENCE)
      .setNotBefore('10m')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(identity.identify(bearer(token)))).message).toMatch(/^token is not valid before \d{4}-/);
  });

  it('refuses a token from another issuer', async () => {
    const token = await signToken(SECRET, { sub: 'bank-1', role: 'BANK' }, { issuer: 'someone-else' });
    expect((await refusal(identity.identify(bearer(token)))).message).toBe(
      'wrong issuer: token is from "someone-else", expected "credit-graph"',
    );
  });

  it('refuses a token for another audience', async () => {
    const token = await signToken(SECRET, { sub: 'bank-1', role: 'BANK' }, { audience: 'another-api' });
    expect((await refusal(identity.identify(bearer(token)))).message).toMatch(/^wrong audience: token is for "another-api"/);
  });

  it('refuses a token signed with another secret, without echoing the token or the secret', async () => {
    const token = await signToken(OTHER_SECRET, { sub: 'regulator-1', role: 'REGULATOR' });
    const { message } = await refusal(identity.identify(bearer(token)));
    expect(message).toBe('token signature does not verify');
    expect(message).not.toContain(token.split('.')[2]);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const token = unsigned(
      { alg: 'none', typ: 'JWT' },
      { sub: 'regulator-1', role: 'REGULATOR', iss: DEFAULT_JWT_ISSUER, aud: DEFAULT_JWT_AUDIENCE, exp: nowSeconds() + 3600 },
    );
    expect((await refusal(identity.identify(bearer(token)))).message).toBe(
      'unsupported token algorithm "none"; this gateway accepts HS256',
    );
  });

  it('refuses garbage and a header that is not a bearer token', async () => {
    expect((await refusal(identity.identify(bearer('not-a-jwt')))).message).toMatch(/^token is malformed/);
    expect((await refusal(identity.identify({ authorization: `Basic ${btoa('a:b')}` }))).message).toMatch(/Bearer <token>/);
  });

  it('refuses a token and an API key sent together', async () => {
    const token = await signToken(SECRET, { sub: 'dev-1', role: 'DEVELOPER' });
    const { key } = await issueApiKey(gateway.db, { role: 'DEVELOPER', subject: 'dev-1' });
    expect((await refusal(identity.identify({ ...bearer(token), apiKey: key }))).message).toMatch(/not both/);
  });

  it.each([
    [{ sub: 'x', role: 'PUBLIC' }, /role must be one of BANK, SECTOR_PLATFORM, REGULATOR, ENTERPRISE, DEVELOPER, AGENCY, got "PUBLIC"/],
    [{ sub: 'x', role: 'ADMIN' }, /role must be one of .*got "ADMIN"/],
    [{ sub: 'x' }, /role must be one of .*got null/],
    [{ sub: 'x', role: 'SECTOR_PLATFORM' }, /SECTOR_PLATFORM is bound to its sector/],
    [{ sub: 'x', role: 'SECTOR_PLATFORM', sector: 'banking' }, /got "banking"/],
    [{ sub: 'x', role: 'ENTERPRISE' }, /ENTERPRISE is bound to its own USCC: uscc is missing/],
    [{ sub: 'x', role: 'ENTERPRISE', uscc: '91110000600037341X' }, /uscc is not a valid USCC: USCC character 18/],
    [{ sub: 'x', role: 'BANK', scope: ['credit:read'] }, /"scope" must be a space-separated string/],
  ])('refuses a well-signed token with bad claims %j', async (claims, message) => {
    const token = await signToken(SECRET, claims as never);
    expect((await refusal(identity.identify(bearer(token)))).message).toMatch(message);
  });
});

describe('identity: bearer tokens (JWKS)', () => {
  const sign = (key: CryptoKey, alg: string, kid: string, claims: Record<string, unknown> = { role: 'BANK', institution: BANK_USCC }) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, kid })
      .setSubject('bank-1')
      .setIssuer(DEFAULT_JWT_ISSUER)
      .setAudience(DEFAULT_JWT_AUDIENCE)
      .setExpirationTime('1h')
      .sign(key);

  it('accepts RS256 and ES256 tokens signed with a key from the JWKS file', async () => {
    const fromFile = createIdentity({ db: gateway.db, jwt: { ...JWT, secret: undefined, jwksFile } });
    const expected = { subject: 'bank-1', role: 'BANK', scopes: ['credit:read'], institution: BANK_USCC };
    expect(await fromFile.identify(bearer(await sign(rsa.privateKey, 'RS256', 'rsa-1')))).toEqual(expected);
    expect(await fromFile.identify(bearer(await sign(ec.privateKey, 'ES256', 'ec-1')))).toEqual(expected);
  });

  it('refuses an RS256 token signed by a key that is not in the set', async () => {
    const stranger = await generateKeyPair('RS256');
    const fromFile = createIdentity({ db: gateway.db, jwt: { ...JWT, secret: undefined, jwksFile } });
    expect((await refusal(fromFile.identify(bearer(await sign(stranger.privateKey, 'RS256', 'rsa-1'))))).message).toBe(
      'token signature does not verify',
    );
    expect((await refusal(fromFile.identify(bearer(await sign(stranger.privateKey, 'RS256', 'rsa-9'))))).message).toMatch(
      /^no key in the key set matches the token/,
    );
  });

  it.each([
    ['only a JWKS', undefined, /^unsupported token algorithm "HS256"; this gateway accepts RS256, ES256$/],
    ['a JWKS and an HS256 secret', SECRET, /^token signature does not verify$/],
  ])('refuses HS/RS confusion (an HS256 token keyed with the RSA public key) with %s', async (_label, secret, message) => {
    const publicPem = await exportSPKI(rsa.publicKey);
    const forged = await new SignJWT({ role: 'REGULATOR', institution: BANK_USCC })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setSubject('regulator-1')
      .setIssuer(DEFAULT_JWT_ISSUER)
      .setAudience(DEFAULT_JWT_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(publicPem));
    const both = createIdentity({ db: gateway.db, jwt: { ...JWT, secret, jwksFile } });
    expect((await refusal(both.identify(bearer(forged)))).message).toMatch(message);
  });

  it('accepts an RS256 token with keys fetched from a JWKS URL', async () => {
    const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }] };
    const server: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const remote = createIdentity({ db: gateway.db, jwt: { ...JWT, secret: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json` } });
      expect((await remote.identify(bearer(await sign(rsa.privateKey, 'RS256', 'rsa-1')))).subject).toBe('bank-1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('identity: creation', () => {
  it.each([
    ['no key source', { issuer: 'i', audience: 'a' }, /needs a key source/],
    ['a short HS256 secret', { issuer: 'i', audience: 'a', secret: 'x'.repeat(31) }, /at least 32 bytes, got 31/],
    ['no issuer', { audience: 'a', secret: SECRET }, /issuer and audience/],
    ['both a JWKS file and URL', { issuer: 'i', audience: 'a', jwksFile: 'x.json', jwksUrl: 'http://x' }, /not both/],
    ['a missing JWKS file', { issuer: 'i', audience: 'a', jwksFile: '/nonexistent/jwks.json' }, /not a readable JSON Web Key Set/],
    ['a JWKS URL that is not a URL', { issuer: 'i', audience: 'a', jwksUrl: 'keys' }, /not a URL/],
  ])('fails with INVALID_CONFIG given %s', (_label, jwt, message) => {
    const create = () => createIdentity({ db: gateway.db, jwt: jwt as JwtOptions });
    expect(create).toThrow(message);
    expect(create).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('refuses to sign with a short secret', async () => {
    await expect(signToken('short', { sub: 'x', role: 'BANK' })).rejects.toThrow(/at least 32 bytes/);
  });
});

describe('identity: API keys', () => {
  it('issues a key in the cgk_ format, stores only its hash, and identifies its caller', async () => {
    const { id, key } = await issueApiKey(gateway.db, {
      role: 'SECTOR_PLATFORM',
      subject: 'finance-platform',
      institution: BANK_USCC,
      sector: 'finance',
    });
    expect(key).toMatch(/^cgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    const row = await gateway.db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(key.slice(13));
    expect(row.prefix).toBe(key.slice(4, 12));
    expect(await identity.identify({ apiKey: key })).toEqual({
      subject: 'finance-platform',
      role: 'SECTOR_PLATFORM',
      scopes: ['credit:read', 'supervision:read', 'finance:write'],
      institution: BANK_USCC,
      sector: 'finance',
    });
  });

  it('lists keys without their hashes', async () => {
    const { id } = await issueApiKey(gateway.db, { role: 'ENTERPRISE', subject: ENTERPRISE_USCC, uscc: ENTERPRISE_USCC });
    const listed = (await listApiKeys(gateway.db)).find((row) => row.id === id);
    expect(listed).toMatchObject({ role: 'ENTERPRISE', uscc: ENTERPRISE_USCC, scopes: ['credit:read', 'consent:manage'] });
    expect(listed).not.toHaveProperty('hash');
  });

  it('keeps narrower scopes and refuses scopes outside the role at issue', async () => {
    const { key } = await issueApiKey(gateway.db, { role: 'REGULATOR', subject: 'auditor', scopes: ['audit:read'] });
    expect((await identity.identify({ apiKey: key })).scopes).toEqual(['audit:read']);
    await expect(issueApiKey(gateway.db, { role: 'BANK', subject: 'bank-1', scopes: ['credit:read', 'audit:read'] })).rejects.toThrow(
      /a BANK key cannot carry scope\(s\) audit:read/,
    );
    await expect(
      issueApiKey(gateway.db, { role: 'SECTOR_PLATFORM', subject: 'p', sector: 'finance', scopes: ['trade:write'] }),
    ).rejects.toThrow(/cannot carry scope\(s\) trade:write/);
  });

  it('refuses to issue a key for an unbound or anonymous role', async () => {
    await expect(issueApiKey(gateway.db, { role: 'ENTERPRISE', subject: 'e' })).rejects.toThrow(/uscc is missing/);
    await expect(issueApiKey(gateway.db, { role: 'SECTOR_PLATFORM', subject: 'p' })).rejects.toThrow(/bound to its sector/);
    await expect(issueApiKey(gateway.db, { role: 'PUBLIC', subject: 'p' })).rejects.toThrow(/role must be one of/);
    await expect(issueApiKey(gateway.db, { role: 'AGENCY', subject: 'a' })).rejects.toThrow(/AGENCY is bound to its institution/);
  });

  it('refuses a revoked key and says when it was revoked', async () => {
    const { id, key } = await issueApiKey(gateway.db, { role: 'BANK', subject: 'bank-1', institution: BANK_USCC });
    expect((await identity.identify({ apiKey: key })).role).toBe('BANK');
    const revoked = await revokeApiKey(gateway.db, id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
    expect((await refusal(identity.identify({ apiKey: key }))).message).toBe(
      `API key cgk_${key.slice(4, 12)} was revoked at ${revoked!.revokedAt!.toISOString()}`,
    );
    expect(await revokeApiKey(gateway.db, 'no-such-id')).toBeNull();
  });

  it('refuses a key after its expiry', async () => {
    const expiresAt = new Date(Date.now() + HOUR);
    const { key } = await issueApiKey(gateway.db, { role: 'DEVELOPER', subject: 'dev-1', expiresAt });
    expect((await identity.identify({ apiKey: key })).role).toBe('DEVELOPER');
    const later = createIdentity({ db: gateway.db, jwt: JWT, now: () => new Date(Date.now() + 2 * HOUR) });
    expect((await refusal(later.identify({ apiKey: key }))).message).toBe(
      `API key cgk_${key.slice(4, 12)} expired at ${expiresAt.toISOString()}`,
    );
    await expect(issueApiKey(gateway.db, { role: 'DEVELOPER', subject: 'd', expiresAt: new Date(Date.now() - 1000) })).rejects.toThrow(
      /must be in the future/,
    );
  });

  it('refuses an unknown key and a malformed one', async () => {
    const { key } = await issueApiKey(gateway.db, { role: 'DEVELOPER', subject: 'dev-1' });
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect((await refusal(identity.identify({ apiKey: tampered }))).message).toBe(`unknown API key cgk_${key.slice(4, 12)}`);
    for (const malformed of ['secret', `${key}x`, key.replace('cgk_', 'xyz_'), `${key.slice(0, 20)}%${key.slice(21)}`]) {
      expect((await refusal(identity.identify({ apiKey: malformed }))).message).toMatch(/^malformed API key/);
      expect(await findApiKey(gateway.db, malformed)).toBeNull();
    }
  });
});
