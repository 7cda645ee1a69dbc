// @skip/@include decided before planning (transport/inline-conditions.ts): what is left out,
// what stays, and where a selection set is emptied; the answers end to end are in
// tests/conditions.test.ts.
import { buildSchema, getOperationAST, parse, print, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CONDITION_PLACEHOLDER, inlineConditions, withInlinedConditions } from '../src/transport/inline-conditions.ts';

const inline = (query: string, variables: Record<string, unknown> = {}) => {
  const result = inlineConditions(parse(query), variables);
  return result && { ...result, printed: print(result.document).replace(/\s+/g, ' ').trim() };
};

describe('inlineConditions', () => {
  it('leaves a document without conditions alone', () => {
    expect(inline('{ enterprise(uscc: "x") { name evaluation { grade } } }')).toBeUndefined();
  });

  it('removes left-out fields and drops the directives of kept ones, by literal or variable', () => {
    const result = inline(
      'query ($on: Boolean!, $off: Boolean!) { e { a @include(if: $on) b @include(if: $off) c @skip(if: $off) d @skip(if: true) f @include(if: true) @skip(if: false) g } }',
      { on: true, off: false },
    );
    expect(result?.printed).toBe('query ($on: Boolean!, $off: Boolean!) { e { a c f g } }');
    expect(result?.decisions).toBe('10101');
    expect(result?.placeholders).toBe(false);
  });

  it('needs both: @skip(if: true) wins over @include(if: true), @include(if: false) over @skip(if: false)', () => {
    expect(inline('{ e { a @skip(if: true) @include(if: true) b @skip(if: false) @include(if: false) c } }')?.printed).toBe('{ e { c } }');
  });

  it('decides inline fragments, fragment spreads and the conditions inside fragment definitions', () => {
    const result = inline(
      'query ($x: Boolean!) { e { ... on E @include(if: $x) { a } ...F @skip(if: $x) ...G } } fragment F on E { b } fragment G on E { c @include(if: $x) d }',
      { x: false },
    );
    expect(result?.printed).toBe('query ($x: Boolean!) { e { ...F ...G } } fragment F on E { b } fragment G on E { d }');
  });

  it('keeps a kept selection\'s own nested conditions decided too', () => {
    expect(inline('query ($x: Boolean!) { e @include(if: $x) { a @skip(if: $x) b } }', { x: true })?.printed).toBe('query ($x: Boolean!) { e { b } }');
  });

  it('fills a selection set its conditions emptied with the placeholder, so the operation stays valid', () => {
    const result = inline('query ($x: Boolean!) { e { a @include(if: $x) } }', { x: false });
    expect(result?.printed).toBe(`query ($x: Boolean!) { e { ${CONDITION_PLACEHOLDER}: __typename } }`);
    expect(result?.placeholders).toBe(true);
    expect(inline('{ a @skip(if: true) }')?.printed).toBe(`{ ${CONDITION_PLACEHOLDER}: __typename }`);
  });

  it('throws on a condition without a Boolean value (the request then goes to validation as sent)', () => {
    expect(() => inline('query ($x: Boolean!) { a @include(if: $x) }', {})).toThrow();
    expect(() => inline('query ($x: Boolean!) { a @include(if: $x) }', { x: 'yes' })).toThrow();
  });

  it('decides 10,000 conditional fields in one pass', () => {
    const fields = Array.from({ length: 10_000 }, (_, i) => `f${i} @include(if: ${i % 2 === 0})`).join(' ');
    const result = inline(`{ e { ${fields} } }`);
    expect(result?.decisions).toHaveLength(10_000);
    expect(result?.printed.split(' ').filter((token) => token.startsWith('f'))).toHaveLength(5_000);
  });
});

describe('withInlinedConditions', () => {
  const schema = buildSchema('type Query { e: E } type E { a: Int b: Int }');
  /** The operation the wrapped executor was handed for `query` (printed), and its query hash. */
  const planned = async (query: string, variables: Record<string, unknown>, operationName?: string) => {
    let seen: { document: DocumentNode; queryHash: string } | undefined;
    const executor = withInlinedConditions((async (context: { document: DocumentNode; queryHash: string }) => {
      seen = context;
      return { data: {} };
    }) as never, () => schema);
    const document = parse(query);
    await executor({
      document,
      source: query,
      request: { query, variables, operationName },
      queryHash: 'h',
      operation: getOperationAST(document, operationName),
    } as never);
    return { printed: print(seen!.document).replace(/\s+/g, ' ').trim(), queryHash: seen!.queryHash };
  };

  it('decides a condition however the text spells it: a space, a comma or a comment may stand between @ and its name', async () => {
    for (const spelling of ['@include', '@ include', '@,include', '@#x\ninclude']) {
      const { printed } = await planned(`query ($x: Boolean!) { e { a ${spelling}(if: $x) b } }`, { x: false });
      expect(printed, spelling).toBe('query ($x: Boolean!) { e { b } }');
    }
  });

  it('decides the operation asked for when another operation of the document has a condition on its own variable', async () => {
    const { printed, queryHash } = await planned(
      'query A($x: Boolean!) { e { a @include(if: $x) b } } query B($y: Boolean!) { e { a @skip(if: $y) } }',
      { x: false },
      'A',
    );
    expect(printed).toContain('query A($x: Boolean!) { e { b } }');
    expect(queryHash).not.toBe('h');
  });
});
