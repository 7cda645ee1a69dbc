import { describe, expect, it } from 'vitest';
import { graphql } from 'graphql';
import { buildSchema } from 'graphql';
import { applyInputBounds, InputBoundsError } from '../src/input-bounds.ts';

const DIRECTIVE = 'directive @bounds(maxLength: Int, maxItems: Int, min: Float, max: Float) on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION';

function schemaOf(sdl: string) {
  const schema = applyInputBounds(buildSchema(`${DIRECTIVE}\n${sdl}`));
  return (source: string, variableValues: Record<string, unknown> = {}) =>
    graphql({ schema, source, variableValues, rootValue: { search: () => 'ok', write: () => 'ok' } });
}

const run = schemaOf(`
  input Entry { reason: String! @bounds(maxLength: 10) measures: [String!]! @bounds(maxItems: 2, maxLength: 3) amount: Float @bounds(min: 0, max: 100) }
  type Query { search(name: String @bounds(maxLength: 5), first: Int = 20 @bounds(min: 1, max: 100)): String }
  type Mutation { write(input: Entry!, key: ID! @bounds(maxLength: 8)): String }
`);

describe('input bounds', () => {
  it('lets values within their bounds through', async () => {
    expect((await run('{ search(name: "abc", first: 100) }')).data).toEqual({ search: 'ok' });
    // A whole surrogate pair is one character (an emoji), as are combining marks.
    expect((await run('query ($n: String) { search(name: $n) }', { n: '\ud83d\ude00e\u0301' })).data).toEqual({ search: 'ok' });
    const ok = await run('mutation ($i: Entry!) { write(input: $i, key: "k1") }', { i: { reason: 'fine', measures: ['a', 'b'], amount: 0 } });
    expect(ok.errors).toBeUndefined();
  });

  it.each([
    ['{ search(name: "abcdef") }', {}, 'name', /at most 5 characters, got 6/],
    ['{ search(first: 101) }', {}, 'first', /between 1 and 100, got 101/],
    ['{ search(first: 0) }', {}, 'first', /between 1 and 100/],
    ['query ($n: String) { search(name: $n) }', { n: 'a\u0000b' }, 'name', /control characters/],
    ['query ($n: String) { search(name: $n) }', { n: '\ud800' }, 'name', /valid Unicode text/],
    ['query ($n: String) { search(name: $n) }', { n: 'a\udc00\ud83d' }, 'name', /valid Unicode text/],
    ['mutation ($i: Entry!) { write(input: $i, key: "k") }', { i: { reason: 'x'.repeat(11), measures: [] } }, 'input.reason', /at most 10/],
    ['mutation ($i: Entry!) { write(input: $i, key: "k") }', { i: { reason: 'r', measures: ['a', 'b', 'c'] } }, 'input.measures', /at most 2 items/],
    ['mutation ($i: Entry!) { write(input: $i, key: "k") }', { i: { reason: 'r', measures: ['a', 'long'] } }, 'input.measures[1]', /at most 3/],
    ['mutation ($i: Entry!) { write(input: $i, key: "k") }', { i: { reason: 'r', measures: [], amount: 1e300 } }, 'input.amount', /between 0 and 100/],
    ['mutation ($i: Entry!) { write(input: $i, key: "123456789") }', { i: { reason: 'r', measures: [] } }, 'key', /at most 8/],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (query, variables, field, message) => {
    const { errors } = await run(query, variables);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(errors?.[0]?.message).toMatch(message);
  });

  it('refuses, at creation, a schema with a String, ID, Int or Float input that declares no bounds', () => {
    const build = () => applyInputBounds(buildSchema(`${DIRECTIVE}
      input F { note: String tags: [String!] @bounds(maxLength: 5) }
      type Query { a(id: ID!, n: Int @bounds(max: 3), f: F): String }`));
    expect(build).toThrow(InputBoundsError);
    expect(build).toThrow(/Query\.a\(id\) \(maxLength\), Query\.a\(n\) \(min and max\), F\.note \(maxLength\), F\.tags \(maxItems\)/);
  });
});
