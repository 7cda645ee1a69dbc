// How the gateway calls a subgraph. A failed call becomes an error a bank's developer can act
// on, naming the service and never its internal URL: SUBGRAPH_UNAVAILABLE when the service did
// not answer (in time), or the subgraph's own GraphQL error when it refused the request. Every
// call carries the request's caller in a header signed (schema/src/caller-signature.ts) for
// that subgraph, over the exact method, path and body bytes sent, with a fresh nonce (a retry
// is signed anew); it has a time budget and goes through the subgraph's retry and
// circuit-breaker policy.
import { STATUS_CODES } from 'node:http';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, Kind, parse } from 'graphql';
import { request, type Dispatcher } from 'undici';
import { ANONYMOUS_CALLER, createCallerSigner, isSubgraphDatabaseDown, REQUEST_ID_HEADER, subgraphUnavailable, type Caller, type CallerKeys, type CallerSigner, type CreditChange } from '@credit-graph/contract';
import { collectReads, type RequestReads } from '../audit/policy.ts';
import { readReportedChanges } from '../feed/change-feed.ts';
import type { SubgraphPolicy } from './resilience.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * What the gateway's per-request context holds for subgraph calls: the verified caller, where
 * (for a write) the changes the subgraphs report are collected, and where the reads they
 * report are collected for the audit record.
 */
export type CallerContext = { caller?: Caller; creditChanges?: CreditChange[]; reads?: RequestReads; requestId?: string };

export interface SubgraphClientOptions {
  /** The keys the subgraphs verify signed calls with (the first signs). */
  callerKeys: CallerKeys;
  /** Budget of each call, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** Where connections come from: a keep-alive pool shared by the subgraph clients (default: undici's global one). */
  dispatcher?: Dispatcher;
  /** Retries and circuit breaker; none: each call is sent once, whatever happened before. */
  policy?: SubgraphPolicy;
  /** Where a failed call's cause goes (the client sees only SUBGRAPH_UNAVAILABLE). */
  logger?: Pick<Console, 'error' | 'warn'>;
  /**
   * Told of every call once it ended, retries included: its duration in seconds and outcome
   * (`ok`, `errors` when the answer carried GraphQL errors, `refused` when the subgraph refused
   * it, or the SUBGRAPH_UNAVAILABLE reason: `unreachable`, `timeout`, `circuit_open`).
   */
  onCall?: (seconds: number, outcome: string) => void;
}

interface SubgraphErrorBody {
  errors?: { message?: string; extensions?: Record<string, unknown> }[];
}

/**
 * The caller a subgraph is told about: the request's, without its consent ids (they stay here
 * for the audit record; subgraphs check consents by enterprise, and 500 ids would double the
 * signed header of a portfolio check). No caller in the context (schema loading, health
 * checks): anonymous.
 */
export function wireCaller(context: CallerContext): Caller {
  const { consentIds: _forAuditOnly, ...caller } = context.caller ?? ANONYMOUS_CALLER;
  return caller;
}

/**
 * Takes what a subgraph reported in its answer's extensions into the request's context: a
 * write's credit changes (the change feed stores them after the request) and whose guarded data
 * it read or refused (the audit record names them).
 */
export function takeReports(
  context: CallerContext,
  extensions: Record<string, unknown> | undefined,
  subgraph: string,
  logger?: Parameters<typeof collectReads>[3],
): void {
  // A write's subgraph reports what it changed; the change feed stores it after the request.
  context.creditChanges?.push(...readReportedChanges(extensions));
  // Every answer reports whose guarded data it read or refused; the audit record names them.
  collectReads(context.reads, extensions, subgraph, logger);
}

/**
 * Runs one subgraph call and reports its duration (seconds) and outcome to `onCall` (metrics):
 * `ok`, `errors` (answered with GraphQL errors), the SUBGRAPH_UNAVAILABLE reason (`timeout`,
 * `unreachable`, `circuit_open`), or `refused` (a 4xx passed on). Resolves or rejects as `call`.
 */
export function observeCall<T extends { errors?: readonly unknown[] }>(call: () => Promise<T>, onCall?: (seconds: number, outcome: string) => void): Promise<T> {
  const started = performance.now();
  const report = (outcome: string) => onCall?.((performance.now() - started) / 1000, outcome);
  return call().then(
    (response) => {
      report(response.errors?.length ? 'errors' : 'ok');
      return response;
    },
    (error: unknown) => {
      const unavailable = error instanceof GraphQLError && error.extensions.code === 'SUBGRAPH_UNAVAILABLE';
      report(unavailable ? String(error.extensions.reason).replace(' ', '_') : 'refused');
      throw error;
    },
  );
}

/** The query planner prints a subgraph fetch of a mutation as `mutation ...`; reads as `{` or `query`. */
const MUTATION = /^\s*mutation\b/;

/** Whether a subgraph fetch is sent once (`write`) or may be retried (`read`): see resilience.ts. */
export function fetchKind(query: string | undefined): 'read' | 'write' {
  return MUTATION.test(query ?? '') ? 'write' : 'read';
}
/**
 * Carries the caller from willSendRequest to the fetcher, where the exact body is known and
 * the call is signed; removed there, it never leaves the process.
 */
const UNSIGNED_CALLER_HEADER = 'x-credit-graph-unsigned-caller';

/**
 * The data source's fetcher on undici's `request` over a keep-alive pool: two to three times
 * the calls per second of its default (make-fetch-happen) or of undici's fetch, on loopback.
 * The whole exchange, answer body included, is cut off after `timeoutMs` (a TimeoutError).
 */
function signedFetcher(subgraph: string, signer: CallerSigner, timeoutMs: number, dispatcher: Dispatcher | undefined): Fetcher {
  return async (url, init = {}) => {
    const signal = AbortSignal.timeout(timeoutMs);
    const method = init.method ?? 'POST';
    const body = typeof init.body === 'string' ? init.body : '';
    const { [UNSIGNED_CALLER_HEADER]: unsigned, ...outgoing } = (init.headers ?? {}) as Record<string, string>;
    const caller = unsigned ? (JSON.parse(Buffer.from(unsigned, 'base64url').toString('utf8')) as Caller) : ANONYMOUS_CALLER;
    const { pathname, search } = new URL(url);
    Object.assign(outgoing, await signer.sign(caller, { subgraph, method, path: pathname + search, body }));
    const answer = await request(url, {
      method: method as Dispatcher.HttpMethod,
      headers: outgoing,
      body,
      dispatcher,
      signal,
    });
    const text = await answer.body.text();
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
    }
    // The part of a fetch Response that RemoteGraphQLDataSource reads.
    const response = {
      url,
      status: answer.statusCode,
      ok: answer.statusCode >= 200 && answer.statusCode < 300,
      statusText: STATUS_CODES[answer.statusCode] ?? '',
      redirected: false,
      bodyUsed: true,
      headers,
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
      arrayBuffer: async () => new TextEncoder().encode(text).buffer,
      clone: () => response,
    };
    return response;
  };
}

/**
 * The standard `path` a failed fetch's SUBGRAPH_UNAVAILABLE error gets: for an entity fetch, the
 * planner's path of the objects whose fields it left null, up to its first list marker ('@'),
 * e.g. ["enterprise"] or ["searchEnterprises", "edges"]; for a root fetch of one root field,
 * that field, e.g. ["enterprise"]. A root fetch of several root fields has no one path.
 */
export function failedFetchPath(options: GraphQLDataSourceProcessOptions<CallerContext>): readonly (string | number)[] | undefined {
  const planPath = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest : undefined;
  if (planPath && planPath.length > 0) {
    const listAt = planPath.indexOf('@');
    return listAt < 0 ? planPath : planPath.slice(0, listAt);
  }
  // Read on failure only: the fetch's document is the planner's, always well formed.
  const operation = parse(options.request.query ?? '{ __typename }').definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const fields = operation?.selectionSet.selections.filter((selection) => selection.kind === Kind.FIELD) ?? [];
  return fields.length === 1 ? [(fields[0]!.alias ?? fields[0]!.name).value] : undefined;
}

/** `error` with `path`, when it is a SUBGRAPH_UNAVAILABLE without one; any other error as it is. */
export function withResponsePath(error: unknown, path: readonly (string | number)[] | undefined): unknown {
  if (!(error instanceof GraphQLError) || error.extensions.code !== 'SUBGRAPH_UNAVAILABLE' || error.path || !path?.length) return error;
  return new GraphQLError(error.message, { path, extensions: error.extensions, originalError: error.originalError });
}

export class SubgraphClient extends RemoteGraphQLDataSource<CallerContext> {
  private readonly timeoutMs: number;
  private readonly policy: SubgraphPolicy | undefined;
  private readonly logger: Pick<Console, 'error' | 'warn'>;
  private readonly onCall: SubgraphClientOptions['onCall'];

  constructor(
    readonly name: string,
    url: string,
    options: SubgraphClientOptions,
  ) {
    // The signer checks the keys here, at start-up.
    super({ url, fetcher: signedFetcher(name, createCallerSigner(options.callerKeys), options.timeoutMs, options.dispatcher) });
    this.timeoutMs = options.timeoutMs;
    this.policy = options.policy;
    this.logger = options.logger ?? console;
    this.onCall = options.onCall;
  }

  override process(options: GraphQLDataSourceProcessOptions<CallerContext>) {
    const call = () => {
      if (!this.policy) return super.process(options);
      // A mutation is sent once: without an answer the gateway cannot know whether it was applied.
      return this.policy.run(fetchKind(options.request.query), () => super.process(options));
    };
    return observeCall(call, this.onCall).catch((error: unknown) => {
      throw withResponsePath(error, failedFetchPath(options));
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<CallerContext>): void {
    // Signed per call in the fetcher, not per incoming request: a long query plan (or a retry)
    // still sends fresh timestamps and nonces. No caller in the context (schema loading, health
    // checks) signs as anonymous (see wireCaller).
    const caller = wireCaller(context);
    request.http!.headers.set(UNSIGNED_CALLER_HEADER, Buffer.from(JSON.stringify(caller), 'utf8').toString('base64url'));
    // The subgraph logs under the same id as the gateway (it accepts a well-formed one).
    if (context.requestId) request.http!.headers.set(REQUEST_ID_HEADER, context.requestId);
  }

  override async didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<CallerContext>['didReceiveResponse']>>[0]) {
    // The service answers but its database does not (it says so itself): a failed call, as for
    // a stopped service (the same answer as the in-process shape's, and the circuit counts it).
    if (response.errors?.some((error) => isSubgraphDatabaseDown(error, this.name))) throw subgraphUnavailable(this.name, 'unreachable');
    takeReports(context, response.extensions, this.name, this.logger);
    return response;
  }

  override didEncounterError(error: Error, _request: unknown, response?: unknown): never {
    const body = (error as GraphQLError).extensions?.response as { body?: SubgraphErrorBody } | undefined;
    const first = body?.body?.errors?.[0];
    if (response && first?.message) {
      // The subgraph answered with a GraphQL error (HTTP 4xx): pass on its message and code.
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, serviceName: this.name } });
    }
    if (error.name === 'TimeoutError') throw subgraphUnavailable(this.name, 'timeout', { timeoutMs: this.timeoutMs });
    // undici reports "fetch failed" and puts the socket error (ECONNREFUSED, ...) in `cause`.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    this.logger.error(`[gateway] subgraph ${this.name} failed:`, cause?.code ?? cause?.message ?? error.message);
    throw subgraphUnavailable(this.name, 'unreachable');
  }
}
