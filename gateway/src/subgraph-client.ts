// How the gateway calls a subgraph. A failed call becomes an error a bank's developer can act
// on, naming the service and never its internal URL: SUBGRAPH_UNAVAILABLE when the service did
// not answer, or the subgraph's own GraphQL error when it refused the request. Every call
// carries the request's caller in headers signed with the secret the subgraphs verify.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { ANONYMOUS_CALLER, checkCallerSecret, creditGraphError, signCaller, type Caller } from '@credit-graph/contract';

/** What the gateway's per-request context must hold for subgraph calls: the verified caller. */
export type CallerContext = { caller?: Caller };

interface SubgraphErrorBody {
  errors?: { message?: string; extensions?: Record<string, unknown> }[];
}

export class SubgraphClient extends RemoteGraphQLDataSource<CallerContext> {
  private readonly callerSecret: string;

  constructor(
    readonly name: string,
    url: string,
    callerSecret: string,
  ) {
    super({ url });
    this.callerSecret = checkCallerSecret(callerSecret, 'callerSigningSecret');
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<CallerContext>): void {
    // Signed per call, not per incoming request: a long query plan still sends fresh timestamps.
    // No caller in the context (schema loading, health checks) signs as anonymous.
    const headers = signCaller(context.caller ?? ANONYMOUS_CALLER, this.callerSecret);
    for (const [name, value] of Object.entries(headers)) request.http!.headers.set(name, value);
  }

  override didEncounterError(error: Error, _request: unknown, response?: unknown): never {
    const body = (error as GraphQLError).extensions?.response as { body?: SubgraphErrorBody } | undefined;
    const first = body?.body?.errors?.[0];
    if (response && first?.message) {
      // The subgraph answered with a GraphQL error (HTTP 4xx): pass on its message and code.
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.name } });
    }
    console.error(`[gateway] subgraph ${this.name} failed:`, error.message);
    throw creditGraphError(
      'SUBGRAPH_UNAVAILABLE',
      `The ${this.name} service did not answer; the fields it owns are null. Retry later.`,
      { serviceName: this.name },
    );
  }
}
