// The gateway's own reads (is this enterprise registered? what is its grade now?), executed
// in-process on the loaded supergraph with a fixed internal caller: the query planner and the
// signed subgraph calls, without the public HTTP door. So no client traffic (rate limits,
// safelists) can starve them, and no port or URL of the gateway itself is involved.
import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import { parse, type ExecutionResult } from 'graphql';
import type { Caller } from '@credit-graph/contract';
import type { RequestReads } from '../audit/policy.ts';

/**
 * Who the subgraphs see on an internal read: an anonymous-level caller (public fields only)
 * named so that subgraph logs tell it from a client.
 */
export const INTERNAL_CALLER: Caller = Object.freeze({ subject: 'gateway-internal', role: 'PUBLIC', scopes: [] });

/**
 * Runs one operation of the gateway's own; rejects if the supergraph is not loaded yet. With
 * `as`, it runs as that caller (a report composed for the caller who asked for it: the
 * subgraphs apply that caller's rules) and the reads the subgraphs report go into `as.reads`,
 * i.e. onto that request's audit record.
 */
export type InternalExecutor = (
  query: string,
  variables: Record<string, unknown>,
  as?: { caller: Caller; reads?: RequestReads },
) => Promise<ExecutionResult>;

/**
 * An executor over `gateway` (after it has loaded its supergraph). Input: operation text and
 * variables; output: the GraphQL result as @apollo/gateway's executor gives it (subgraph
 * failures are errors in it, never thrown).
 */
export function createInternalExecutor(
  gateway: Pick<ApolloGateway, 'executor'>,
  caller: Caller = INTERNAL_CALLER,
  logger: Pick<Console, 'debug' | 'info' | 'warn' | 'error'> = console,
): InternalExecutor {
  const documents = new Map<string, ReturnType<typeof parse>>();
  return async (query, variables, as) => {
    const context = as ? { caller: as.caller, reads: as.reads } : { caller };
    let document = documents.get(query);
    if (!document) documents.set(query, (document = parse(query)));
    const queryHash = createHash('sha256').update(query).digest('hex');
    // The part of Apollo Server's request context that @apollo/gateway's executor reads.
    const requestContext = {
      request: { query, variables },
      document,
      source: query,
      queryHash,
      operationName: null,
      // @apollo/gateway hands `context` (Apollo Server 2's name) to the data sources.
      context,
      contextValue: context,
      logger,
      metrics: {},
      cache: undefined,
      overallCachePolicy: undefined,
    };
    return (await gateway.executor(requestContext as never)) as ExecutionResult;
  };
}
