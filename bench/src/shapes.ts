// `npm start`'s two shapes on the bench's data (issue 13 §3): the embedded default with the six
// subgraphs inside the gateway's process (SUBGRAPH_TRANSPORT=in-process) against the production
// shape on one machine, one process per subgraph (SUBGRAPH_TRANSPORT=http). Each is started from
// the build (`node dist/credit-graph.mjs start`) on the bench's PostgreSQL databases; measured:
// the time from spawn to the gateway's /ready, the total RSS of the launcher's process tree once
// ready, then a short single-check load as the bank (trust layer on, consents granted) with the
// tree's CPU, the PostgreSQL backends' CPU and the tree's peak total RSS, then a fixed count of
// portfolios of 500 (the bench's heaviest answer) with their p50 and every process's peak RSS.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { measure, type Measurement } from './load.ts';
import { logPath, rssBytes, startProcess, type Service } from './processes.ts';

export type Shape = 'in-process' | 'http';
export const SHAPES: Shape[] = ['in-process', 'http'];

export interface ShapeMeasurement {
  shape: Shape;
  /** Spawn of `credit-graph start` to the gateway's /ready answering 200, in seconds. */
  readySeconds: number;
  /** Processes in the launcher's tree once ready. */
  processes: number;
  /** Total RSS of the tree once ready, and each process's, by name. */
  idleRssBytes: number;
  idleRssByProcess: Record<string, number>;
  /** Peak total RSS of the tree (sampled every 200 ms) during the load. */
  peakTotalRssBytes: number;
  /** The single-check load: CPU of the tree's processes (gateway = the launcher's own process) and PostgreSQL. */
  load: Measurement;
  /** The portfolio-of-500 load (a fixed count of answers), after the single checks; absent when not asked. */
  portfolio?: Measurement;
  /** Peak total RSS of the tree over both loads. */
  peakTotalRssUnderPortfoliosBytes?: number;
}

/** Every process under `root` (itself included), by scanning /proc for parent ids. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // gone
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  return tree;
}

/** The command name of a process (`node`), its arguments' last words name our services. */
function processName(pid: number, root: number): string {
  if (pid === root) return 'launcher';
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return args.slice(-2).join(' ').replace(/^.*credit-graph\.mjs /, '') || String(pid);
  } catch {
    return String(pid);
  }
}

export interface ShapeContext {
  root: string;
  cli: string;
  rawDir: string;
  /** Environment of every process: databases, secrets, Redis, the run's PGAPPNAME. */
  env: Record<string, string>;
  gatewayPort: number;
  host: string;
  /** Bodies of the single check (the first `consents` enterprises of the pool), and the bank's headers. */
  bodies: string[];
  /** Bodies of the portfolio of 500 (the same enterprises) and how many answers to measure (0: none). */
  portfolioBodies: string[];
  portfolioRequests: number;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Grants the bank its consents through this gateway's grantConsent. */
  grantConsents(url: string): Promise<void>;
  /** PostgreSQL backends of this run's connections, now. */
  backendPids(): Promise<number[]>;
  /** Committed transactions on the bench's databases so far (moves while requests are served). */
  transactions(): Promise<number>;
  log(line: string): void;
}

/** Starts `npm start` in `shape`, measures it, stops it. */
export async function measureShape(shape: Shape, context: ShapeContext): Promise<ShapeMeasurement> {
  const file = logPath(context.rawDir, `start-${shape}`);
  writeFileSync(file, '');
  const base = `http://${context.host}:${context.gatewayPort}`;
  const started = process.hrtime.bigint();
  const service: Service = startProcess(`start ${shape}`, context.cli, { ...context.env, SUBGRAPH_TRANSPORT: shape }, file, context.root, [], ['start']);
  try {
    let dead = false;
    void service.exited.then(() => (dead = true));
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (dead) throw new Error(`npm start (${shape}) exited before it was ready; see ${file}`);
      if (Date.now() > deadline) throw new Error(`npm start (${shape}) was not ready within 300 s; see ${file}`);
      if ((await fetch(`${base}/ready`).catch(() => undefined))?.status === 200) break;
      await sleep(100);
    }
    const readySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await sleep(1000);
    const tree = processTree(service.pid);
    const idleRssByProcess = Object.fromEntries(tree.map((pid) => [processName(pid, service.pid), rssBytes(pid) ?? 0]));
    const idleRssBytes = Object.values(idleRssByProcess).reduce((a, b) => a + b, 0);
    context.log(`npm start (${shape}): ready in ${readySeconds.toFixed(1)} s, ${tree.length} processes, ${(idleRssBytes / 2 ** 20).toFixed(0)} MB RSS in total`);
    await context.grantConsents(`${base}/graphql`);
    let peakTotal = 0;
    const sampler = setInterval(() => {
      peakTotal = Math.max(peakTotal, tree.reduce((total, pid) => total + (rssBytes(pid) ?? 0), 0));
    }, 200);
    // One load on the launcher's tree: the bank's bodies, the tree's processes and backends.
    const loadOf = (bodies: string[], warmupSeconds: number, requests?: number) =>
      measure({
        url: `${base}/graphql`,
        headers: context.headers,
        bodies,
        connections: context.connections,
        warmupSeconds,
        durationSeconds: context.durationSeconds,
        requests,
        pid: service.pid,
        processes: Object.fromEntries(tree.map((pid) => [processName(pid, service.pid), pid])),
        sqlStatements: context.transactions,
        subgraphPids: tree.filter((pid) => pid !== service.pid),
        backendPids: context.backendPids,
      });
    const load = await loadOf(context.bodies, context.warmupSeconds);
    const peakTotalRssBytes = peakTotal;
    context.log(
      `npm start (${shape}): single check ${load.rps.toFixed(1)} rps, p50 ${load.p50.toFixed(0)} ms, CPU ms/check ${((1000 * (load.cpu.gateway + load.cpu.subgraphs + load.cpu.postgres)) / load.rps).toFixed(1)}, peak total RSS ${(peakTotal / 2 ** 20).toFixed(0)} MB`,
    );
    const portfolio =
      context.portfolioRequests > 0 && context.portfolioBodies.length > 0
        ? await loadOf(context.portfolioBodies, 0, context.portfolioRequests)
        : undefined;
    clearInterval(sampler);
    if (portfolio) {
      context.log(
        `npm start (${shape}): portfolio of 500 x ${portfolio.requests}, p50 ${portfolio.p50.toFixed(0)} ms, errors ${portfolio.errors + portfolio.non2xx + portfolio.graphqlErrors}, highest process peak ${(Math.max(...Object.values(portfolio.peakRssByProcess ?? {})) / 2 ** 20).toFixed(0)} MB, peak total RSS ${(peakTotal / 2 ** 20).toFixed(0)} MB`,
      );
    }
    return { shape, readySeconds, processes: tree.length, idleRssBytes, idleRssByProcess, peakTotalRssBytes, load, portfolio, peakTotalRssUnderPortfoliosBytes: portfolio ? peakTotal : undefined };
  } finally {
    await service.stop();
  }
}
