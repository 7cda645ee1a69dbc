// Peer (d): Hive Gateway (@graphql-hive/gateway) on the same supergraph, its runtime with
// default options on node:http, in one process (the CLI would fork workers in production mode;
// every gateway here runs one process). The one customization: an onFetch plugin that adds the
// signed caller headers to every subgraph call, over its body.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway';
import { host, port, signedCallerHeaders, supergraphPath } from './signed-caller.ts';

const signCalls: GatewayPlugin = {
  async onFetch({ url, options, setOptions }) {
    const signed = await signedCallerHeaders(url, String(options.body ?? ''), options.method ?? 'POST');
    setOptions({ ...options, headers: { ...(options.headers as Record<string, string>), ...signed } });
  },
};

const gateway = createGatewayRuntime({ supergraph: readFileSync(supergraphPath, 'utf8'), plugins: () => [signCalls] });
const server = createServer(gateway);
server.listen(port, host, () => console.log(`[hive-gateway] http://${host}:${port}/graphql`));
