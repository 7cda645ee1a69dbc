// Probes that mean something (issue 11 §5), with the database really going away: the gateway's
// and a subgraph's PostgreSQL connections pass through a TCP proxy that the test freezes (a
// database that stops answering) and stops (one that refuses connections).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { registry } from '@credit-graph/registry';
import { startSubgraph, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { createTestDatabase, TEST_CALLER_SECRET, type TestDatabase, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls } = inject('stack');
const READINESS_TIMEOUT_MS = 500;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A TCP proxy to PostgreSQL that can stop answering (freeze) or refuse connections (stop). */
async function databaseProxy(target: URL) {
  const pairs = new Set<[Socket, Socket]>();
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as { port: number }).port;
  };
  await open();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    /** Connections stay open, but nothing passes any more: queries wait for ever. */
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe();
        upstream.unpipe();
      }
    },
    /** Every connection is cut and new ones are refused. */
    async stop() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      if (server?.listening) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    /** Accepts and forwards again, on the same port. */
    resume: open,
  };
}

async function probe(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function proxiedDatabase(label: string): Promise<{ database: TestDatabase; proxy: Awaited<ReturnType<typeof databaseProxy>> }> {
  const database = await createTestDatabase(label);
  cleanups.push(() => database.drop());
  const proxy = await databaseProxy(new URL((database.target as { url: string }).url));
  cleanups.push(() => proxy.stop());
  return { database, proxy };
}

// The proxy needs a PostgreSQL server; CI sets TEST_DATABASE_URL. Without it these show as skipped.
describe.runIf(process.env.TEST_DATABASE_URL)('probes with the database stopped', () => {
  it("gateway: /ready follows its own database (frozen: 503 within the timeout; refused: 503), /health does not", async () => {
    const { proxy } = await proxiedDatabase('probes-gateway');
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(subgraphUrls).map(([name, url]) => [subgraphUrlVariable(name), url])),
      CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      READINESS_TIMEOUT_MS: String(READINESS_TIMEOUT_MS),
    });
    const app: GatewayApp = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, database: { kind: 'postgres', url: proxy.url } }, { examples: [] });
    cleanups.push(() => app.stop());
    const base = app.url.replace(/\/graphql$/, '');
    expect(await probe(base, '/ready')).toEqual({ status: 200, body: { status: 'ready', supergraphLoaded: true, database: 'ok' } });

    proxy.freeze();
    const started = performance.now();
    const frozen = await probe(base, '/ready');
    expect(frozen.status).toBe(503);
    expect(frozen.body).toMatchObject({ status: 'not ready', database: `unreachable: no answer within ${READINESS_TIMEOUT_MS} ms` });
    // Bounded: the probe answers although the database never does (generous bound for a loaded machine).
    expect(performance.now() - started).toBeLessThan(READINESS_TIMEOUT_MS + 5000);
    expect((await probe(base, '/health')).status).toBe(200);

    await proxy.stop();
    const stopped = await probe(base, '/ready');
    expect(stopped.status).toBe(503);
    expect(String(stopped.body.database)).toMatch(/^unreachable: /);
    expect(JSON.stringify(stopped.body)).not.toMatch(/postgres(ql)?:\/\//);
    expect((await probe(base, '/health')).status).toBe(200);
    // /status says the same, for people, with every subgraph still answering.
    const status = await probe(base, '/status');
    expect(status.status).toBe(200);
    expect(status.body.failing).toEqual([]);
    expect(String(status.body.database)).toMatch(/^unreachable: /);

    await proxy.resume();
    let back = await probe(base, '/ready');
    for (let i = 0; i < 20 && back.status !== 200; i++) back = await probe(base, '/ready');
    expect(back.status).toBe(200);
  });

  it('subgraph: /ready checks its database within the timeout, /health does not', async () => {
    const { proxy } = await proxiedDatabase('probes-subgraph');
    const subgraph: RunningSubgraph<unknown> = await startSubgraph(registry, {
      database: { kind: 'postgres', url: proxy.url },
      callerSecret: TEST_CALLER_SECRET,
      readinessTimeoutMs: READINESS_TIMEOUT_MS,
    });
    cleanups.push(() => subgraph.stop());
    const base = subgraph.url.replace(/\/graphql$/, '');
    expect(await probe(base, '/ready')).toEqual({ status: 200, body: { status: 'ready', subgraph: 'registry', database: 'ok' } });

    proxy.freeze();
    const frozen = await probe(base, '/ready');
    expect(frozen).toEqual({ status: 503, body: { status: 'not ready', subgraph: 'registry', database: `unreachable: no answer within ${READINESS_TIMEOUT_MS} ms` } });
    expect(await probe(base, '/health')).toEqual({ status: 200, body: { status: 'ok', subgraph: 'registry' } });

    await proxy.stop();
    const stopped = await probe(base, '/ready');
    expect(stopped.status).toBe(503);
    expect(String(stopped.body.database)).toMatch(/^unreachable: /);
    expect((await probe(base, '/health')).status).toBe(200);
  });
});
