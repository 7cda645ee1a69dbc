// The gateway when a subgraph is slow, crashes or restarts, and when the gateway itself is
// stopped: the trade subgraph runs as a real process that the tests freeze (SIGSTOP), kill
// and restart on the same port and database, beside the shared stack's other subgraphs. The rest of
// the answer keeps coming, the circuit opens and closes, /status tells what is wrong (and /ready
// stays ready: one sector down is no reason to take the gateway out of service), no
// audited answer leaves without its record, and a stopped gateway finishes what it started.
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrlVariable, openDatabase, SUPERGRAPH_PATH, type DatabaseTarget } from '@credit-graph/contract';
import { loadConfig, startGateway, subgraphUrlVariable, type GatewayApp } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { createTestDatabase, graphql, TEST_CALLER_SECRET, TEST_METRICS } from '@credit-graph/subgraph-kit/testing';
import { headersFor } from './support/callers.ts';
import { freePort, startProcess, type ServiceProcess } from './support/processes.ts';
import { sqlStatements, TEST_JWT_SECRET } from './support/stack.ts';

const { subgraphUrls, metricsUrls, enterprises } = inject('stack');
const traders = seedUniverse(enterprises).filter((e) => e.sectors.trade);
const trader = traders[0]!;
const folder = mkdtempSync(path.join(tmpdir(), 'resilience-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(folder, { recursive: true, force: true });
});

// A regulator reading trade volumes (non-public): every answer is audited.
const CHECK = (name: string) =>
  `query ${name}($u: USCC!) { enterprise(uscc: $u) { uscc name trade { customsCredit { category } volumes { year } } } }`;
let regulator: Record<string, string>;

/** A database a process can be restarted on: PostgreSQL, or PGlite files in a folder. */
async function processDatabase(service: string): Promise<{ env: Record<string, string>; target: DatabaseTarget }> {
  const database = await createTestDatabase(service);
  cleanups.push(() => database.drop());
  if (database.target.kind === 'postgres') return { env: { [databaseUrlVariable(service)]: database.target.url }, target: database.target };
  const dataDir = mkdtempSync(path.join(folder, `${service}-`));
  return { env: { DATA_DIR: dataDir }, target: { kind: 'pglite', dataDir: path.join(dataDir, service) } };
}

let trade: ServiceProcess;
let tradeUrl: string;
let tradeEnv: Record<string, string>;

async function startTrade(): Promise<void> {
  trade = await startProcess(['subgraph', 'trade'], tradeEnv, /\[trade\] ready at/);
  const running = trade;
  cleanups.push(() => running.signal('SIGKILL'));
}

async function killTrade(): Promise<void> {
  trade.signal('SIGKILL');
  await trade.exited;
}

/** The stack's subgraphs, but trade: the process under test. */
let subgraphUrlEnv: Record<string, string>;
let app: GatewayApp;
// Short enough to keep the hang test quick, long enough that a loaded CI machine (two suites on
// two cores) answers a healthy call within it: 400 ms timed out healthy calls there.
const TIMEOUT_MS = 1500;
const COOLDOWN_MS = 600;

type SubgraphState = { state: string; circuit: string };
/** /status (for people), and whether /ready answered 200. */
async function status(): Promise<{ ready: boolean; body: { failing: string[]; subgraphs: Record<string, SubgraphState> } }> {
  const ready = (await fetch(app.url.replace(/\/graphql$/, '/ready'))).status === 200;
  const response = await fetch(app.url.replace(/\/graphql$/, '/status'));
  return { ready, body: (await response.json()) as never };
}

/**
 * /status once its subgraph probes have seen `subgraph` answer (`ok`) or not: it reuses a round
 * of probes for STATUS_MIN_INTERVAL_MS, so right after a change it may still show the last
 * round. Bounded: the last answer after 5 s.
 */
async function statusOnce(subgraph: string, ok: boolean): Promise<Awaited<ReturnType<typeof status>>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const current = await status();
    if ((current.body.subgraphs[subgraph]?.state === 'ok') === ok || Date.now() > deadline) return current;
    await sleep(100);
  }
}

beforeAll(async () => {
  regulator = await headersFor('REGULATOR', 'SUPERVISION');
  const port = await freePort();
  tradeUrl = `http://127.0.0.1:${port}/graphql`;
  const database = await processDatabase('trade');
  tradeEnv = { ...database.env, PORT: String(port), CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, SEED_ENTERPRISES: String(enterprises) };
  await startTrade();

  subgraphUrlEnv = Object.fromEntries(
    Object.entries({ ...subgraphUrls, trade: tradeUrl }).map(([name, url]) => [subgraphUrlVariable(name), url]),
  );
  const gatewayDatabase = await createTestDatabase('gateway-resilience');
  cleanups.push(() => gatewayDatabase.drop());
  const config = loadConfig({
    CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
    JWT_SECRET: TEST_JWT_SECRET,
    ...subgraphUrlEnv,
    SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
    SUBGRAPH_CIRCUIT_THRESHOLD: '3',
    SUBGRAPH_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
    RATE_LIMIT_CAPACITY: '100000',
    RATE_LIMIT_PER_SECOND: '100000',
  });
  app = await startGateway({ ...config, port: 0, metrics: TEST_METRICS, supergraphPath: SUPERGRAPH_PATH, database: gatewayDatabase.target }, { examples: [] });
  cleanups.push(() => app.stop());
});

/** Asks until trade answers again (its circuit lets a probe through after the cool-down). */
async function untilTradeAnswers(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await graphql(app.url, CHECK('Probe'), { u: trader.uscc }, regulator);
    if (result.data?.enterprise?.trade) return;
    if (Date.now() > deadline) throw new Error(`trade did not answer again: ${JSON.stringify(result.errors)}`);
    await sleep(50);
  }
}

describe('one subgraph down or slow', () => {
  it('answers from both subgraphs while both are up', async () => {
    const result = await graphql(app.url, CHECK('Healthy'), { u: trader.uscc }, regulator);
    expect(result.errors).toBeUndefined();
    expect(result.data.enterprise).toMatchObject({ uscc: trader.uscc, name: trader.name });
    expect(result.data.enterprise.trade.volumes.length).toBeGreaterThan(0);
    expect(await status()).toMatchObject({ ready: true, body: { failing: [], subgraphs: { registry: { state: 'ok' }, trade: { state: 'ok' } } } });
  });

  it('answers the registry part after the timeout when trade hangs, naming trade and the timeout', async () => {
    trade.signal('SIGSTOP');
    try {
      const started = Date.now();
      const result = await graphql(app.url, CHECK('Slow'), { u: trader.uscc }, regulator);
      const elapsed = Date.now() - started;
      expect(result.status).toBe(200);
      expect(result.data.enterprise).toEqual({ uscc: trader.uscc, name: trader.name, trade: null });
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'timeout' });
      expect(result.errors?.[0]?.message).toMatch(new RegExp(`^The trade service did not answer within ${TIMEOUT_MS} ms`));
      // One attempt: a timed-out read is not retried.
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    } finally {
      trade.signal('SIGCONT');
    }
    await untilTradeAnswers();
  });

  it('opens the circuit when trade is killed: partial answers at once, /status names trade with its open circuit, /ready stays ready', async () => {
    await killTrade();
    const first = await graphql(app.url, CHECK('Killed'), { u: trader.uscc }, regulator);
    expect(first.status).toBe(200);
    expect(first.data.enterprise).toEqual({ uscc: trader.uscc, name: trader.name, trade: null });
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'unreachable' });
    expect(first.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|http:/);

    // That read was tried three times (two retries): three consecutive failures open the circuit,
    // and the next read fails without a call (gateway/test/resilience.test.ts counts the calls).
    const fast = await graphql(app.url, CHECK('CircuitOpen'), { u: trader.uscc }, regulator);
    expect(fast.data.enterprise).toEqual({ uscc: trader.uscc, name: trader.name, trade: null });
    expect(fast.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'trade', reason: 'circuit open', retryAfterSeconds: 1 });

    expect(await statusOnce('trade', false)).toMatchObject({
      ready: true,
      body: {
        failing: ['trade'],
        subgraphs: { registry: { state: 'ok' }, finance: { state: 'ok' }, trade: { state: 'ECONNREFUSED', circuit: 'open' } },
      },
    });
  });

  it('closes the circuit after trade restarts: trade answers again and /status shows it', async () => {
    await startTrade();
    await untilTradeAnswers();
    expect(await statusOnce('trade', true)).toMatchObject({ ready: true, body: { subgraphs: { registry: { state: 'ok' }, trade: { state: 'ok', circuit: 'closed' } } } });
  });
});

describe('audit under load while trade is killed and restarted', () => {
  it('answers every request with 200 and the registry part, and every answer has exactly its audit record', async () => {
    interface Answer { name: string; status: number; data: any; errors?: { extensions?: Record<string, unknown> }[] }
    const answers: Answer[] = [];
    let sent = 0;
    let stop = false;
    const deadline = Date.now() + 30_000; // the stream stops by itself whatever happens
    const worker = async () => {
      while (!stop && Date.now() < deadline) {
        const name = `Stream_${sent++}`;
        const result = await graphql(app.url, CHECK(name), { u: traders[sent % 20]!.uscc }, regulator);
        answers.push({ name, status: result.status, data: result.data, errors: result.errors });
      }
    };
    const until = async (condition: () => boolean) => {
      while (!condition() && Date.now() < deadline) await sleep(10);
    };
    const workers = Array.from({ length: 4 }, worker);

    await until(() => answers.length >= 30);
    await killTrade();
    const killedAt = answers.length;
    await until(() => answers.slice(killedAt).some((a) => a.data?.enterprise?.trade === null));
    await startTrade();
    const restartedAt = answers.length;
    await until(() => answers.slice(restartedAt).filter((a) => a.data?.enterprise?.trade).length >= 30);
    stop = true;
    await Promise.all(workers);

    // The gateway kept answering: no 5xx, the registry part every time, and trade's absence was felt.
    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.name}: ${a.status}`)).toEqual([]);
    expect(answers.filter((a) => typeof a.data?.enterprise?.name !== 'string').map((a) => JSON.stringify(a)).slice(0, 3)).toEqual([]);
    const partial = answers.filter((a) => a.errors);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.every((a) => a.data.enterprise.trade === null && a.errors?.[0]?.extensions?.code === 'SUBGRAPH_UNAVAILABLE')).toBe(true);
    expect(answers.slice(restartedAt).filter((a) => a.data.enterprise.trade).length).toBeGreaterThanOrEqual(30);

    // No record lost, none twice: each answer's record, with the outcome the caller saw.
    const records = await app.database.db.auditRecord.findMany({
      where: { operationName: { startsWith: 'Stream_' } },
      select: { operationName: true, outcome: true, subjects: true, role: true },
    });
    const byName = new Map(records.map((record) => [record.operationName, record]));
    expect(records.length).toBe(answers.length);
    expect(byName.size).toBe(answers.length);
    for (const answer of answers) {
      expect(byName.get(answer.name), answer.name).toMatchObject({
        outcome: answer.errors ? 'partial' : 'ok',
        role: 'REGULATOR',
        // The subjects are what was read: trade's non-public volumes, unless trade was down.
        subjects: answer.data.enterprise.trade ? [answer.data.enterprise.uscc] : [],
      });
    }
    console.log(`[resilience] ${answers.length} answers (${partial.length} partial) across a trade restart, ${records.length} audit records`);
  });
});

describe('stopping the gateway process', () => {
  it('on SIGTERM turns unready first while still serving, then refuses new connections, finishes the request in flight with its audit record, and exits', async () => {
    const port = await freePort();
    const database = await processDatabase('gateway');
    const gateway = await startProcess(
      ['gateway'],
      {
        ...database.env,
        GATEWAY_PORT: String(port),
        CALLER_SIGNING_SECRET: TEST_CALLER_SECRET,
        JWT_SECRET: TEST_JWT_SECRET,
        ...subgraphUrlEnv,
        SUBGRAPH_TIMEOUT_MS: '10000',
        SHUTDOWN_DELAY_MS: '1500',
        // Far beyond the bound below: an exit at the drain budget cannot pass for a prompt one.
        SHUTDOWN_DRAIN_MS: '30000',
      },
      /\[gateway\] readiness/,
    );
    cleanups.push(() => gateway.signal('SIGKILL'));
    const url = `http://127.0.0.1:${port}/graphql`;

    trade.signal('SIGSTOP'); // the request will wait for trade
    try {
      const registryBefore = await sqlStatements(metricsUrls.registry!);
      const inFlight = graphql(url, CHECK('InFlight'), { u: trader.uscc }, regulator);
      // In flight at the gateway: it has asked the registry and now waits for trade.
      while ((await sqlStatements(metricsUrls.registry!)) === registryBefore) await sleep(10);

      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      gateway.signal('SIGTERM');
      // First unready (the load balancer's cue), while still answering everything else...
      let ready = await fetch(`http://127.0.0.1:${port}/ready`);
      for (let i = 0; i < 100 && ready.status === 200; i++) ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'draining' });
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // ...then it stops accepting connections and drains.
      expect(await refusedWithin(port, 5000)).toBe('ECONNREFUSED');
      expect(gateway.child.exitCode).toBeNull(); // still draining
      trade.signal('SIGCONT');

      const result = await inFlight;
      const answeredAt = Date.now();
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      expect(result.data.enterprise.trade.volumes.length).toBeGreaterThan(0);
      expect(await gateway.exited).toBe(0);
      // Right after its last answer (the checkpoints of three chains written on the way out): not
      // after an idle keep-alive connection's 5 s timeout, nor the 30 s drain budget.
      expect(Date.now() - answeredAt).toBeLessThan(4000);
    } finally {
      trade.signal('SIGCONT');
    }
    const db = await openDatabase(database.target);
    try {
      const rows = await db.query<{ outcome: string }>(`SELECT outcome FROM "AuditRecord" WHERE "operationName" = 'InFlight'`);
      expect(rows).toEqual([{ outcome: 'ok' }]);
    } finally {
      await db.close();
    }
  });
});

/** Opens fresh connections to /health until one is refused; resolves with the error code. */
async function refusedWithin(port: number, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const code = await new Promise<string | undefined>((resolve) => {
      get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(undefined));
      }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    // A connection caught in the listen backlog as the listener closes is reset, not refused:
    // the server is closing, not accepting; probe again until the port refuses outright.
    if (code && code !== 'ECONNRESET') return code;
    await sleep(10);
  }
  return 'still accepting';
}
