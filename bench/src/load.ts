// One measurement: autocannon drives a gateway with a scenario's request list for a warm-up
// (discarded), then for the measured window, while the gateway's RSS is sampled and the
// subgraphs' SQL statement counters are read before and after.
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import autocannon from 'autocannon';
import { cpuSeconds, machineBusySeconds, sampleRss } from './processes.ts';

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /**
   * A fixed number of measured requests instead of a window of `durationSeconds` (the slow
   * portfolios: a 20 s window held 1-10 of them, which left their p50 bounded by the window).
   */
  requests?: number;
  /** The gateway's process, whose RSS is sampled during the measured window. */
  pid: number;
  /** Every process serving the answers by name (the gateway and each subgraph), whose peak RSS is sampled too. */
  processes?: Record<string, number>;
  /** Total SQL statements of every subgraph so far (their /metrics). */
  sqlStatements: () => Promise<number>;
  /** Audit records written so far, when the gateway audits. */
  auditRecords?: () => Promise<number>;
  /** The subgraphs' processes, whose CPU time is reported beside the gateway's. */
  subgraphPids: number[];
  /** The PostgreSQL backends serving the bench's own connections, now (pg_stat_activity). */
  backendPids: () => Promise<number[]>;
}

export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
  /** 2xx answers that carry GraphQL errors. */
  graphqlErrors: number;
  peakRssBytes: number;
  /** Peak RSS during the measured window of every process serving the answers, by name (gateway, each subgraph). */
  peakRssByProcess?: Record<string, number>;
  /** How the window was bounded: seconds, or a fixed number of requests. */
  fixedRequests?: number;
  /** CPU used during the measured window, in cores (1.0 = one core busy all the time). */
  cpu: { gateway: number; subgraphs: number; postgres: number; loadGenerator: number; machine: number; cores: number };
  /** 1-minute load average at the end of the window. */
  load: number;
  sqlPerRequest: number;
  auditPerRequest?: number;
}

interface Run {
  latencies: number[];
  statuses: number;
  non2xx: number;
  graphqlErrors: number;
  errors: number;
  seconds: number;
}

function drive(options: LoadOptions, seconds: number, amount?: number): Promise<Run> {
  const { bodies } = options;
  let next = 0;
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let non2xx = 0;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        // A fixed count ends when every one of them is answered, whatever the time.
        ...(amount === undefined ? { duration: seconds } : { amount }),
        timeout: 60,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...options.headers },
            // Round-robin over the scenario's bodies, across all connections.
            setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
            onResponse: (status, body) => {
              if (status < 200 || status > 299) non2xx++;
              // A partial answer (some field refused or failed) is still HTTP 200.
              else if (body.includes('"errors":[')) graphqlErrors++;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          latencies,
          statuses: result.requests.total,
          non2xx,
          graphqlErrors,
          errors: result.errors + result.timeouts,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
      },
    );
    // Per-response latency: autocannon's own summary has no p95.
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Waits until the requests still in flight when autocannon stopped have been served: the
 * subgraphs' statement counter stops moving.
 */
async function drained(sqlStatements: () => Promise<number>): Promise<number> {
  let last = await sqlStatements();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await sleep(500);
    const now = await sqlStatements();
    if (now === last || (Number.isNaN(now) && Number.isNaN(last))) return now;
    last = now;
  }
  return last;
}

export async function measure(options: LoadOptions): Promise<Measurement> {
  if (options.warmupSeconds > 0) await drive(options, options.warmupSeconds);
  const sqlBefore = await drained(options.sqlStatements);
  const auditBefore = await options.auditRecords?.();
  const rss = sampleRss(options.pid);
  const rssByProcess = Object.entries(options.processes ?? {}).map(([name, pid]) => [name, sampleRss(pid)] as const);
  const backendsBefore = new Map((await options.backendPids()).map((pid) => [pid, cpuSeconds(pid)]));
  const cpuBefore = { gateway: cpuSeconds(options.pid), subgraphs: sum(options.subgraphPids.map(cpuSeconds)), loadGenerator: cpuSeconds(process.pid), machine: machineBusySeconds() };
  const run = await drive(options, options.durationSeconds, options.requests);
  const cpuAfter = { gateway: cpuSeconds(options.pid), subgraphs: sum(options.subgraphPids.map(cpuSeconds)), loadGenerator: cpuSeconds(process.pid), machine: machineBusySeconds() };
  // A backend that appeared during the window counts whole; one that ended during it is lost
  // (the services' pools keep their connections, so neither happens in a steady run).
  const postgresSeconds = sum((await options.backendPids()).map((pid) => cpuSeconds(pid) - (backendsBefore.get(pid) ?? 0)));
  // The requests in flight at the end are served too (every connection has one): they count.
  const sqlAfter = await drained(options.sqlStatements);
  const peakRssBytes = rss.stop();
  const peakRssByProcess = Object.fromEntries(rssByProcess.map(([name, sampler]) => [name, sampler.stop()]));
  const auditAfter = await options.auditRecords?.();
  // A fixed count leaves nothing in flight; a window leaves one request per connection.
  const served = run.latencies.length + (options.requests === undefined ? options.connections : 0);
  const sorted = Float64Array.from(run.latencies).sort();
  const requests = run.latencies.length;
  const sortedList = Array.from(sorted);
  return {
    requests,
    seconds: run.seconds,
    rps: requests / (options.requests === undefined ? options.durationSeconds : run.seconds),
    p50: percentile(sortedList, 50),
    p95: percentile(sortedList, 95),
    p99: percentile(sortedList, 99),
    errors: run.errors,
    non2xx: run.non2xx,
    graphqlErrors: run.graphqlErrors,
    peakRssBytes,
    peakRssByProcess,
    fixedRequests: options.requests,
    cpu: {
      gateway: (cpuAfter.gateway - cpuBefore.gateway) / run.seconds,
      subgraphs: (cpuAfter.subgraphs - cpuBefore.subgraphs) / run.seconds,
      postgres: postgresSeconds / run.seconds,
      loadGenerator: (cpuAfter.loadGenerator - cpuBefore.loadGenerator) / run.seconds,
      machine: (cpuAfter.machine - cpuBefore.machine) / run.seconds,
      cores: os.cpus().length,
    },
    load: os.loadavg()[0]!,
    sqlPerRequest: (sqlAfter - sqlBefore) / served,
    auditPerRequest: auditBefore !== undefined && auditAfter !== undefined ? (auditAfter - auditBefore) / served : undefined,
  };
}
