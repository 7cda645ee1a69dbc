// Readiness: ready only when the supergraph is loaded and every subgraph answers a trivial
// query; otherwise 503 naming the subgraphs that do not. The probe is signed like any subgraph
// call, so a subgraph with another secret shows up here as not ready (HTTP 401). A subgraph
// whose circuit is not closed says so ("ECONNREFUSED, circuit open"): the gateway is failing
// its calls at once. Only the probe decides readiness: an open circuit closes on the next
// call after its cool-down, which a replica taken out of service would never get.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkCallerSecret, sendJson, signCaller, type Caller } from '@credit-graph/contract';
import type { CircuitStatus } from '../transport/resilience.ts';
import type { SubgraphEndpoint } from '../supergraph.ts';

/** Who the readiness probe is, to the subgraphs: a public caller that reads nothing. */
export const READINESS_CALLER: Caller = Object.freeze({ subject: 'gateway-readiness', role: 'PUBLIC', scopes: [] });

export interface ReadinessOptions {
  subgraphs: SubgraphEndpoint[];
  isSupergraphLoaded: () => boolean;
  timeoutMs: number;
  /** The secret the subgraphs verify the signed caller with. */
  callerSecret: string;
  /** The circuit breaker's state of a subgraph's calls (none: always reported closed). */
  circuit?: (subgraph: string) => CircuitStatus | undefined;
}

async function probe(subgraph: SubgraphEndpoint, timeoutMs: number, callerSecret: string): Promise<string> {
  try {
    const response = await fetch(subgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signCaller(READINESS_CALLER, callerSecret) },
      body: '{"query":"{ __typename }"}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return `HTTP ${response.status}`;
    const body = (await response.json()) as { data?: { __typename?: string } };
    return body.data?.__typename === 'Query' ? 'ok' : 'unexpected answer';
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    // fetch wraps the socket error (ECONNREFUSED, ...) as its cause, sometimes in an AggregateError.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
  }
}

export function createReadiness(options: ReadinessOptions) {
  const callerSecret = checkCallerSecret(options.callerSecret, 'callerSecret');
  return async function ready(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const results = await Promise.all(options.subgraphs.map((s) => probe(s, options.timeoutMs, callerSecret)));
    const subgraphs = Object.fromEntries(
      options.subgraphs.map((s, i) => {
        const circuit = options.circuit?.(s.name) ?? 'closed';
        return [s.name, circuit === 'closed' ? results[i] : `${results[i]}, circuit ${circuit}`];
      }),
    );
    const failing = options.subgraphs.filter((_, i) => results[i] !== 'ok').map((s) => s.name);
    const supergraphLoaded = options.isSupergraphLoaded();
    const ready = supergraphLoaded && failing.length === 0;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not ready',
      supergraphLoaded,
      ...(failing.length > 0 ? { failing } : {}),
      subgraphs,
    });
  };
}
