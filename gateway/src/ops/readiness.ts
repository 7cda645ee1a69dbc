// The gateway's probes, with the meanings Kubernetes gives them:
//   /health  liveness: the process answers. Nothing else is asked: restarting the gateway mends
//            neither a database nor a subgraph.
//   /ready   readiness: this replica should get traffic: the supergraph is loaded, its own
//            database (keys, consents, audit log) answers within the timeout, and it is not
//            draining. A sector subgraph that is down does NOT make it unready: every replica
//            sees the same subgraph, taking them all out of service would turn one sector's
//            outage into the whole city's (its fields answer SUBGRAPH_UNAVAILABLE instead).
//   /status  for people: each subgraph's state (a signed `{ __typename }` call, like any
//            subgraph call; for a subgraph hosted in-process, its database's `SELECT 1`: there
//            the database is what can fail) and its circuit; always 200, JSON.
// On SIGTERM the gateway turns unready first (`draining`), then stops accepting and drains.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { createCallerSigner, DeadlineError, sendJson, within, type Caller, type CallerKeys, type InProcessSubgraph } from '@credit-graph/contract';
import type { CircuitStatus } from '../transport/resilience.ts';
import type { SubgraphEndpoint } from '../supergraph.ts';

/** Who the status probe is, to the subgraphs: a public caller that reads nothing. */
export const READINESS_CALLER: Caller = Object.freeze({ subject: 'gateway-readiness', role: 'PUBLIC', scopes: [] });
/** The status page probes the subgraphs at most this often: it cannot be used to flood them. */
export const STATUS_MIN_INTERVAL_MS = 1000;
const PROBE_BODY = '{"query":"{ __typename }"}';

export interface ProbesOptions {
  /** The subgraphs the gateway calls over HTTP (not the ones it hosts itself). */
  subgraphs: SubgraphEndpoint[];
  /** Subgraphs hosted in this process by name: probed through their database. */
  inProcess?: ReadonlyMap<string, InProcessSubgraph>;
  isSupergraphLoaded: () => boolean;
  /** Resolves when the gateway's own database answers (e.g. `SELECT 1`); rejects otherwise. */
  checkDatabase: () => Promise<unknown>;
  /** Longest wait for the database (/ready) and for each subgraph (/status), in ms. */
  timeoutMs: number;
  /** The keys the subgraphs verify signed calls with; /status signs its calls like any other. */
  callerKeys: CallerKeys;
  /** The circuit breaker's state of a subgraph's calls (none: always reported closed). */
  circuit?: (subgraph: string) => CircuitStatus | undefined;
}

export interface Probes {
  routes: Record<'/health' | '/ready' | '/status', (req: IncomingMessage, res: ServerResponse) => Promise<void> | void>;
  /** Marks the gateway as draining: /ready answers 503 from now on. */
  drain(): void;
}

/** A short, single-line reason: never a stack or a connection string. */
function reasonOf(error: unknown): string {
  // A system error's code (ECONNREFUSED) on the error itself (undici) or its cause (fetch),
  // never its message, which names the internal address ("connect ECONNREFUSED 10.0.0.5:4002").
  const own = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  const text = (typeof own === 'string' && /^E[A-Z]+$/.test(own) ? own : undefined) ??
    cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  return text.split('\n')[0]!.replace(/\w+:\/\/\S+/g, '<url>').replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?|\[[0-9a-f:]+\](?::\d+)?/gi, '<address>').slice(0, 200);
}

export function createProbes(options: ProbesOptions): Probes {
  if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  const signer = createCallerSigner(options.callerKeys);
  let draining = false;

  async function probe(subgraph: SubgraphEndpoint): Promise<string> {
    const hosted = options.inProcess?.get(subgraph.name);
    if (hosted) {
      try {
        await within(options.timeoutMs, hosted.checkDatabase());
        return 'ok';
      } catch (error) {
        return error instanceof DeadlineError ? `no answer within ${options.timeoutMs} ms` : `database unreachable: ${reasonOf(error)}`;
      }
    }
    try {
      const { pathname, search } = new URL(subgraph.url);
      const headers = await signer.sign(READINESS_CALLER, { subgraph: subgraph.name, method: 'POST', path: pathname + search, body: PROBE_BODY });
      // undici's request, as every subgraph call: WHATWG fetch refuses some ports (6000, 6665...).
      const response = await request(subgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: PROBE_BODY,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        return `HTTP ${response.statusCode}`;
      }
      const body = (await response.body.json()) as { data?: { __typename?: string } };
      return body.data?.__typename === 'Query' ? 'ok' : 'unexpected answer';
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return `no answer within ${options.timeoutMs} ms`;
      return reasonOf(error);
    }
  }

  // One round of subgraph probes at a time, reused for STATUS_MIN_INTERVAL_MS.
  let lastRound: { at: number; results: Promise<string[]> } | undefined;
  function probeAll(): Promise<string[]> {
    if (!lastRound || performance.now() - lastRound.at > STATUS_MIN_INTERVAL_MS) {
      lastRound = { at: performance.now(), results: Promise.all(options.subgraphs.map(probe)) };
    }
    return lastRound.results;
  }

  async function databaseState(): Promise<string> {
    try {
      await within(options.timeoutMs, options.checkDatabase());
      return 'ok';
    } catch (error) {
      return `unreachable: ${reasonOf(error)}`;
    }
  }

  return {
    drain() {
      draining = true;
    },
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req, res) => {
        const supergraphLoaded = options.isSupergraphLoaded();
        const database = draining ? 'not checked' : await databaseState();
        const ready = supergraphLoaded && database === 'ok' && !draining;
        const status = draining ? 'draining' : ready ? 'ready' : 'not ready';
        sendJson(res, ready ? 200 : 503, { status, supergraphLoaded, database });
      },
      '/status': async (_req, res) => {
        const [results, database] = await Promise.all([probeAll(), databaseState()]);
        const subgraphs = Object.fromEntries(
          options.subgraphs.map((s, i) => [s.name, { state: results[i], circuit: options.circuit?.(s.name) ?? 'closed' }]),
        );
        sendJson(res, 200, {
          status: draining ? 'draining' : 'running',
          supergraphLoaded: options.isSupergraphLoaded(),
          database,
          failing: options.subgraphs.filter((_, i) => results[i] !== 'ok').map((s) => s.name),
          subgraphs,
        });
      },
    },
  };
}
