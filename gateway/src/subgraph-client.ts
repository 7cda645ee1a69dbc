// How the gateway calls a subgraph. A failed call becomes an error a bank's developer can act
// on, naming the service and never its internal URL: SUBGRAPH_UNAVAILABLE when the service did
// not answer, or the subgraph's own GraphQL error when it refused the request.
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { creditGraphError } from '@credit-graph/contract';

interface SubgraphErrorBody {
  errors?: { message?: string; extensions?: Record<string, unknown> }[];
}

export class SubgraphClient extends RemoteGraphQLDataSource {
  constructor(
    readonly name: string,
    url: string,
  ) {
    super({ url });
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
