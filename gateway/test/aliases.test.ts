import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { createNoShadowingAliasesRule, plannerFieldNames } from '../src/trust/aliases.ts';

// A supergraph in miniature: entities with keys (one nested), a field with @requires, an
// interface. The API schema is the same text (the join directives declared so it builds).
const sdl = `
  directive @join__type(graph: String, key: String) repeatable on OBJECT | INTERFACE
  directive @join__field(graph: String, requires: String) repeatable on FIELD_DEFINITION
  type Query { node: Node enterprise: Enterprise }
  interface Node { id: ID! }
  type Enterprise implements Node @join__type(key: "uscc") @join__type(key: "id") {
    id: ID! uscc: String! name: String status: String states: [State!]!
    rating: String @join__field(requires: "states { key state }")
  }
  type State { key: String! state: String! label: String }
  type Worker implements Node @join__type(key: "id") { id: ID! employer: Enterprise nickname: String }
`;
const schema = buildSchema(sdl);
const rule = createNoShadowingAliasesRule(sdl);
const messages = (query: string) => validate(schema, parse(query), [...specifiedRules, rule]).map((e) => e.message);

describe('aliases that take a name the query planner adds', () => {
  it('reads key and @requires fields, nested names on their own types', () => {
    const names = plannerFieldNames(sdl);
    expect([...names.get('Enterprise')!].sort()).toEqual(['id', 'states', 'uscc']);
    expect([...names.get('State')!].sort()).toEqual(['key', 'state']);
    expect([...names.get('Worker')!]).toEqual(['id']);
  });

  it.each([
    ['a key field name on another field', '{ enterprise { uscc: name } }', /alias "uscc" of Enterprise.name takes the name of the field uscc/],
    ['__typename on another field', '{ enterprise { __typename: name } }', /alias "__typename" begins with "__"/],
    ['a key field name on __typename', '{ enterprise { id: __typename } }', /alias "id" of Enterprise.__typename/],
    ['a @requires field name', '{ enterprise { states: name rating } }', /alias "states" of Enterprise.name/],
    ['a name nested in a @requires, on its own type', '{ enterprise { states { key: label } rating } }', /alias "key" of State.label/],
    ['a key of a possible type, on an interface', '{ node { uscc: id } }', /alias "uscc" of Node.id/],
    ['inside a fragment', '{ node { ...W } } fragment W on Worker { id: employer { name } }', /alias "id" of Worker.employer/],
  ])('refuses %s', (_title, query, message) => {
    expect(messages(query)).toEqual([expect.stringMatching(message)]);
  });

  it('allows free aliases, aliases named after fields the planner never adds, and a field aliased to its own name', () => {
    expect(messages('{ enterprise { code: uscc name: name label: name } node { key: id } }')).toEqual([]);
    // A client naming one field after another, as integrators do (`finance: financeSignals`).
    expect(messages('{ enterprise { status: name name: status states { label: state } } node { ... on Worker { employer: nickname } } }')).toEqual([]);
  });

  it('refuses an alias named after an @inaccessible key, which the API schema does not show', () => {
    const hidden = createNoShadowingAliasesRule(`${sdl} type Account @join__type(key: "internalId") { internalId: ID! name: String }`);
    const api = buildSchema(`type Query { account: Account } type Account { name: String other: String }`);
    const refused = (query: string) => validate(api, parse(query), [...specifiedRules, hidden]).map((e) => e.message);
    expect(refused('{ account { internalId: name } }')).toEqual([expect.stringMatching(/alias "internalId" of Account.name/)]);
    expect(refused('{ account { other: name } }')).toEqual([]);
  });

  it("knows the credit graph's keys and @requires", () => {
    const supergraph = readFileSync(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url)), 'utf8');
    const api = Supergraph.build(supergraph, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
    const credit = (query: string) => validate(api, parse(query), [...specifiedRules, createNoShadowingAliasesRule(supergraph)]).map((e) => e.message);
    expect(credit('{ enterprise(uscc: "914101051000001983") { uscc: name } }')).toEqual([expect.stringMatching(/alias "uscc"/)]);
    expect(credit('{ enterprise(uscc: "914101051000001983") { creditRecordStates: name } }')).toEqual([expect.stringMatching(/alias "creditRecordStates"/)]);
    expect(credit('{ enterprise(uscc: "914101051000001983") { finance: financeSignals { grade } name: status } }')).toEqual([]);
  });
});
