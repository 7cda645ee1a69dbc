// The gateway's status probe reaches a subgraph on any port the subgraph client reaches: WHATWG
// fetch refuses "bad ports" (6000, 6665, ...) that undici's request, used for every subgraph
// call, does not (issue 10 §8: internal calls never depend on fetch's port list).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbes } from '../src/ops/readiness.ts';

// Ports the Fetch standard blocks (https://fetch.spec.whatwg.org/#port-blocking), tried in turn
// until one is free on this machine.
const FETCH_BLOCKED_PORTS = [6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080, 5060, 5061];
const SECRET = 'probes-test-caller-signing-secret-0123456789';

function listenOn(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

let subgraph: Server;
let subgraphPort = 0;
let gateway: Server;
let gatewayUrl = '';

beforeAll(async () => {
  for (const port of FETCH_BLOCKED_PORTS) {
    subgraph = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { __typename: 'Query' } }));
      });
    });
    if (await listenOn(subgraph, port)) {
      subgraphPort = port;
      break;
    }
  }
  if (!subgraphPort) throw new Error(`none of the fetch-blocked ports ${FETCH_BLOCKED_PORTS.join(', ')} is free`);
  const probes = createProbes({
    subgraphs: [{ name: 'finance', url: `http://127.0.0.1:${subgraphPort}/graphql` }],
    isSupergraphLoaded: () => true,
    checkDatabase: async () => undefined,
    timeoutMs: 2000,
    callerKeys: SECRET,
  });
  gateway = createServer((req, res) => void probes.routes['/status'](req, res));
  await listenOn(gateway, 0);
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/status`;
});

afterAll(async () => {
  await new Promise((resolve) => gateway?.close(resolve));
  await new Promise((resolve) => subgraph?.close(resolve));
});

describe('/status', () => {
  it('probes a subgraph on a port WHATWG fetch refuses', async () => {
    await expect(fetch(`http://127.0.0.1:${subgraphPort}/graphql`)).rejects.toThrow(); // fetch refuses the port
    const status = (await (await fetch(gatewayUrl)).json()) as { failing: string[]; subgraphs: Record<string, { state: string }> };
    expect(status.subgraphs.finance!.state).toBe('ok');
    expect(status.failing).toEqual([]);
  });
});
