// The graphql-codegen configuration of the examples: from the API schema (schema.graphql, what
// the gateway serves at GET /schema.graphql) and the operations (operations/*.graphql), it
// writes the typed client (src/generated/graphql.ts: TypeScript types, operation types and
// TypedDocumentNode documents) and the persisted-operation manifests (Apollo and Hive formats).
// `npm run codegen --workspace examples` writes them; tests/integration-kit.test.ts regenerates
// them and fails when the committed files differ.
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import * as persistedManifest from './scripts/persisted-manifest-plugin.ts';

export const EXAMPLES_DIR = fileURLToPath(new URL('.', import.meta.url));
export const SCHEMA_FILE = 'schema.graphql';
export const CLIENT_FILE = 'src/generated/graphql.ts';
export const APOLLO_MANIFEST_FILE = 'persisted-query-manifest.json';
export const HIVE_MANIFEST_FILE = 'persisted-documents.json';

const config: CodegenConfig = {
  cwd: EXAMPLES_DIR,
  schema: SCHEMA_FILE,
  documents: 'operations/*.graphql',
  silent: true,
  config: {
    // The graph's scalars as they travel in JSON.
    scalars: { USCC: 'string', Date: 'string', DateTime: 'string' },
    strictScalars: true,
    enumsAsTypes: true,
    useTypeImports: true,
  },
  generates: {
    [CLIENT_FILE]: { plugins: ['typescript-operations', 'typed-document-node'] },
    [APOLLO_MANIFEST_FILE]: { plugins: ['persisted-manifest'], config: { format: 'apollo' } },
    [HIVE_MANIFEST_FILE]: { plugins: ['persisted-manifest'], config: { format: 'hive' } },
  },
  // Our own plugin by name; every other one from node_modules as usual.
  pluginLoader: (name: string) => (name === 'persisted-manifest' || name.endsWith('/persisted-manifest') ? persistedManifest : import(name)),
};

export default config;
