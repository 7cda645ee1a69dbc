import { describe, expect, it } from 'vitest';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { buildSchema } from 'graphql';
import { ANONYMOUS_CALLER, formatError, type Caller } from '@credit-graph/contract';
import { useGatewayDatabase } from './support/gateway-database.ts';
import { createSafelist, operationHash, persistedQueryCache, safelistPlugin, type Safelist } from '../src/trust/safelist.ts';

const PLATFORM: Caller = { subject: 'platform-environment', role: 'SECTOR_PLATFORM', scopes: ['credit:read'], sector: 'environment' };
const BANK: Caller = { subject: 'bank-officer', role: 'BANK', scopes: ['credit:read'] };
const RATINGS = 'query Ratings { ratings }\n';
const GREETING = 'query Greeting { hello }';

const gateway = useGatewayDatabase('safelist');

describe('the safelist', () => {
  it('binds a client by its first entry and unbinds it when the last is removed', async () => {
    const safelist = createSafelist({ db: gateway.db });
    expect(await safelist.isBound('client-a')).toBe(false);
    const hash = await safelist.add('client-a', RATINGS);
    expect(hash).toBe(operationHash(RATINGS));
    expect(await safelist.isBound('client-a')).toBe(true);
    expect(await safelist.allows('client-a', hash)).toBe(true);
    expect(await safelist.allows('client-a', operationHash(GREETING))).toBe(false);
    expect(await safelist.allows('client-b', hash)).toBe(false);

    expect(await safelist.remove('client-a', hash)).toBe(true);
    expect(await safelist.remove('client-a', hash)).toBe(false);
    expect(await safelist.isBound('client-a')).toBe(false);
  });

  it('hashes the exact text: a changed space is another operation', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const hash = await safelist.add('client-exact', RATINGS);
    expect(await safelist.allows('client-exact', operationHash(RATINGS.trim()))).toBe(false);
    expect(await safelist.queryFor(hash)).toBe(RATINGS);
    expect(await safelist.queryFor(operationHash('{ unknown }'))).toBeUndefined();
  });

  it('names an entry after its operation unless given a name, and lists by client', async () => {
    const safelist = createSafelist({ db: gateway.db });
    await safelist.add('client-list', RATINGS);
    await safelist.add('client-list', GREETING, 'hello-check');
    await safelist.add('client-other', GREETING);
    const listed = await safelist.list('client-list');
    expect(listed.map(({ name, hash }) => ({ name, hash }))).toEqual([
      { name: 'Ratings', hash: operationHash(RATINGS) },
      { name: 'hello-check', hash: operationHash(GREETING) },
    ]);
    expect((await safelist.list()).filter((e) => e.client === 'client-other')).toHaveLength(1);
  });

  it('refuses an entry without a client or with text that is not GraphQL', async () => {
    const safelist = createSafelist({ db: gateway.db });
    await expect(safelist.add('', RATINGS)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argumentName: 'client' } });
    await expect(safelist.add('client-bad', '{ ratings')).rejects.toThrow(/not valid GraphQL/);
    expect(await safelist.isBound('client-bad')).toBe(false);
  });

  it('registers a manifest all or none: a database failure part-way binds the client to nothing', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const operations = ['A', 'B', 'Boom', 'D'].map((name) => ({ query: `query ${name} { ratings }`, name }));
    // A real failure of the database on the third row (a trigger), as a full disk or a lost
    // connection would fail it.
    await gateway.db.$executeRawUnsafe(`CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.name = 'Boom' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await gateway.db.$executeRawUnsafe(`CREATE TRIGGER refuse_boom BEFORE INSERT ON "SafelistedOperation" FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
    try {
      await expect(safelist.addAll('client-manifest', operations)).rejects.toThrow();
      expect(await safelist.isBound('client-manifest')).toBe(false);
      expect(await safelist.list('client-manifest')).toEqual([]);
    } finally {
      await gateway.db.$executeRawUnsafe('DROP TRIGGER refuse_boom ON "SafelistedOperation"');
      await gateway.db.$executeRawUnsafe('DROP FUNCTION refuse_boom()');
    }
    // A refused operation (not GraphQL) refuses the whole manifest before anything is written.
    await expect(safelist.addAll('client-manifest', [operations[0]!, { query: '{ ratings', name: 'Broken' }])).rejects.toThrow(/not valid GraphQL/);
    expect(await safelist.isBound('client-manifest')).toBe(false);
    const hashes = await safelist.addAll('client-manifest', operations);
    expect(hashes).toEqual(operations.map(({ query }) => operationHash(query)));
    expect((await safelist.list('client-manifest')).map((entry) => entry.name).sort()).toEqual(['A', 'B', 'Boom', 'D']);
  });

  it('keeps a client list for the cache period, so another replica sees a change within it', async () => {
    let now = 0;
    const replica = createSafelist({ db: gateway.db, now: () => now });
    const admin = createSafelist({ db: gateway.db });
    expect(await replica.isBound('client-cached')).toBe(false);
    await admin.add('client-cached', RATINGS);
    expect(await replica.isBound('client-cached')).toBe(false);
    now = 10_000;
    expect(await replica.isBound('client-cached')).toBe(true);
  });

  it('fails at creation with a bad cache period', () => {
    expect(() => createSafelist({ db: gateway.db, cacheMs: -1 })).toThrow(/cacheMs/);
  });
});

describe('the safelist plugin', () => {
  let resolved: string[];
  const logged: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void logged.push(message) };

  async function serve(safelist: Safelist) {
    resolved = [];
    const server = new ApolloServer<{ caller: Caller }>({
      schema: buildSchema('type Query { hello: String, ratings: [String] }'),
      rootValue: {
        hello: () => (resolved.push('hello'), 'world'),
        ratings: () => (resolved.push('ratings'), ['GREEN']),
      },
      plugins: [safelistPlugin(safelist)],
      persistedQueries: { cache: persistedQueryCache(safelist) },
      formatError,
      logger,
    });
    await server.start();
    return async (caller: Caller, body: Record<string, unknown>) => {
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body },
        context: async () => ({ caller }),
      });
      if (response.body.kind !== 'complete') throw new Error('expected a complete body');
      return { status: response.status ?? 200, ...(JSON.parse(response.body.string) as { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] }) };
    };
  }

  const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

  it('lets a bound client run its operation by full text and by hash alone', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const hash = await safelist.add(PLATFORM.subject, RATINGS);
    const request = await serve(safelist);
    expect(await request(PLATFORM, { query: RATINGS })).toEqual({ status: 200, data: { ratings: ['GREEN'] } });
    expect(await request(PLATFORM, byHash(hash))).toEqual({ status: 200, data: { ratings: ['GREEN'] } });
    expect(await request(PLATFORM, { query: RATINGS, ...byHash(hash) })).toEqual({ status: 200, data: { ratings: ['GREEN'] } });
    await safelist.remove(PLATFORM.subject, hash);
  });

  it('refuses any other operation of a bound client with 403 PERSISTED_QUERY_NOT_ALLOWED, before it runs', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const allowed = await safelist.add(PLATFORM.subject, RATINGS);
    const request = await serve(safelist);
    const other = operationHash(GREETING);
    const refused = await request(PLATFORM, { query: GREETING });
    expect(refused).toEqual({
      status: 403,
      errors: [
        {
          message: `Client ${PLATFORM.subject} may only run its registered operations; ${other} is not one of them`,
          extensions: { code: 'PERSISTED_QUERY_NOT_ALLOWED', hash: other },
        },
      ],
    });
    // The registered text with one character changed is another operation.
    expect((await request(PLATFORM, { query: RATINGS.trim() })).status).toBe(403);
    expect(resolved).toEqual([]);
    await safelist.remove(PLATFORM.subject, allowed);
  });

  it('refuses, by hash alone, an operation another client registered', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const own = await safelist.add(PLATFORM.subject, RATINGS);
    const theirs = await safelist.add('another-platform', GREETING);
    const request = await serve(safelist);
    const refused = await request(PLATFORM, byHash(theirs));
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_ALLOWED', hash: theirs });
    // Nor one an unbound caller registered through ordinary APQ.
    const adHoc = '{ hello }';
    expect(await request(BANK, { query: adHoc, ...byHash(operationHash(adHoc)) })).toEqual({ status: 200, data: { hello: 'world' } });
    expect((await request(PLATFORM, byHash(operationHash(adHoc)))).status).toBe(403);
    expect(resolved).toEqual(['hello']);
    await safelist.remove(PLATFORM.subject, own);
    await safelist.remove('another-platform', theirs);
  });

  it('leaves unbound callers free to run anything, and ordinary persisted queries working', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const hash = await safelist.add(PLATFORM.subject, RATINGS);
    const request = await serve(safelist);
    expect(await request(BANK, { query: GREETING })).toEqual({ status: 200, data: { hello: 'world' } });
    expect(await request(ANONYMOUS_CALLER, { query: '{ hello }' })).toEqual({ status: 200, data: { hello: 'world' } });
    const adHoc = 'query Both { hello ratings }';
    expect((await request(BANK, byHash(operationHash(adHoc)))).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await request(BANK, { query: adHoc, ...byHash(operationHash(adHoc)) })).data).toEqual({ hello: 'world', ratings: ['GREEN'] });
    expect((await request(BANK, byHash(operationHash(adHoc)))).data).toEqual({ hello: 'world', ratings: ['GREEN'] });
    await safelist.remove(PLATFORM.subject, hash);
  });

  it('frees a client once its last operation is removed', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const hash = await safelist.add(PLATFORM.subject, RATINGS);
    const request = await serve(safelist);
    expect((await request(PLATFORM, { query: GREETING })).status).toBe(403);
    await safelist.remove(PLATFORM.subject, hash);
    expect(await request(PLATFORM, { query: GREETING })).toEqual({ status: 200, data: { hello: 'world' } });
  });

  it('fails closed when the safelist cannot be read', async () => {
    const broken = createSafelist({ db: gateway.db });
    broken.isBound = async () => {
      throw new Error('connection lost');
    };
    const server = await serve(broken);
    const response = await server(BANK, { query: GREETING });
    expect(response.status).toBe(500);
    expect(response.errors?.[0]).toEqual({ message: 'The operation safelist could not be read; try again', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(resolved).toEqual([]);
    expect(logged).toContain('Safelist could not be read: connection lost');
  });
});

describe('the persisted query cache', () => {
  it('forgets the least recently used ordinary queries beyond its size, never registered ones', async () => {
    const safelist = createSafelist({ db: gateway.db });
    const registered = await safelist.add('client-lru', RATINGS);
    const cache = persistedQueryCache(safelist, 10);
    await cache.set('apq:a', '{ a1234 }'); // 9 characters
    expect(await cache.get('apq:a')).toBe('{ a1234 }');
    await cache.set('apq:b', '{ b }');
    expect(await cache.get('apq:a')).toBeUndefined();
    expect(await cache.get('apq:b')).toBe('{ b }');
    expect(await cache.get(`apq:${registered}`)).toBe(RATINGS);
    await safelist.remove('client-lru', registered);
  });
});
