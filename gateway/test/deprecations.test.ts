// Deprecated usage told to the caller: an answer to an operation using a deprecated field,
// argument or enum value lists them in extensions.deprecations; others carry nothing.
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { deprecatedUsages, type Caller } from '@credit-graph/contract';
import { buildSchema, parse } from 'graphql';
import { deprecationPlugin } from '../src/api-schema/deprecations.ts';

const typeDefs = `
  enum Grade { A B @deprecated(reason: "Use A. Removal: 2027-06-30.") }
  type Enterprise {
    name: String
    oldName: String @deprecated(reason: "Use name. Removal: 2027-06-30.")
  }
  type Query {
    enterprise(grade: Grade, legacy: Boolean @deprecated(reason: "Ignored. Removal: 2027-01-31.")): Enterprise
  }
`;

describe('deprecated usage', () => {
  it('lists the deprecated fields, arguments and enum values an operation uses, each once, in document order', () => {
    const schema = buildSchema(typeDefs);
    const document = parse('{ a: enterprise(grade: B, legacy: true) { oldName name } b: enterprise(grade: B) { oldName } }');
    expect(deprecatedUsages(schema, document)).toEqual([
      { coordinate: 'Grade.B', reason: 'Use A. Removal: 2027-06-30.' },
      { coordinate: 'Query.enterprise(legacy:)', reason: 'Ignored. Removal: 2027-01-31.' },
      { coordinate: 'Enterprise.oldName', reason: 'Use name. Removal: 2027-06-30.' },
    ]);
    expect(deprecatedUsages(schema, parse('{ enterprise(grade: A) { name } }'))).toEqual([]);
  });

  it('are named in the answer, and an operation without any gets no extension', async () => {
    const logged: string[] = [];
    const server = new ApolloServer<{ caller?: Caller }>({
      typeDefs,
      resolvers: { Query: { enterprise: () => ({ name: 'n', oldName: 'o' }) } },
      plugins: [deprecationPlugin()],
      logger: { debug() {}, info: (message: string) => void logged.push(message), warn() {}, error() {} },
    });
    await server.start();
    const caller: Caller = { subject: 'bank-officer', role: 'BANK', scopes: [] };
    const run = async (query: string) => {
      const response = await server.executeOperation({ query }, { contextValue: { caller } });
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult;
    };
    const old = await run('query Old { enterprise { oldName } }');
    expect(old.data).toEqual({ enterprise: { oldName: 'o' } });
    expect(old.extensions).toEqual({ deprecations: [{ coordinate: 'Enterprise.oldName', reason: 'Use name. Removal: 2027-06-30.' }] });
    expect(logged).toEqual(['deprecated usage: operation Old of bank-officer uses Enterprise.oldName']);
    const current = await run('{ enterprise { name } }');
    expect(current.extensions).toBeUndefined();
    // The same text again: Apollo Server's document store hands the same parsed document, whose
    // usages the plugin keeps; each answer and each log line still says them.
    const again = await run('query Old { enterprise { oldName } }');
    expect(again.extensions).toEqual(old.extensions);
    expect(logged).toHaveLength(2);
    expect((await run('{ enterprise { name } }')).extensions).toBeUndefined();
    expect((await run('query Old2 { enterprise(legacy: false) { name } }')).extensions).toEqual({
      deprecations: [{ coordinate: 'Query.enterprise(legacy:)', reason: 'Ignored. Removal: 2027-01-31.' }],
    });
    await server.stop();
  });
});
