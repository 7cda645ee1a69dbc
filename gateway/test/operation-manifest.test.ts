// Persisted-operation manifests (Apollo and Hive formats) as the safelist import reads them:
// every operation checked before anything is imported, hostile input refused with a clear
// BAD_USER_INPUT.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import {
  APOLLO_MANIFEST_FORMAT,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_OPERATIONS,
  parseOperationManifest,
} from '../src/trust/operation-manifest.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CHECK = 'query Check($u: USCC!) {\n  enterprise(uscc: $u) {\n    name\n  }\n}';
const GRANT = 'mutation Grant($b: USCC!) {\n  grantConsent(institution: $b, purpose: LOAN_APPROVAL) {\n    id\n  }\n}';

function apollo(operations: unknown[]): string {
  return JSON.stringify({ format: APOLLO_MANIFEST_FORMAT, version: 1, operations });
}

function refusal(text: string): string {
  try {
    parseOperationManifest(text);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    return (error as Error).message;
  }
  throw new Error('the manifest was accepted');
}

describe('reading a persisted-operation manifest', () => {
  it("reads Apollo's format: ids, names, types and bodies, in file order", () => {
    const manifest = parseOperationManifest(
      apollo([
        { id: sha256(CHECK), name: 'Check', type: 'query', body: CHECK },
        { id: sha256(GRANT), name: 'Grant', type: 'mutation', body: GRANT },
      ]),
    );
    expect(manifest).toEqual({
      format: 'apollo',
      operations: [
        { id: sha256(CHECK), name: 'Check', type: 'query', body: CHECK },
        { id: sha256(GRANT), name: 'Grant', type: 'mutation', body: GRANT },
      ],
    });
  });

  it("reads Hive's format (hash -> document), naming each operation by its own name", () => {
    const manifest = parseOperationManifest(JSON.stringify({ [sha256(CHECK)]: CHECK, [sha256('{ districts { code } }')]: '{ districts { code } }' }));
    expect(manifest.format).toBe('hive');
    expect(manifest.operations).toEqual([
      { id: sha256(CHECK), name: 'Check', type: 'query', body: CHECK },
      { id: sha256('{ districts { code } }'), type: 'query', body: '{ districts { code } }' },
    ]);
  });

  it('refuses an id that is not the SHA-256 of its body, saying what it should be', () => {
    const message = refusal(apollo([{ id: sha256(GRANT), name: 'Check', type: 'query', body: CHECK }]));
    expect(message).toContain(`operation 1 (Check): the id ${sha256(GRANT)} is not the SHA-256 of its body (that is ${sha256(CHECK)})`);
    // A sha1-keyed Hive map (client-preset's default) is refused, not re-keyed.
    const sha1 = createHash('sha1').update(CHECK).digest('hex');
    expect(refusal(JSON.stringify({ [sha1]: CHECK }))).toMatch(/the id must be the operation's SHA-256 as 64 lowercase hex digits/);
  });

  it.each([
    ['bad JSON', '{"format": "apollo-persisted-query-manifest", ', /not valid JSON/],
    ['a JSON list', '[]', /expected a JSON object/],
    ['an unknown format', JSON.stringify({ format: 'relay', version: 1, operations: [] }), /unknown format "relay"/],
    ['another version', JSON.stringify({ format: APOLLO_MANIFEST_FORMAT, version: 2, operations: [] }), /unsupported .* version 2/],
    ['no operations', apollo([]), /holds no operations/],
    ['an operation that is not an object', apollo(['query { x }']), /operation 1 is not an object/],
    ['an operation without a body', apollo([{ id: sha256(''), name: 'X', type: 'query' }]), /operation 1 \(X\) has no body/],
    ['a body that is not GraphQL', apollo([{ id: sha256('query {'), name: 'X', type: 'query', body: 'query {' }]), /operation 1 \(X\) is not valid GraphQL/],
    ['a body with two operations', apollo([{ id: sha256('query A { a } query B { b }'), body: 'query A { a } query B { b }' }]), /exactly one operation, it holds 2/],
    ['a type that is not the body\'s', apollo([{ id: sha256(GRANT), name: 'Grant', type: 'query', body: GRANT }]), /says type "query" but its body is a mutation/],
    ['a repeated id', apollo([{ id: sha256(CHECK), body: CHECK }, { id: sha256(CHECK), body: CHECK }]), /operation 2 repeats the id/],
  ])('refuses %s with BAD_USER_INPUT', (_case, text, message) => {
    expect(refusal(text)).toMatch(message);
  });

  // What the import prints (each operation's name, the refusal) goes to an operator's terminal.
  it('refuses a name that is not a GraphQL name (terminal escapes), and never echoes control characters', () => {
    const name = '\u001b]0;owned\u0007\u001b[2J';
    const message = refusal(apollo([{ id: sha256(CHECK), name, type: 'query', body: CHECK }]));
    expect(message).toMatch(/name must be a GraphQL operation name/);
    expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(refusal(apollo([{ id: sha256(GRANT), name: 'Grant', type: `query\u001b[2J`, body: GRANT }]))).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(refusal(JSON.stringify({ [`\u001b[2J${'k'.repeat(10)}`]: CHECK }))).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('refuses an operation nested too deeply to parse with BAD_USER_INPUT, not the engine\'s stack error', () => {
    const deep = `query Deep ${'{ a '.repeat(20_000)}${'}'.repeat(20_000)}`;
    const message = refusal(apollo([{ id: sha256(deep), name: 'Deep', type: 'query', body: deep }]));
    expect(message).toMatch(/operation 1 \(Deep\) nests too deeply/);
    expect(message).not.toMatch(/call stack/i);
  });

  it('refuses a manifest over its size or operation count before looking at the operations', () => {
    const huge = apollo([{ id: '0'.repeat(64), body: `query { ${'a '.repeat(MAX_MANIFEST_BYTES / 2)} }` }]);
    expect(refusal(huge)).toMatch(new RegExp(`at most ${MAX_MANIFEST_BYTES}`));
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: MAX_MANIFEST_OPERATIONS + 1 }, (_, i) => [`k${i}`, '{ a }'])));
    expect(refusal(many)).toMatch(new RegExp(`holds ${MAX_MANIFEST_OPERATIONS + 1} operations; at most ${MAX_MANIFEST_OPERATIONS}`));
  });

  it('reads a large valid manifest in linear time', () => {
    const bodies = Array.from({ length: 2000 }, (_, i) => `query Op${i} { enterprise(uscc: "x") { name } }`);
    const text = JSON.stringify(Object.fromEntries(bodies.map((body) => [sha256(body), body])));
    const started = performance.now();
    expect(parseOperationManifest(text).operations).toHaveLength(2000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
