import { describe, expect, it } from 'vitest';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { makeUscc } from '@credit-graph/contract';
import { composeSupergraph } from '@credit-graph/contract/compose';
import { prepareSupergraph } from '../src/supergraph.ts';
import { namedEnterprises } from '../src/trust/subjects.ts';

const schema = Supergraph.build(prepareSupergraph(composeSupergraph())).apiSchema().toGraphQLJSSchema();
const A = makeUscc('91', '410105', '10000001');
const B = makeUscc('91', '410105', '10000002');
const C = makeUscc('91', '410105', '10000003');

describe('the enterprises an operation names', () => {
  it('reads literals, variables, lists and fragments', () => {
    const query = `query ($b: USCC!, $list: [USCC!]!) {
      enterprise(uscc: "${A}") { name } other: enterprise(uscc: $b) { name } enterprises(usccs: $list) { ...F }
    } fragment F on Enterprise { name }`;
    expect(namedEnterprises(schema, parse(query), { b: B, list: [C, A] }).sort()).toEqual([A, B, C].sort());
  });

  it("reads a variable's default value in the operation when the variable is not sent", () => {
    const query = `query ($a: USCC! = "${A}", $list: [USCC!] = ["${B}"], $input: CommitmentInput) { enterprise(uscc: $a) { name } enterprises(usccs: $list) { name } }`;
    expect(namedEnterprises(schema, parse(query), {}).sort()).toEqual([A, B].sort());
    expect(namedEnterprises(schema, parse(query), { a: C })).toContain(C);
    expect(namedEnterprises(schema, parse(query), { a: C })).not.toContain(A);
    // A variable named after an Object.prototype member is read as sent or defaulted.
    expect(namedEnterprises(schema, parse(`query ($toString: USCC! = "${A}") { enterprise(uscc: $toString) { name } }`), {})).toEqual([A]);
  });

  it('reads only the operation that runs, not the other operations of the document', () => {
    const document = parse(`query One { enterprise(uscc: "${A}") { name } } query Two { enterprise(uscc: "${B}") { name } }`);
    expect(namedEnterprises(schema, document, {}, undefined, 'Two')).toEqual([B]);
    expect(namedEnterprises(schema, document, {}, undefined, 'One')).toEqual([A]);
  });

  it('reads a variable once however many fields use it, and each fragment once however often it is spread', () => {
    let reads = 0;
    const variables = {};
    Object.defineProperty(variables, 'list', { enumerable: true, get: () => (reads += 1, [A, B]) });
    const uses = Array.from({ length: 200 }, (_, i) => `e${i}: enterprises(usccs: $list) { name }`).join(' ');
    expect(namedEnterprises(schema, parse(`query ($list: [USCC!]!) { ${uses} }`), variables).sort()).toEqual([A, B].sort());
    expect(reads).toBe(1);
    // The doubling bomb: each fragment spread twice by the one before, forty levels.
    const bomb = `query ($list: [USCC!]!) { ...F0 } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F40 on Query { enterprises(usccs: $list) { name } }`;
    reads = 0;
    expect(namedEnterprises(schema, parse(bomb), variables).sort()).toEqual([A, B].sort());
    expect(reads).toBe(1);
  });

  it('keeps only the argument names asked for', () => {
    const query = `mutation { grantConsent(institution: "${A}", purpose: LOAN_APPROVAL) { id } }`;
    expect(namedEnterprises(schema, parse(query), {}, (name) => name === 'uscc')).toEqual([]);
    expect(namedEnterprises(schema, parse(query), {})).toEqual([A]);
  });
});
