import type { IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, SignJWT } from 'jose';
import { useGatewayDatabase } from './support/gateway-database.ts';
import { createIdentity, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, signToken, type JwtOptions } from '../src/trust/identity.ts';
import { createRequestContext } from '../src/trust/request-context.ts';
import {
  issueWorkerAuthorization,
  verifyWorkerAuthorization,
  WORKER_AUTHORIZATION_AUDIENCE,
  WORKER_AUTHORIZATION_HEADER,
} from '../src/trust/worker-authorization.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const OTHER_SECRET = 'another-secret-that-is-also-long-enough-!!!';
const OPTIONS = { secret: SECRET, issuer: DEFAULT_JWT_ISSUER };
const WORKER = 'wk_0123456789abcdef';
const BANK_USCC = '91350100M000100Y43';
const HOUR = 3_600_000;

/** The coded error a promise is rejected with (and a failure if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<{ message: string; code: unknown }> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as { message: string; extensions?: { code?: unknown } },
  );
  return { message: error.message, code: error.extensions?.code };
}

/** A token signed with the right secret and claims chosen by the test. */
function signed(claims: Record<string, unknown>, { secret = SECRET, audience = WORKER_AUTHORIZATION_AUDIENCE, lifeSeconds = 3600 } = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(DEFAULT_JWT_ISSUER)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifeSeconds)
    .sign(new TextEncoder().encode(secret));
}

describe('worker authorization: issue and verify', () => {
  it('issues a 2-hour HS256 code for the worker that verifies to the worker id', async () => {
    const token = await issueWorkerAuthorization(SECRET, WORKER);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: WORKER, scope: 'worker:view', aud: WORKER_AUTHORIZATION_AUDIENCE, iss: DEFAULT_JWT_ISSUER });
    expect(claims.exp! - claims.iat!).toBe(2 * 3600);
    expect(await verifyWorkerAuthorization(token, OPTIONS)).toBe(WORKER);
  });

  it('refuses to issue for an id that is not a worker id, or for longer than 24 h', async () => {
    for (const id of ['410105199001011234', 'wk_ABCDEF0123456789', 'wk_123', '']) {
      expect(await rejection(issueWorkerAuthorization(SECRET, id))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('not a worker id') });
    }
    expect(await rejection(issueWorkerAuthorization(SECRET, WORKER, '25h'))).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('at most 24 h') });
    expect(await rejection(issueWorkerAuthorization(SECRET, WORKER, 'soon'))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(decodeJwt(await issueWorkerAuthorization(SECRET, WORKER, '24h')).sub).toBe(WORKER);
  });

  it('refuses an expired code, telling the household to ask for a new one', async () => {
    const token = await issueWorkerAuthorization(SECRET, WORKER, '30m', { now: new Date(Date.now() - HOUR) });
    expect(await rejection(verifyWorkerAuthorization(token, OPTIONS))).toEqual({
      code: 'UNAUTHENTICATED',
      message: `Worker authorization refused (${WORKER_AUTHORIZATION_HEADER}): it has expired; ask the worker for a new code`,
    });
    // The same code was good while it lasted.
    expect(await verifyWorkerAuthorization(token, { ...OPTIONS, now: new Date(Date.now() - HOUR + 60_000) })).toBe(WORKER);
  });

  it('refuses a code for another audience: an access token is no worker authorization', async () => {
    const accessToken = await signToken(SECRET, { sub: WORKER, role: 'DEVELOPER' }, { audience: DEFAULT_JWT_AUDIENCE });
    const refused = await rejection(verifyWorkerAuthorization(accessToken, OPTIONS));
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining(`audience must be "${WORKER_AUTHORIZATION_AUDIENCE}"`) });
    const otherAudience = await signed({ sub: WORKER, scope: 'worker:view' }, { audience: 'somebody-else' });
    expect((await rejection(verifyWorkerAuthorization(otherAudience, OPTIONS))).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a forged code: another secret, an edited worker id, alg none, garbage', async () => {
    const otherSecret = await issueWorkerAuthorization(OTHER_SECRET, WORKER);
    expect((await rejection(verifyWorkerAuthorization(otherSecret, OPTIONS))).message).toMatch(/signature does not verify$/);

    const [header, , signature] = (await issueWorkerAuthorization(SECRET, WORKER)).split('.');
    const payload = { ...decodeJwt(await issueWorkerAuthorization(SECRET, WORKER)), sub: 'wk_fedcba9876543210' };
    const edited = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    expect((await rejection(verifyWorkerAuthorization(edited, OPTIONS))).message).toMatch(/signature does not verify$/);

    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    expect(await rejection(verifyWorkerAuthorization(none, OPTIONS))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('HS256 only') });

    expect(await rejection(verifyWorkerAuthorization('not-a-token', OPTIONS))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('not a signed token') });
  });

  it('refuses a well-signed code that names no worker id, has another scope or lives over 24 h', async () => {
    const idCard = await signed({ sub: '410105199001011234', scope: 'worker:view' });
    expect((await rejection(verifyWorkerAuthorization(idCard, OPTIONS))).message).toMatch(/names no worker id/);
    const wrongScope = await signed({ sub: WORKER, scope: 'credit:read' });
    expect((await rejection(verifyWorkerAuthorization(wrongScope, OPTIONS))).message).toMatch(/scope must be "worker:view"/);
    const longLived = await signed({ sub: WORKER, scope: 'worker:view' }, { lifeSeconds: 48 * 3600 });
    expect((await rejection(verifyWorkerAuthorization(longLived, OPTIONS))).message).toMatch(/more than 24 h/);
  });

  it('refuses a code from another issuer, and every code when the gateway has no JWT secret', async () => {
    const token = await issueWorkerAuthorization(SECRET, WORKER, '2h', { issuer: 'someone-else' });
    expect((await rejection(verifyWorkerAuthorization(token, OPTIONS))).message).toMatch(/not issued by "credit-graph"/);
    const good = await issueWorkerAuthorization(SECRET, WORKER);
    expect(await rejection(verifyWorkerAuthorization(good, { issuer: DEFAULT_JWT_ISSUER }))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('accepts no worker authorizations'),
    });
  });
});

describe('worker authorization: the request context', () => {
  const JWT: JwtOptions = { secret: SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE };
  const gateway = useGatewayDatabase('worker-authorization');
  let context: ReturnType<typeof createRequestContext>;
  const request = (headers: Record<string, string>) => ({ headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;

  beforeAll(async () => {
    context = createRequestContext(createIdentity({ db: gateway.db, jwt: JWT }), JWT);
  });

  it('grants an anonymous household the worker named by the code, and nothing without one', async () => {
    const { caller } = await context(request({ [WORKER_AUTHORIZATION_HEADER]: await issueWorkerAuthorization(SECRET, WORKER) }));
    expect(caller).toEqual({ subject: 'anonymous', role: 'PUBLIC', scopes: [], workerGrants: [WORKER] });
    expect((await context(request({}))).caller.workerGrants).toBeUndefined();
  });

  it('keeps an identified caller as it is and adds the grant', async () => {
    const bank = await signToken(SECRET, { sub: 'officer-1', role: 'BANK', institution: BANK_USCC });
    const { caller } = await context(request({
      authorization: `Bearer ${bank}`,
      'x-credit-purpose': 'LOAN_APPROVAL',
      [WORKER_AUTHORIZATION_HEADER]: await issueWorkerAuthorization(SECRET, WORKER),
    }));
    expect(caller).toEqual({ subject: 'officer-1', role: 'BANK', scopes: ['credit:read'], institution: BANK_USCC, purpose: 'LOAN_APPROVAL', workerGrants: [WORKER] });
  });

  it('fails the request on a bad code, and does not accept a code as a bearer token', async () => {
    const expired = await issueWorkerAuthorization(SECRET, WORKER, '1m', { now: new Date(Date.now() - HOUR) });
    expect((await rejection(context(request({ [WORKER_AUTHORIZATION_HEADER]: expired })))).code).toBe('UNAUTHENTICATED');
    const code = await issueWorkerAuthorization(SECRET, WORKER);
    expect(await rejection(context(request({ authorization: `Bearer ${code}` })))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('wrong audience'),
    });
  });
});
