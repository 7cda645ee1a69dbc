// The gateway's Prometheus metrics (prom-client), on their own registry and listener
// (METRICS_PORT, default 9464; see schema/src/metrics.ts for the shared parts):
//   credit_graph_request_duration_seconds{operation, outcome}     histogram, every GraphQL request
//   credit_graph_subgraph_call_duration_seconds{subgraph, outcome} histogram, every subgraph call
//   credit_graph_subgraph_circuit_state{subgraph, state}          1 for the circuit's state, 0 for the others
//   credit_graph_rate_limit_refusals_total                         counter, RATE_LIMITED answers
//   credit_graph_limit_refusals_total{measure}                     counter, QUERY_TOO_COMPLEX by limit
//   credit_graph_audit_batch_records                               histogram, records per audit write
//   credit_graph_audit_write_duration_seconds{outcome}             histogram, audit write transactions
//   credit_graph_db_pool_*                                         gauges, the gateway's PostgreSQL pool
//   process_*, nodejs_*                                            prom-client's default metrics
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry, databasePoolMetrics, requestMetrics, REQUEST_DURATION_BUCKETS, type Database, type Exchange } from '@credit-graph/contract';
import type { Measure } from '../trust/limits.ts';
import type { CircuitStatus } from '../transport/resilience.ts';

const CIRCUIT_STATES: readonly CircuitStatus[] = ['closed', 'open', 'half-open'];
/** The limits' measures (trust/limits.ts); a refusal while parsing (too many tokens) counts as `parse`. */
const MEASURES: readonly (Measure | 'parse')[] = ['depth', 'aliases', 'rootFields', 'fragmentExpansion', 'cost', 'parse'];
/** Records per group-commit write: 1 up to the audit's largest batch. */
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

export interface GatewayMetricsOptions {
  /** The gateway's own database (pool gauges on PostgreSQL). */
  database: Pick<Database, 'poolStats'>;
  /** Each subgraph's circuit as the next call finds it, read at every scrape. */
  circuits: () => Iterable<[subgraph: string, state: CircuitStatus]>;
  /** Admission's budget, work in flight and waiting (trust/admission.ts), read at every scrape. */
  admission: () => { maxCostInFlight: number; costInFlight: number; operationsInFlight: number; waiting: number };
  graphqlPath: string;
}

export interface GatewayMetrics {
  registry: Registry;
  /** For createGraphQLHandler's onExchange: request duration, rate-limit and limit refusals. */
  onExchange(exchange: Exchange): void;
  /** For SubgraphClient's onCall of subgraph `subgraph`. */
  subgraphCall(subgraph: string): (seconds: number, outcome: string) => void;
  /** For createAudit's onBatch. */
  auditBatch(records: number, seconds: number, ok: boolean): void;
}

/** The gateway's registry with every series above registered (values at zero until used). */
export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = createMetricsRegistry();
  const requests = requestMetrics(registry, options.graphqlPath);
  databasePoolMetrics(registry, options.database);
  const subgraphCalls = new Histogram({
    name: 'credit_graph_subgraph_call_duration_seconds',
    help: 'Calls from the gateway to a subgraph, retries included, by subgraph and outcome',
    labelNames: ['subgraph', 'outcome'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'credit_graph_subgraph_circuit_state',
    help: "Each subgraph's circuit breaker: 1 for its current state (closed, open, half-open), 0 for the others",
    labelNames: ['subgraph', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [subgraph, current] of options.circuits()) {
        for (const state of CIRCUIT_STATES) this.set({ subgraph, state }, state === current ? 1 : 0);
      }
    },
  });
  const admissionGauges = [
    ['credit_graph_admission_max_cost_in_flight', 'The budget: the sum of the costs in flight that admits no more (ADMISSION_MAX_COST_IN_FLIGHT)', 'maxCostInFlight'],
    ['credit_graph_admission_cost_in_flight', 'The sum of the costs of the operations admitted and not yet answered (ADMISSION_MAX_COST_IN_FLIGHT bounds it)', 'costInFlight'],
    ['credit_graph_admission_operations_in_flight', 'Operations admitted and not yet answered', 'operationsInFlight'],
    ['credit_graph_admission_waiting', 'Operations waiting for admission (ADMISSION_MAX_QUEUE bounds it)', 'waiting'],
  ] as const;
  for (const [name, help, key] of admissionGauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(options.admission()[key]);
      },
    });
  }
  const overloaded = new Counter({
    name: 'credit_graph_admission_refusals_total',
    help: 'Operations refused with OVERLOADED (HTTP 503): the queue for admission was full, or they waited ADMISSION_MAX_WAIT_MS',
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'credit_graph_rate_limit_refusals_total',
    help: 'Requests refused with RATE_LIMITED (HTTP 429)',
    registers: [registry],
  });
  const limitRefusals = new Counter({
    name: 'credit_graph_limit_refusals_total',
    help: 'Operations refused with QUERY_TOO_COMPLEX, by the limit exceeded',
    labelNames: ['measure'],
    registers: [registry],
  });
  for (const measure of MEASURES) limitRefusals.inc({ measure }, 0);
  const batchRecords = new Histogram({
    name: 'credit_graph_audit_batch_records',
    help: 'Audit records written per group-commit transaction',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const auditWrites = new Histogram({
    name: 'credit_graph_audit_write_duration_seconds',
    help: 'Audit write transactions (one per batch), by outcome (ok, failed)',
    labelNames: ['outcome'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [registry],
  });

  return {
    registry,
    onExchange(exchange) {
      requests(exchange);
      for (const error of exchange.errors) {
        if (error.code === 'RATE_LIMITED') rateLimited.inc();
        if (error.code === 'OVERLOADED') overloaded.inc();
        if (error.code === 'QUERY_TOO_COMPLEX') {
          const measure = MEASURES.includes(error.measure as Measure) ? error.measure! : 'parse';
          limitRefusals.inc({ measure });
        }
      }
    },
    subgraphCall: (subgraph) => (seconds, outcome) => subgraphCalls.observe({ subgraph, outcome }, seconds),
    auditBatch(records, seconds, ok) {
      batchRecords.observe(records);
      auditWrites.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
    },
  };
}
