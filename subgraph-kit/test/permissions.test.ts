// The kit's graphql-shield layer on real subgraphs: deny by default, federation entry points
// kept open, reference resolvers kept under the rules, bad rule maps refused at start-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { environment } from '@credit-graph/environment';
import { finance } from '@credit-graph/finance';
import { housekeeping } from '@credit-graph/housekeeping';
import { registry } from '@credit-graph/registry';
import { supplyChain } from '@credit-graph/supply-chain';
import { trade } from '@credit-graph/trade';
import {
  buildSchema,
  isPublic,
  nonPublicCredit,
  PermissionsError,
  seedUniverse,
  startSubgraph,
  type RunningSubgraph,
} from '@credit-graph/subgraph-kit';
import { entitiesQuery, startTestSubgraph, subgraphGraphql, TEST_CALLER_SECRET } from '@credit-graph/subgraph-kit/testing';

const ENTERPRISES = 10;
const [first, risky] = seedUniverse(ENTERPRISES);
const REGULATOR: Caller = { subject: 'inspector-1', role: 'REGULATOR', scopes: ROLE_SCOPES.REGULATOR, purpose: 'SUPERVISION' };
const MEMORY = { kind: 'pglite', dataDir: undefined } as const;

// The registry as defined, except that nobody decided about `Query.districts` and about
// list entries beyond `id` and `listType`: as if someone added them and forgot the rule map.
type RuleMap = Record<string, Record<string, unknown>>;
const { Query, ...otherRules } = registry.permissions as RuleMap;
const { districts: _districts, ...otherQueryRules } = Query!;
const undecided = {
  ...registry,
  permissions: { ...otherRules, Query: otherQueryRules, DishonestyListEntry: { id: isPublic, listType: isPublic } },
} as typeof registry;

let subgraph: RunningSubgraph<unknown>;
beforeAll(async () => {
  subgraph = await startTestSubgraph(undecided, ENTERPRISES);
});
afterAll(() => subgraph?.stop());

describe('subgraph permissions', () => {
  it('leaves open fields unwrapped (no per-field rule check) and wraps guarded and undecided ones', () => {
    const plain = registry.resolvers as unknown as Record<string, Record<string, unknown>>;
    const secured = buildSchema(undecided);
    const enterprise = secured.getType('Enterprise');
    const entry = secured.getType('DishonestyListEntry');
    if (!isObjectType(enterprise) || !isObjectType(entry)) throw new Error('registry types missing');
    // Enterprise.penalties is public: its resolver is the registry's own function.
    expect(enterprise.getFields().penalties!.resolve).toBe(plain.Enterprise!.penalties);
    // DishonestyListEntry.active has no rule in `undecided`: wrapped, and denied (above).
    expect(entry.getFields().active!.resolve).not.toBe(plain.DishonestyListEntry!.active);
  });

  it('denies a field the rule map does not name (deny by default), even to a regulator, and answers the rest', async () => {
    const query = 'query ($u: USCC!) { enterprise(uscc: $u) { name listEntries { listType removedOn } } }';
    const { status, data, errors } = await subgraphGraphql(subgraph.url, query, { u: risky!.uscc }, REGULATOR);
    expect(status).toBe(200);
    expect(data.enterprise.name).toBe(risky!.name);
    const entries = data.enterprise.listEntries as { listType: string; removedOn: unknown }[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((entry) => entry.listType !== null && entry.removedOn === null)).toBe(true);
    expect(errors).toHaveLength(entries.length);
    expect(errors![0]).toMatchObject({ path: ['enterprise', 'listEntries', 0, 'removedOn'], extensions: { code: 'FORBIDDEN' } });
    expect(errors![0]!.message).toContain('DishonestyListEntry.removedOn is closed');

    const root = await subgraphGraphql(subgraph.url, '{ districts { code } }', {}, REGULATOR);
    expect(root.data).toBeNull();
    expect(root.errors?.[0]).toMatchObject({ path: ['districts'], extensions: { code: 'FORBIDDEN' } });
  });

  it('resolves `_entities` through the reference resolver with the rules on', async () => {
    // The registry's reference resolver loads the row: `name` exists only if it ran.
    const { data, errors } = await subgraphGraphql(subgraph.url, entitiesQuery('Enterprise', 'uscc name'), {
      representations: [first!, risky!].map(({ uscc }) => ({ __typename: 'Enterprise', uscc })),
    });
    expect(errors).toBeUndefined();
    expect(data._entities).toEqual([first, risky].map((e) => ({ uscc: e!.uscc, name: e!.name })));
  });

  it('keeps `_service`, `__typename` and introspection open to an anonymous caller', async () => {
    const { data, errors } = await subgraphGraphql(
      subgraph.url,
      '{ __typename _service { sdl } __type(name: "Enterprise") { fields { name } } }',
    );
    expect(errors).toBeUndefined();
    expect(data.__typename).toBe('Query');
    expect(data._service.sdl).toContain('type Enterprise');
    expect(data.__type.fields.map((field: { name: string }) => field.name)).toContain('legalRepresentative');
  });

  it("keeps every subgraph's reference resolver on every entity type once the rules are applied", () => {
    const entityTypes: string[] = [];
    for (const definition of [registry, finance, supplyChain, environment, housekeeping, trade]) {
      for (const type of Object.values(buildSchema(definition as never).getTypeMap())) {
        if (!isObjectType(type) || !type.astNode?.directives?.some((directive) => directive.name.value === 'key')) continue;
        const extensions = type.extensions as { apollo?: { subgraph?: { resolveReference?: unknown } } };
        expect(extensions.apollo?.subgraph?.resolveReference, `${definition.name} ${type.name}`).toBeTypeOf('function');
        entityTypes.push(`${definition.name}.${type.name}`);
      }
    }
    expect(entityTypes).toHaveLength(7); // Enterprise in all six, Worker in housekeeping
  });

  it('refuses to start with rules for a type or field the schema does not have, or one rule for everything', async () => {
    const start = (permissions: unknown) =>
      startSubgraph({ ...registry, permissions } as typeof registry, { database: MEMORY, callerSecret: TEST_CALLER_SECRET });
    const rules = registry.permissions as RuleMap;
    await expect(start({ ...rules, Enterprize: { '*': isPublic } })).rejects.toThrow(PermissionsError);
    await expect(start({ ...rules, District: { code: isPublic, nickname: isPublic } })).rejects.toThrow(
      /District\.nickname/,
    );
    await expect(start(isPublic)).rejects.toThrow(/map each type to its rules/);
  });

  it('refuses a credit rule for a name that is not a sector', () => {
    expect(() => nonPublicCredit('registry' as never)).toThrow(PermissionsError);
    expect(nonPublicCredit('trade')).toBe(nonPublicCredit('trade')); // one rule per sector
  });
});
