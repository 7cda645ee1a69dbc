import { describe, expect, it } from 'vitest';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { createNoShadowingAliasesRule, NoShadowingAliasesRule } from '../src/trust/aliases.ts';

const schema = buildSchema(`
  type Query { node: Node enterprise: Enterprise }
  interface Node { id: ID! }
  type Enterprise implements Node { id: ID! uscc: String! name: String }
  type Worker implements Node { id: ID! employer: Enterprise }
`);

const messages = (query: string) => validate(schema, parse(query), [...specifiedRules, NoShadowingAliasesRule]).map((e) => e.message);

describe('aliases that shadow a field name', () => {
  it.each([
    ['a key field name on another field', '{ enterprise { uscc: name } }', /alias "uscc" of Enterprise.name takes the name of the field uscc/],
    ['__typename on another field', '{ enterprise { __typename: name } }', /alias "__typename" begins with "__"/],
    ['a field name on __typename', '{ enterprise { id: __typename } }', /alias "id" of Enterprise.__typename/],
    ['a field of a possible type, on an interface', '{ node { uscc: id } }', /alias "uscc" of Node.id/],
    ['inside a fragment', '{ node { ...W } } fragment W on Worker { id: employer { name } }', /alias "id" of Worker.employer/],
  ])('refuses %s', (_title, query, message) => {
    expect(messages(query)).toEqual([expect.stringMatching(message)]);
  });

  it('allows free aliases and a field aliased to its own name', () => {
    expect(messages('{ enterprise { code: uscc name: name label: name } node { key: id } }')).toEqual([]);
  });
});

describe('aliases that shadow a field the API schema hides', () => {
  // The supergraph has `internalId` (an @inaccessible key); the API schema does not.
  const rule = createNoShadowingAliasesRule('type Query { node: Node enterprise: Enterprise } type Enterprise { internalId: ID! id: ID! uscc: String! name: String }');
  const withHidden = (query: string) => validate(schema, parse(query), [...specifiedRules, rule]).map((e) => e.message);

  it('refuses an alias named after a supergraph field missing from the API schema, on the type and through an interface', () => {
    expect(withHidden('{ enterprise { internalId: name } }')).toEqual([expect.stringMatching(/alias "internalId" of Enterprise.name/)]);
    expect(withHidden('{ node { internalId: id } }')).toEqual([expect.stringMatching(/alias "internalId" of Node.id/)]);
    expect(withHidden('{ enterprise { label: name } }')).toEqual([]);
  });
});
