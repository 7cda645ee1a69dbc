import { describe, expect, it } from 'vitest';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { NoShadowingAliasesRule } from '../src/trust/aliases.ts';

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
