// `npm run compose` (last step): writes examples/schema.graphql, the API schema the gateway serves
// at GET /schema.graphql, from the checked-in supergraph, with the gateway's own code
// (prepareSupergraph, @apollo/gateway's API schema, apiSchemaSdl), then regenerates the examples'
// typed client and manifests from it (examples/codegen.ts). tests/integration-kit.test.ts checks
// both against the live gateway and a fresh codegen run.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { generate } from '@graphql-codegen/cli';
import { SUPERGRAPH_PATH } from '@credit-graph/contract';
import codegenConfig from '../examples/codegen.ts';
import { apiSchemaSdl } from '../gateway/src/api-schema/download.ts';
import { prepareSupergraph } from '../gateway/src/supergraph.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../examples/schema.graphql', import.meta.url));

process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
const gateway = new ApolloGateway({ supergraphSdl: prepareSupergraph(readFileSync(SUPERGRAPH_PATH, 'utf8')) });
const { schema } = await gateway.load();
await gateway.stop();
writeFileSync(SCHEMA_FILE, apiSchemaSdl(schema));
console.log('wrote examples/schema.graphql');
for (const file of await generate(codegenConfig, true)) console.log(`wrote examples/${file.filename}`);
