// The gateway-hosted `trust` subgraph: composed into the supergraph like any other, but
// executed inside the gateway process, because its data (consents, audit log) is the
// gateway's own database.
import { fileURLToPath } from 'node:url';
import { LocalGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { applyInputBounds, readSubgraphSdl, sharedScalarResolvers } from '@credit-graph/contract';
import type { Audit } from '../../audit/audit.ts';
import type { ChangeFeed } from '../../feed/change-feed.ts';
import type { Consents } from '../consent.ts';
import type { Verifications } from '../../verification/verification.ts';
import type { Reports } from '../../reports/reports.ts';
import type { InternalExecutor } from '../../transport/internal.ts';
import { trustResolvers } from './resolvers.ts';

export const TRUST_SCHEMA_FILE = fileURLToPath(new URL('./schema.graphql', import.meta.url));
/** Supergraph URL scheme of subgraphs the gateway serves itself. */
export const LOCAL_URL_PREFIX = 'local:';

export function trustDataSource(services: {
  consents: Consents;
  audit: Audit;
  changes: ChangeFeed;
  verifications: Verifications;
  reports: Reports;
  execute: InternalExecutor;
}): LocalGraphQLDataSource {
  // Every input's @bounds is checked before its resolver, as in every other subgraph.
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(readSubgraphSdl(TRUST_SCHEMA_FILE)),
      resolvers: { ...sharedScalarResolvers, ...trustResolvers(services) } as GraphQLResolverMap<unknown>,
    },
  ]);
  return new LocalGraphQLDataSource(applyInputBounds(schema));
}

