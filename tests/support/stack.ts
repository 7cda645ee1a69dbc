// The whole product in one process for end-to-end tests: every subgraph on an ephemeral port
// with its own fresh database (PGlite in memory, or PostgreSQL when TEST_DATABASE_URL is set),
// and the gateway on the checked-in supergraph, pointed at them by URL overrides.
import { isGatewayHosted, readManifest, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import type { RunningSubgraph } from '@credit-graph/subgraph-kit';
import { createTestDatabase, startTestSubgraph, TEST_CALLER_SECRET } from '@credit-graph/subgraph-kit/testing';
import { demoTokens } from '../../scripts/demo-credentials.ts';
import { SUBGRAPH_DEFINITIONS, type SubgraphName } from '../../scripts/subgraphs.ts';

/** Signs the end-to-end tests' tokens; the stack's gateway verifies with it. */
export const TEST_JWT_SECRET = 'end-to-end-test-jwt-secret-0123456789abcdef';

export interface StackInfo {
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  enterprises: number;
}

export interface Stack extends StackInfo {
  gateway: GatewayApp;
  subgraphs: RunningSubgraph<unknown>[];
  stop(): Promise<void>;
}

export async function startStack(enterprises: number): Promise<Stack> {
  const names = readManifest()
    .filter((entry) => !isGatewayHosted(entry))
    .map((entry) => entry.name) as SubgraphName[];
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
  const env = {
    ...Object.fromEntries(subgraphs.map((s) => [subgraphUrlVariable(s.name), s.url])),
    CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    // Generous: the end-to-end files send bursts from one test caller.
    RATE_LIMIT_CAPACITY: '10000',
    RATE_LIMIT_PER_SECOND: '10000',
    // The playground test runs the examples with the demo tokens, as `npm start` does.
    PLAYGROUND_DEMO_TOKENS: 'true',
  };
  const gatewayDatabase = await createTestDatabase('gateway');
  const gateway = await startGateway(
    { ...loadConfig(env), port: 0, supergraphPath: SUPERGRAPH_PATH, database: gatewayDatabase.target },
    { playgroundTokens: await demoTokens(TEST_JWT_SECRET) },
  );
  return {
    gateway,
    subgraphs,
    gatewayUrl: gateway.url,
    subgraphUrls,
    enterprises,
    async stop() {
      await gateway.stop();
      await gatewayDatabase.drop();
      await Promise.all(subgraphs.map((s) => s.stop()));
    },
  };
}

/** SQL statements a subgraph has sent so far, read from its Prometheus endpoint. */
export async function sqlStatements(subgraphUrl: string): Promise<number> {
  const text = await (await fetch(subgraphUrl.replace(/\/graphql$/, '/metrics'))).text();
  const match = /^credit_graph_sql_statements_total (\d+)/m.exec(text);
  if (!match) throw new Error(`no SQL statement counter at ${subgraphUrl}`);
  return Number(match[1]);
}
