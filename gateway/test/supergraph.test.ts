// Any supergraph that @apollo/gateway serves, this gateway serves (issue 10 §9): one foreign
// subgraph per federation feature, composed by @apollo/composition, served by the gateway
// started on the composed file, and queried through it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices } from '@apollo/composition';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { startGateway, type GatewayApp } from '../src/app.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { ENFORCED_FEATURES, prepareSupergraph } from '../src/supergraph.ts';

const FEDERATION = (directives: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ${JSON.stringify(['@key', ...directives])})\n`;

interface Feature {
  directives: string[];
  sdl: string;
  resolvers: Record<string, Record<string, unknown>>;
  /** A query through the gateway and the data it must answer. */
  query: string;
  data: unknown;
}

const USER = { id: 'u1', name: 'Ada', internalNote: 'secret' };
const user = { Query: { user: () => USER }, User: { __resolveReference: () => USER } };

const FEATURES: Record<string, Feature> = {
  inaccessible: {
    directives: ['@inaccessible'],
    sdl: 'type Query { user: User } type User @key(fields: "id") { id: ID! name: String internalNote: String @inaccessible }',
    resolvers: user,
    query: '{ user { id name } }',
    data: { user: { id: 'u1', name: 'Ada' } },
  },
  tag: {
    directives: ['@tag'],
    sdl: 'type Query { user: User @tag(name: "public") } type User @key(fields: "id") { id: ID! name: String @tag(name: "pii") }',
    resolvers: user,
    query: '{ user { name } }',
    data: { user: { name: 'Ada' } },
  },
  cost: {
    directives: ['@cost', '@listSize'],
    sdl: 'type Query { users(first: Int): [User] @listSize(slicingArguments: ["first"]) @cost(weight: 5) } type User @key(fields: "id") { id: ID! name: String @cost(weight: 2) }',
    resolvers: { Query: { users: () => [USER] }, User: { __resolveReference: () => USER } },
    query: '{ users(first: 1) { name } }',
    data: { users: [{ name: 'Ada' }] },
  },
  authenticated: {
    directives: ['@authenticated'],
    sdl: 'type Query { user: User } type User @key(fields: "id") { id: ID! name: String @authenticated }',
    resolvers: user,
    query: '{ user { id name } }',
    // Enforced by this gateway: an anonymous caller gets null and an error for the field.
    data: { user: { id: 'u1', name: null } },
  },
  requiresScopes: {
    directives: ['@requiresScopes'],
    sdl: 'type Query { user: User } type User @key(fields: "id") { id: ID! name: String @requiresScopes(scopes: [["users:read"]]) }',
    resolvers: user,
    query: '{ user { id name } }',
    data: { user: { id: 'u1', name: null } },
  },
};

const folder = mkdtempSync(path.join(tmpdir(), 'features-'));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A foreign subgraph (plain @apollo/subgraph, no Credit Graph code) and its composed supergraph file. */
async function foreignSupergraph(name: string, feature: Pick<Feature, 'directives' | 'sdl' | 'resolvers'>): Promise<string> {
  return foreignSupergraphOf(name, { users: feature });
}

/** Foreign subgraphs by name, composed into one supergraph file. */
async function foreignSupergraphOf(name: string, subgraphs: Record<string, Pick<Feature, 'directives' | 'sdl' | 'resolvers'>>): Promise<string> {
  const services = [];
  for (const [subgraph, feature] of Object.entries(subgraphs)) {
    const typeDefs = parse(FEDERATION(feature.directives) + feature.sdl);
    const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers: feature.resolvers as never }]) });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    cleanups.push(() => server.stop());
    services.push({ name: subgraph, url, typeDefs });
  }
  const composed = composeServices(services);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const file = path.join(folder, `${name}.graphql`);
  writeFileSync(file, composed.supergraphSdl);
  return file;
}

async function gatewayOn(supergraphPath: string): Promise<GatewayApp> {
  const database: TestDatabase = await createTestDatabase('features');
  cleanups.push(() => database.drop());
  const config = loadConfig({ CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, JWT_SECRET: 'a-jwt-secret-for-the-feature-tests-0123456789', SUPERGRAPH_PATH: supergraphPath });
  const app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, database: database.target }, { examples: [] });
  cleanups.push(() => app.stop());
  return app;
}

describe('supergraph features', () => {
  it('accepts every feature @apollo/gateway supports, read from its own list, plus those it enforces', () => {
    expect(DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES).toContain('https://specs.apollo.dev/inaccessible/v0.2');
    for (const feature of DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES) {
      const schema = `schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "${feature}", for: SECURITY) { query: Query } type Query { a: String }`;
      expect(prepareSupergraph(schema)).toBe(schema);
    }
    expect([...ENFORCED_FEATURES].sort()).toEqual(['https://specs.apollo.dev/authenticated/v0.1', 'https://specs.apollo.dev/requiresScopes/v0.1']);
  });

  for (const [name, feature] of Object.entries(FEATURES)) {
    it(`serves a foreign supergraph using ${name}`, async () => {
      const app = await gatewayOn(await foreignSupergraph(name, feature));
      const result = await graphql(app.url, feature.query);
      expect(result.data).toEqual(feature.data);
      if (name === 'authenticated' || name === 'requiresScopes') {
        expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      } else {
        expect(result.errors).toBeUndefined();
      }
      if (name === 'inaccessible') {
        // Not in the API schema: asking for it is a validation error, nothing leaks.
        const hidden = await graphql(app.url, '{ user { internalNote } }');
        expect(hidden.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(JSON.stringify(hidden)).not.toContain('secret');
      }
    });
  }

  it('refuses, naming it, a security feature it does not enforce (@policy)', async () => {
    const file = await foreignSupergraph('policy', {
      directives: ['@policy'],
      sdl: 'type Query { user: User @policy(policies: [["admin"]]) } type User @key(fields: "id") { id: ID! }',
      resolvers: user,
    });
    await expect(gatewayOn(file)).rejects.toThrow(ConfigError);
    await expect(gatewayOn(file)).rejects.toThrow(/policy\/v0\.1 \(for: SECURITY\), which this gateway does not enforce/);
  });

  it('refuses @context/@fromContext clearly, as @apollo/gateway does: its executor does not fill the contextual arguments', async () => {
    const file = await foreignSupergraph('context', {
      directives: ['@context', '@fromContext'],
      sdl: `type Query { user: User }
        type User @key(fields: "id") @context(name: "userContext") { id: ID! name: String profile: Profile }
        type Profile @key(fields: "id") { id: ID! greeting(name: String @fromContext(field: "$userContext { name }")): String }`,
      resolvers: {
        Query: { user: () => USER },
        User: { __resolveReference: () => USER, profile: () => ({ id: 'p1' }) },
        Profile: { __resolveReference: (ref: object) => ref, greeting: (_: unknown, args: { name?: string }) => `Hello ${args.name}` },
      },
    });
    await expect(gatewayOn(file)).rejects.toThrow(/context\/v0\.1 \(for: SECURITY\), which this gateway does not enforce/);
  });

  it('refuses an enforced feature linked under another name, which authorization would not see', () => {
    const renamed = `schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY) { query: Query }
      type Query { a: String }`;
    expect(() => prepareSupergraph(renamed)).toThrow(/under another name/);
  });

  it('drops only the for: argument of the features it takes over, leaving every other byte as it was', () => {
    const sdl = `schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", import: ["@requiresScopes"], for: SECURITY)
{ query: Query }
type Query { a: String }`;
    expect(prepareSupergraph(sdl)).toBe(
      sdl.replace('import: ["@requiresScopes"], for: SECURITY)', 'import: ["@requiresScopes"], )'),
    );
  });

  // Type-level requirements on types no field requirement names: objects reached through a
  // union, enums and scalars. Apollo Router's semantics: the type's fields and every field
  // returning it require what the type requires.
  it('enforces @authenticated on an object type reached through a union, an enum and a scalar', async () => {
    const SECRET = { __typename: 'Secret', data: 'classified' };
    const file = await foreignSupergraph('type-requirements', {
      directives: ['@authenticated'],
      sdl: `type Query { search: [Result!]! user: User }
        union Result = Secret | Open
        type Secret @authenticated { data: String }
        type Open { title: String }
        enum Level @authenticated { HIGH LOW }
        scalar Note @authenticated
        type User @key(fields: "id") { id: ID! level: Level note: Note }`,
      resolvers: {
        Query: { search: () => [SECRET, { __typename: 'Open', title: 'hello' }], user: () => ({ id: 'u1', level: 'HIGH', note: 'private note' }) },
        User: { __resolveReference: () => ({ id: 'u1', level: 'HIGH', note: 'private note' }) },
      },
    });
    const app = await gatewayOn(file);
    const result = await graphql(app.url, '{ search { ... on Secret { data } ... on Open { title } } user { id level note } }');
    expect(JSON.stringify(result.data)).not.toContain('classified');
    expect(JSON.stringify(result.data)).not.toContain('HIGH');
    expect(JSON.stringify(result.data)).not.toContain('private note');
    expect(result.data).toEqual({ search: [{ data: null }, { title: 'hello' }], user: { id: 'u1', level: null, note: null } });
    expect(result.errors?.map((e) => e.extensions?.field).sort()).toEqual(['Secret.data', 'User.level', 'User.note']);
    expect(result.errors?.every((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
  });

  // apollographql/federation#3036: the planner adds an entity's key fields under their own
  // names and overwrites a client alias of the same name, also when the key is @inaccessible
  // (not in the API schema): the alias would then carry the hidden key's value.
  it('refuses an alias that takes the name of an @inaccessible key field, which would answer the hidden key', async () => {
    const USER_ROW = { internalId: 'hidden-internal-id', name: 'Ada' };
    const file = await foreignSupergraphOf('inaccessible-key-alias', {
      users: {
        directives: ['@inaccessible'],
        sdl: 'type Query { user: User } type User @key(fields: "internalId") { internalId: ID! @inaccessible name: String }',
        resolvers: { Query: { user: () => USER_ROW }, User: { __resolveReference: () => USER_ROW } },
      },
      profiles: {
        directives: ['@inaccessible'],
        sdl: 'type User @key(fields: "internalId") { internalId: ID! @inaccessible bio: String }',
        resolvers: { User: { __resolveReference: (ref: { internalId: string }) => ({ ...ref, bio: 'likes engines' }) } },
      },
    });
    const app = await gatewayOn(file);
    // A free alias still answers.
    expect((await graphql(app.url, '{ user { label: name bio } }')).data).toEqual({ user: { label: 'Ada', bio: 'likes engines' } });
    const result = await graphql(app.url, '{ user { internalId: name bio } }');
    expect(JSON.stringify(result)).not.toContain('hidden-internal-id');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.[0]?.message).toMatch(/alias "internalId"/);
  });

  // An interface field whose implementation on one type is guarded: read through the
  // interface, the parent type is the interface, which carries no requirement itself.
  it("enforces a guarded implementation's field read through its interface", async () => {
    const ITEMS = [{ __typename: 'Document', id: 'd1', title: 'classified' }, { __typename: 'Post', id: 'p1', title: 'hello' }];
    const file = await foreignSupergraph('interface-implementation', {
      directives: ['@authenticated'],
      sdl: `type Query { items: [Item!]! }
        interface Item { id: ID! title: String }
        type Document implements Item @key(fields: "id") { id: ID! title: String @authenticated }
        type Post implements Item @key(fields: "id") { id: ID! title: String }`,
      resolvers: { Query: { items: () => ITEMS }, Item: { __resolveType: (item: { __typename: string }) => item.__typename } },
    });
    const app = await gatewayOn(file);
    const result = await graphql(app.url, '{ items { id title } }');
    expect(JSON.stringify(result.data)).not.toContain('classified');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a supergraph file that is not GraphQL, or that @apollo/gateway cannot load, with a configuration error naming the file', async () => {
    const broken = path.join(folder, 'broken.graphql');
    writeFileSync(broken, 'schema { query: Query \n type Query {');
    await expect(gatewayOn(broken)).rejects.toThrow(ConfigError);
    await expect(gatewayOn(broken)).rejects.toThrow(/broken\.graphql is not valid GraphQL: Syntax Error/);
    const notSupergraph = path.join(folder, 'not-a-supergraph.graphql');
    writeFileSync(notSupergraph, 'enum join__Graph { A @join__graph(name: "a", url: "http://127.0.0.1:1/graphql") } type Query { a: String }');
    await expect(gatewayOn(notSupergraph)).rejects.toThrow(ConfigError);
    await expect(gatewayOn(notSupergraph)).rejects.toThrow(/not-a-supergraph\.graphql/);
  });
});
