// The environment subgraph: environmental credit ratings, violations, disclosure and carbon emissions.
import { defineSubgraph, isMainModule, runSubgraphProcess } from '@credit-graph/subgraph-kit';
import { isEmpty, seed } from '../prisma/seed.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { createLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers.ts';

export const environment = defineSubgraph({
  name: 'environment',
  schemaFile: new URL('./schema.graphql', import.meta.url),
  migrationsDir: new URL('../prisma/migrations', import.meta.url),
  createClient: (adapter) => new PrismaClient({ adapter }),
  createLoaders,
  resolvers,
  permissions,
  seed,
  isEmpty,
});

if (isMainModule(import.meta.url)) await runSubgraphProcess(environment, 4104);
