// The in-process subgraph contract: how a gateway calls a subgraph that runs inside its own
// process (the embedded default of `npm start`, SUBGRAPH_TRANSPORT=in-process) instead of over
// HTTP. The subgraph answers exactly what its HTTP endpoint would (same schema, permissions,
// @bounds checks, plugins, error formatting, HTTP status and response extensions: credit
// changes, read reports); only the transport differs: the caller is handed over as a value,
// because there is no network hop for a signature (caller-signature.ts) to protect.
import type { FormattedExecutionResult } from 'graphql';
import type { Caller } from './caller.ts';

/** One GraphQL request to an in-process subgraph, as the query planner built it. */
export interface InProcessRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** What the subgraph answered: the HTTP status its endpoint would have sent, and the JSON body. */
export interface InProcessAnswer {
  status: number;
  result: FormattedExecutionResult;
}

/** A subgraph served inside the gateway's process. */
export interface InProcessSubgraph {
  /** The subgraph's name in the supergraph (`registry`, `supply-chain`, ...). */
  readonly name: string;
  /**
   * Runs one request as `caller` (consent ids already left out, as on the wire), logged under
   * `requestId`. Resolves with the answer, errors included; rejects only when the subgraph is
   * stopped or failed outside GraphQL execution.
   */
  execute(request: InProcessRequest, context: { caller: Caller; requestId: string }): Promise<InProcessAnswer>;
  /** Resolves when the subgraph's database answers (`SELECT 1`); rejects otherwise. */
  checkDatabase(): Promise<unknown>;
}
