// The whole product in one process for end-to-end tests: every subgraph on an ephemeral port
// with its own fresh database (PGlite in memory, or PostgreSQL when TEST_DATABASE_URL is set),
// and the gateway on the checked-in supergraph, pointed at them by URL overrides.
// Two shapes (SUBGRAPH_TRANSPORT, as for `npm start`): `in-process` (default) hands the gateway
// each subgraph's in-process executor, so every call of the shared gateway runs without HTTP
// (the embedded shape); `http` makes it call them over HTTP with signed calls. Either way each
// subgraph also listens on HTTP, on the same database, for the files that start gateways of
// their own on the stack's URLs, count SQL statements or replay signed calls.
// With E2E_BUILD=1 (CI, once) the same stack runs as processes of the production build instead:
// `node dist/credit-graph.mjs subgraph <name>` and `... gateway`, configured only by environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseUrlVariable, isGatewayHosted, readManifest, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable } from '@credit-graph/gateway';
import type { RunningSubgraph } from '@credit-graph/subgraph-kit';
import { createTestDatabase, startTestSubgraph, TEST_CALLER_SECRET, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { demoTokens } from '../../scripts/demo-credentials.ts';
import { SUBGRAPH_DEFINITIONS, type SubgraphName } from '../../scripts/subgraphs.ts';
import { freePort, fromBuild, startProcess, type ServiceProcess } from './processes.ts';

/** Signs the end-to-end tests' tokens; the stack's gateway verifies with it. */
export const TEST_JWT_SECRET = 'end-to-end-test-jwt-secret-0123456789abcdef';

export interface StackInfo {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  /** Each service's Prometheus endpoint on its own metrics port, by service (`gateway` and each subgraph). */
  metricsUrls: Record<string, string>;
  enterprises: number;
  /** How the shared gateway (gatewayUrl) calls the subgraphs. */
  transport: 'in-process' | 'http';
}

export interface Stack extends StackInfo {
  stop(): Promise<void>;
}

/** Settings every stack's gateway runs with, whichever way it runs. */
function gatewayEnvironment(subgraphUrls: Record<string, string>): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])),
    CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    // Generous: the end-to-end files send bursts from one test caller.
    RATE_LIMIT_CAPACITY: '10000',
    RATE_LIMIT_PER_SECOND: '10000',
    REPORT_RATE_LIMIT_CAPACITY: '10000',
    REPORT_RATE_LIMIT_PER_MINUTE: '10000',
    VERIFICATION_RATE_LIMIT_CAPACITY: '10000',
    VERIFICATION_RATE_LIMIT_PER_MINUTE: '10000',
    // The playground test runs the examples with the demo tokens, as `npm start` does.
    PLAYGROUND_DEMO_TOKENS: 'true',
  };
}

function subgraphNames(): SubgraphName[] {
  return readManifest()
    .filter((entry) => !isGatewayHosted(entry))
    .map((entry) => entry.name) as SubgraphName[];
}

/** How the shared gateway calls the subgraphs (SUBGRAPH_TRANSPORT; the build runs only as separate services). */
export function stackTransport(): 'in-process' | 'http' {
  if (fromBuild()) return 'http';
  const value = process.env.SUBGRAPH_TRANSPORT || 'in-process';
  if (value !== 'in-process' && value !== 'http') throw new Error(`SUBGRAPH_TRANSPORT must be in-process or http, got "${value}"`);
  return value;
}

export async function startStack(enterprises: number): Promise<Stack> {
  return fromBuild() ? startProcessStack(enterprises) : startInProcessStack(enterprises, stackTransport());
}

/**
 * The stack as processes (`credit-graph subgraph <name>`, `credit-graph gateway`: of the
 * production build with E2E_BUILD=1, else through tsx): each service on a free port with its
 * own database (a fresh PostgreSQL database, or PGlite files in a temporary folder), seeded at
 * start. `env` is added to every service's environment (e.g. OTEL_* settings).
 */
export async function startProcessStack(enterprises: number, env: Record<string, string> = {}): Promise<Stack> {
  const folder = mkdtempSync(path.join(tmpdir(), 'e2e-build-'));
  const processes: ServiceProcess[] = [];
  const databases: { drop(): Promise<void> }[] = [];
  const databaseEnv = async (service: string): Promise<Record<string, string>> => {
    const database = await createTestDatabase(service);
    databases.push(database);
    if (database.target.kind === 'postgres') return { [databaseUrlVariable(service)]: database.target.url };
    return { DATA_DIR: mkdtempSync(path.join(folder, `${service}-`)) };
  };
  const stop = async () => {
    for (const service of processes) service.signal('SIGTERM');
    await Promise.all(processes.map((service) => service.exited));
    await Promise.all(databases.map((database) => database.drop()));
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const subgraphUrls: Record<string, string> = {};
    const metricsUrls: Record<string, string> = {};
    const names = subgraphNames();
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(
        names.slice(i, i + 2).map(async (name) => {
          const port = await freePort();
          const metricsPort = await freePort();
          const serviceEnv = {
            ...env,
            ...(await databaseEnv(name)),
            PORT: String(port),
            METRICS_PORT: String(metricsPort),
            CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
            SEED_ENTERPRISES: String(enterprises),
          };
          processes.push(await startProcess(['subgraph', name], serviceEnv, new RegExp(`\\[${name}\\] ready at`), 180_000));
          subgraphUrls[name] = `http://127.0.0.1:${port}/graphql`;
          metricsUrls[name] = `http://127.0.0.1:${metricsPort}/metrics`;
        }),
      );
    }
    const port = await freePort();
    const metricsPort = await freePort();
    metricsUrls.gateway = `http://127.0.0.1:${metricsPort}/metrics`;
    const gatewayEnv = {
      ...env,
      ...gatewayEnvironment(subgraphUrls),
      ...(await databaseEnv('gateway')),
      GATEWAY_PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SUPERGRAPH_PATH,
      PLAYGROUND_TOKENS: JSON.stringify(await demoTokens(TEST_JWT_SECRET)),
    };
    processes.push(await startProcess(['gateway'], gatewayEnv, /\[gateway\] readiness/, 180_000));
    return { gatewayUrl: `http://127.0.0.1:${port}/graphql`, subgraphUrls, metricsUrls, enterprises, transport: 'http', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startInProcessStack(enterprises: number, transport: 'in-process' | 'http'): Promise<Stack> {
  const names = subgraphNames();
  const subgraphs: RunningSubgraph<unknown>[] = [];
  // Two at a time: each start initialises a database and seeds it, on a two-core machine.
  for (let i = 0; i < names.length; i += 2) {
    subgraphs.push(
      ...(await Promise.all(
        names.slice(i, i + 2).map((name) => startTestSubgraph(SUBGRAPH_DEFINITIONS[name] as never, enterprises)),
      )),
    );
  }
  const subgraphUrls = Object.fromEntries(subgraphs.map((s) => [s.name, s.url]));
  // startTestSubgraph verifies with TEST_CALLER_SECRET; the gateway signs with the same one.
  const env = gatewayEnvironment(subgraphUrls);
  const gatewayDatabase = await createTestDatabase('gateway');
  const gateway = await startGateway(
    // The runner's LOG_LEVEL (warn): an access line for every request of every file would drown the output.
    { ...loadConfig({ ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? '' }), port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: gatewayDatabase.target },
    {
      playgroundTokens: await demoTokens(TEST_JWT_SECRET),
      inProcessSubgraphs: transport === 'in-process' ? subgraphs.map((subgraph) => subgraph.inProcess) : [],
    },
  );
  console.log(`[e2e] shared gateway calls the subgraphs ${transport === 'in-process' ? 'in-process' : 'over HTTP'}`);
  return {
    gatewayUrl: gateway.url,
    subgraphUrls,
    metricsUrls: { ...Object.fromEntries(subgraphs.map((s) => [s.name, s.metricsUrl!])), gateway: gateway.metricsUrl! },
    enterprises,
    transport,
    async stop() {
      await gateway.stop();
      await gatewayDatabase.drop();
      await Promise.all(subgraphs.map((s) => s.stop()));
    },
  };
}

/** SQL statements a subgraph has sent so far, read from its Prometheus endpoint (`metricsUrl`). */
export async function sqlStatements(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const match = /^credit_graph_sql_statements_total (\d+)/m.exec(text);
  if (!match) throw new Error(`no SQL statement counter at ${metricsUrl}`);
  return Number(match[1]);
}
