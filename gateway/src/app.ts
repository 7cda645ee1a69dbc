// The one place where the gateway is wired together. Reading this file tells what happens
// to a request: transport (HTTP, body checks) -> input checks -> query planning ->
// subgraph calls. The trust layer (identity -> authorization -> consent -> limits -> audit)
// plugs into `plugins` and `buildService` below, in that order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { createGraphQLHandler, formatError, sendJson } from '@credit-graph/contract';
import type { GatewayConfig } from './config.ts';
import { installInputScalars } from './input-scalars.ts';
import { createPlayground, loadExamples, type PlaygroundExample } from './playground/index.ts';
import { createReadiness } from './readiness.ts';
import { SubgraphClient } from './subgraph-client.ts';
import { loadSupergraph, type Supergraph } from './supergraph.ts';

export const GRAPHQL_PATH = '/graphql';
const DEFAULT_EXAMPLES = fileURLToPath(new URL('./playground/examples.json', import.meta.url));

export interface GatewayApp {
  url: string;
  supergraph: Supergraph;
  stop(): Promise<void>;
}

export interface GatewayAppOptions {
  examples?: PlaygroundExample[];
}

export async function startGateway(config: GatewayConfig, options: GatewayAppOptions = {}): Promise<GatewayApp> {
  const supergraph = loadSupergraph(config.supergraphPath, config.subgraphUrls);
  const urls = new Map(supergraph.subgraphs.map((s) => [s.name, s.url]));

  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.sdl,
    buildService: ({ name, url }) => new SubgraphClient(name, urls.get(name) ?? url!),
  });
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    installInputScalars(apiSchema);
    supergraphLoaded = true;
  });

  const plugins: ApolloServerPlugin<BaseContext>[] = [ApolloServerPluginLandingPageDisabled()];
  const server = new ApolloServer<BaseContext>({
    gateway,
    plugins,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
  });
  await server.start();

  const playground = createPlayground({
    graphqlPath: GRAPHQL_PATH,
    examples: options.examples ?? loadExamples(DEFAULT_EXAMPLES),
  });
  const handler = createGraphQLHandler({
    server,
    path: GRAPHQL_PATH,
    context: async () => ({}),
    maxBodyBytes: config.maxBodyBytes,
    routes: {
      ...playground.routes,
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': createReadiness({
        subgraphs: supergraph.subgraphs,
        isSupergraphLoaded: () => supergraphLoaded,
        timeoutMs: config.readinessTimeoutMs,
      }),
    },
    prefixRoutes: playground.prefixRoutes,
  });

  const httpServer: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}${GRAPHQL_PATH}`,
    supergraph,
    async stop() {
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await server.stop();
    },
  };
}
