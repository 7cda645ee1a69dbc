// How the gateway calls a subgraph that runs inside its own process (the embedded shape of
// `npm start`, SUBGRAPH_TRANSPORT=in-process): the same contract as an HTTP call
// (subgraph-client.ts) without the network hop. The caller is handed over as a value, not in a
// signed header: the signature protects a hop that does not exist here. Everything else is the
// same: the subgraph's own schema, permissions, @bounds checks and database answer; its credit
// changes and read reports reach the change feed and the audit record; a refusal passes on its
// message and code as it would from an HTTP 4xx; the call has the same time budget
// (SUBGRAPH_TIMEOUT_MS: SUBGRAPH_UNAVAILABLE, reason timeout) and goes through the same retry
// and circuit-breaker policy. What cannot happen in-process is the service not answering; its
// counterpart here is the subgraph's database not answering: an answer with an internal error
// from a subgraph whose database then fails its `SELECT 1` is SUBGRAPH_UNAVAILABLE (reason
// unreachable), as a stopped service is over HTTP: its fields are null, the rest answers, and
// the circuit opens after repeated failures.
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { setImmediate } from 'node:timers/promises';
import { DeadlineError, isSubgraphDatabaseDown, requestIdFrom, subgraphUnavailable, within, type InProcessSubgraph } from '@credit-graph/contract';
import type { SubgraphPolicy } from './resilience.ts';
import { failedFetchPath, fetchKind, observeCall, takeReports, wireCaller, withResponsePath, type CallerContext } from './subgraph-client.ts';

export interface InProcessClientOptions {
  /** Budget of each call, as for an HTTP call: past it the fields are null (SUBGRAPH_UNAVAILABLE). */
  timeoutMs: number;
  /** Retries and circuit breaker; none: each call is made once. */
  policy?: SubgraphPolicy;
  /** Where a failed call's cause goes (the client sees only SUBGRAPH_UNAVAILABLE). */
  logger?: Pick<Console, 'error' | 'warn'>;
  /** Duration (seconds) and outcome of each call, as for an HTTP call (metrics). */
  onCall?: (seconds: number, outcome: string) => void;
}

type Answer = Awaited<ReturnType<GraphQLDataSource<CallerContext>['process']>>;

/** An @apollo/gateway data source over an in-process subgraph. */
export class InProcessClient implements GraphQLDataSource<CallerContext> {
  private readonly logger: Pick<Console, 'error' | 'warn'>;

  constructor(
    private readonly subgraph: InProcessSubgraph,
    private readonly options: InProcessClientOptions,
  ) {
    this.logger = options.logger ?? console;
  }

  process(options: GraphQLDataSourceProcessOptions<CallerContext>): Promise<Answer> {
    const call = () => this.call(options);
    const guarded = observeCall(() => (this.options.policy ? this.options.policy.run(fetchKind(options.request.query), call) : call()), this.options.onCall);
    return guarded.catch((error: unknown) => {
      throw withResponsePath(error, failedFetchPath(options));
    });
  }

  /** Whether the subgraph's database answers within the call's budget. */
  private async databaseAnswers(): Promise<boolean> {
    try {
      await within(this.options.timeoutMs, this.subgraph.checkDatabase());
      return true;
    } catch {
      return false;
    }
  }

  private async call({ request, context }: GraphQLDataSourceProcessOptions<CallerContext>): Promise<Answer> {
    const name = this.subgraph.name;
    // Back to the event loop first. An embedded (PGlite) database answers without I/O, so a whole
    // operation ran as one chain of promise callbacks: no other request was read, no probe or
    // metrics scrape answered and no admission timer fired until it ended (a portfolio: seconds).
    await setImmediate();
    let answer;
    try {
      answer = await within(
        this.options.timeoutMs,
        this.subgraph.execute(
          { query: request.query ?? '', variables: request.variables, operationName: request.operationName },
          { caller: wireCaller(context), requestId: context.requestId ?? requestIdFrom(undefined) },
        ),
      );
    } catch (error) {
      if (error instanceof DeadlineError) throw subgraphUnavailable(name, 'timeout', { timeoutMs: this.options.timeoutMs });
      this.logger.error(`[gateway] subgraph ${name} failed:`, (error as Error).message);
      throw subgraphUnavailable(name, 'unreachable');
    }
    const { status, result } = answer;
    if (status < 200 || status >= 300) {
      // What an HTTP subgraph's 4xx/5xx becomes (subgraph-client.ts didEncounterError).
      const first = result.errors?.[0];
      if (first?.message) throw new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: name } });
      throw subgraphUnavailable(name, 'unreachable');
    }
    // Its database not answering, as the subgraph says itself (errors.ts), or a failure it did
    // not recognise as that while its database does not answer: a failed call, as over HTTP
    // (subgraph-client.ts), which the circuit counts.
    if (result.errors?.some((error) => isSubgraphDatabaseDown(error, name))) throw subgraphUnavailable(name, 'unreachable');
    if (result.errors?.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR') && !(await this.databaseAnswers())) {
      this.logger.error(`[gateway] subgraph ${name} failed: its database does not answer`);
      throw subgraphUnavailable(name, 'unreachable');
    }
    takeReports(context, result.extensions, name, this.logger);
    return result as Answer;
  }
}
