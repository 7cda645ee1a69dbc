// What the gateway does when a subgraph is down or slow, so that one sector service never takes
// the whole credit graph with it: every call has a time budget (see subgraph-client.ts), a read
// that found the service unreachable is retried with exponential backoff and jitter, and each
// subgraph has a circuit breaker: after `circuitThreshold` consecutive failures its calls fail at
// once with SUBGRAPH_UNAVAILABLE for `circuitCooldownMs`, then one call probes the service
// (half-open) and closes the circuit again or reopens it. The policies are cockatiel's.
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
// SUBGRAPH_UNAVAILABLE lives in the contract: a subgraph whose database does not answer raises the same error.
import { subgraphUnavailable, type UnavailableReason } from '@credit-graph/contract';

export interface ResilienceOptions {
  /** Budget of one subgraph call, from connecting to the last byte of the answer. */
  timeoutMs: number;
  /** Retries of a read whose service could not be reached (never of a write, never of a timeout). */
  retries: number;
  /** Consecutive failed calls that open a subgraph's circuit. */
  circuitThreshold: number;
  /** How long an open circuit fails calls at once before one call probes the service again. */
  circuitCooldownMs: number;
}

/** First retry delay; later ones grow exponentially (decorrelated jitter), up to RETRY_MAX_DELAY_MS. */
const RETRY_FIRST_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 1_000;

export type CircuitStatus = 'closed' | 'open' | 'half-open';

function reasonOf(error: Error): UnavailableReason | undefined {
  if (!(error instanceof GraphQLError) || error.extensions.code !== 'SUBGRAPH_UNAVAILABLE') return undefined;
  return error.extensions.reason as UnavailableReason;
}

/** The service did not answer. A GraphQL error it answered with (401, a bad query) is no failure. */
const isFailure = (error: Error) => reasonOf(error) !== undefined;
/** Retried: a refused or reset connection. A timeout is not: a slow service retried gets slower. */
const isRetryable = (error: Error) => reasonOf(error) === 'unreachable';

const CIRCUIT_STATUS: Record<CircuitState, CircuitStatus> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export interface SubgraphPolicy {
  /** Runs one call to the subgraph: a `read` is retried, a `write` is sent exactly once. */
  run<T>(kind: 'read' | 'write', call: () => Promise<T>): Promise<T>;
  /** The circuit as the next call finds it (an open circuit past its cool-down lets the next call probe). */
  readonly circuit: CircuitStatus;
}

export function createSubgraphPolicy(
  serviceName: string,
  options: ResilienceOptions,
  logger: Pick<Console, 'warn'> = console,
): SubgraphPolicy {
  const breaker = circuitBreaker(handleWhen(isFailure), {
    halfOpenAfter: options.circuitCooldownMs,
    breaker: new ConsecutiveBreaker(options.circuitThreshold),
  });
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
    logger.warn(`[gateway] subgraph ${serviceName}: circuit open, calls fail at once for ${options.circuitCooldownMs} ms`);
  });
  breaker.onReset(() => logger.warn(`[gateway] subgraph ${serviceName}: circuit closed, calls go through again`));
  const retryReads = retry(handleWhen(isRetryable), {
    maxAttempts: options.retries,
    backoff: new ExponentialBackoff({ initialDelay: RETRY_FIRST_DELAY_MS, maxDelay: RETRY_MAX_DELAY_MS }),
  });

  return {
    async run(kind, call) {
      try {
        // Each attempt passes the breaker, so an open circuit also stops a read's retries.
        const guarded = () => breaker.execute(call);
        return await (kind === 'read' ? retryReads.execute(guarded) : guarded());
      } catch (error) {
        if (!(error instanceof BrokenCircuitError)) throw error;
        const remainingMs = openedAt + options.circuitCooldownMs - Date.now();
        throw subgraphUnavailable(serviceName, 'circuit open', { retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) });
      }
    },
    get circuit() {
      return CIRCUIT_STATUS[breaker.state];
    },
  };
}
