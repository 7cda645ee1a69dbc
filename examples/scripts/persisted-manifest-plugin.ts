// A graphql-codegen plugin writing the persisted-operation manifest of the documents codegen
// read, in the same run as the typed client, so the two cannot drift apart:
//   config.format "apollo": Apollo's persisted-query-manifest.json
//     {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{id, name, type, body}]}
//     (the format of @apollo/generate-persisted-query-manifest);
//   config.format "hive": Hive's and client-preset's persisted documents, {"<hash>": "<body>"}.
// The body of an operation is graphql-js's `print` of it and the fragments it spreads (what the
// typed client sends: see src/client.ts), and its id the SHA-256 hex of that body (what Apollo's
// persisted-query protocol and Credit Graph's safelist key operations by). Operations are
// sorted by name so the file is stable. `credit-graph safelist import` reads both formats.
import { createHash } from 'node:crypto';
import type { PluginFunction } from '@graphql-codegen/plugin-helpers';
import { Kind, print, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

export interface PersistedManifestConfig {
  format: 'apollo' | 'hive';
}

export interface PersistedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/** The document a client sends for `operation`: it and every fragment it spreads, transitively. */
export function operationDocument(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): DocumentNode {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (!fragment) throw new Error(`fragment ${node.name.value} is not defined in the documents`);
        if (!used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] };
}

/** The SHA-256 hex of an operation's exact text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Every named operation of `documents`, printed and hashed, sorted by name. */
export function persistedOperations(documents: DocumentNode[]): PersistedOperation[] {
  const definitions = documents.flatMap((document) => document.definitions);
  const fragments = new Map(definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const operations = definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operations
    .map((operation) => {
      if (!operation.name) throw new Error('every persisted operation needs a name');
      const body = print(operationDocument(operation, fragments));
      return { id: sha256(body), name: operation.name.value, type: operation.operation, body };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const plugin: PluginFunction<PersistedManifestConfig> = (_schema, documentFiles, config) => {
  const operations = persistedOperations(documentFiles.flatMap((file) => (file.document ? [file.document] : [])));
  const manifest =
    config.format === 'hive'
      ? Object.fromEntries(operations.map((operation) => [operation.id, operation.body]))
      : { format: 'apollo-persisted-query-manifest', version: 1, operations };
  return `${JSON.stringify(manifest, null, 2)}\n`;
};
