// `npm run bench`: seeds PostgreSQL with 100,000 enterprises (or reuses that seed), starts the
// six subgraphs, and drives the same load, on the same subgraphs and data, against
//   (a) this gateway, trust layer on (bank token, consents, audit)
//   (b) this gateway, TRUST_LAYER=off
//   (c) bare @apollo/gateway on @apollo/server defaults
//   (d) Hive Gateway
//   (f) the floor: the subgraphs' SQL statements run with pg in one process (src/floor.ts)
// then writes bench/RESULTS.md. Ours run as production does: `npm run build`, then
// `node dist/credit-graph.mjs subgraph <name>` and `... gateway`. Options: --enterprises N, --connections N, --warmup S,
// --duration S, --gateways a,b,c,d, --scenarios single,portfolio100,portfolio500,search,
// --reseed, --out FILE. PostgreSQL: BENCH_DATABASE_URL (an admin connection, default
// postgresql://postgres@127.0.0.1:5432/postgres); Redis: REDIS_URL (default redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrlVariable, isGatewayHosted, NODE_OPTIONS_OF, readManifest, SUPERGRAPH_PATH } from '@credit-graph/contract';
import { signToken, TRUST_LAYER_OFF_CALLER } from '@credit-graph/gateway';
import { seedUniverse } from '@credit-graph/subgraph-kit';
import { DEMO_BANK } from '../../scripts/demo-credentials.ts';
import { BUILT_CLI, buildDist } from '../../scripts/build.ts';
import { bundleEntry } from './bundle.ts';
import { measure, type Measurement } from './load.ts';
import { supergraphForHive } from './peers/hive-supergraph.ts';
import { assertPortFree, killAll, logPath, rssBytes, startProcess, waitForHttp, type Service } from './processes.ts';
import { measureShape, SHAPES, type ShapeMeasurement } from './shapes.ts';
import { portVariable } from '../../scripts/settings.ts';
import { FLOOR_SCENARIOS, GATEWAY_TITLES, gatewayCpuMs, renderResults, totalCpuMs, type GatewayId, type ReportInput, type Verification } from './report.ts';
import { buildScenarios, enterprisePool, SCENARIOS, type Scenario, type ScenarioName } from './scenarios.ts';
import { benchDatabaseName, databaseUrl, ensureDatabase, ensureSeeded } from './seed.ts';

const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const ROOT = path.dirname(BENCH_DIR);
const RAW_DIR = path.join(BENCH_DIR, 'results-raw');
const HOST = '127.0.0.1';
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 4800);
/** Enterprises the bank checks: the single checks cycle through them, the portfolios are cut from them. */
const POOL_SIZE = 4000;
/** Enterprises the bank checks (and has consent for) in the npm start shapes' short load. */
const SHAPE_CONSENTS = 500;

const { values } = parseArgs({
  options: {
    enterprises: { type: 'string', default: '100000' },
    // The defaults are RESULTS.md's run (sessions 7 and 8): four connections keep two cores busy
    // without a queue, so latency is service time and CPU per check is not inflated by contention
    // (at 16, the single check's p50 was 523 ms of mostly queueing).
    connections: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    // The portfolios measure a fixed count of answers (their p50 needs more than a window holds).
    'portfolio-requests': { type: 'string', default: '8' },
    // V8 flags (NODE_OPTIONS) for npm start's launcher: by default those of package.json's start
    // script (NODE_OPTIONS_OF.embedded); the launcher gives its children their own (scripts/start.ts).
    'start-node-options': { type: 'string', default: NODE_OPTIONS_OF.embedded },
    // Skips npm start's two shapes (in-process, separate services: time to ready, total RSS, a short check load).
    'skip-shapes': { type: 'boolean', default: false },
    gateways: { type: 'string', default: 'a,b,c,d,f' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    reseed: { type: 'boolean', default: false },
    // Levers: every process through tsx instead of built JavaScript, and V8 flags for ours.
    tsx: { type: 'boolean', default: false },
    // V8 flags for our gateway, (a) and (b): by default the Kubernetes manifests' heap flags
    // (schema/src/heap-flags.ts, README "Memory"): without them V8 lets garbage grow past 300 MB RSS.
    'node-options': { type: 'string', default: NODE_OPTIONS_OF.gateway },
    // The same for our six subgraph processes.
    'subgraph-node-options': { type: 'string', default: NODE_OPTIONS_OF.subgraph },
    out: { type: 'string', default: path.join(BENCH_DIR, 'RESULTS.md') },
  },
});
const enterprises = Number(values.enterprises);
const connections = Number(values.connections);
const warmupSeconds = Number(values.warmup);
const durationSeconds = Number(values.duration);
const portfolioRequests = Number(values['portfolio-requests']);
const gatewayIds = values.gateways.split(',') as GatewayId[];
const scenarioNames = values.scenarios.split(',') as ScenarioName[];
if (gatewayIds.some((g) => !(g in GATEWAY_TITLES)) || scenarioNames.some((s) => !SCENARIOS.includes(s))) {
  console.error(`--gateways takes a,b,c,d,f and --scenarios ${SCENARIOS.join(',')}`);
  process.exit(2);
}
// npm runs this script in bench/; a relative --out is meant from where npm was invoked.
const outFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const startedAt = new Date();
const loadStart = os.loadavg();
mkdirSync(RAW_DIR, { recursive: true });

const log = (line: string) => console.log(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const notes: string[] = [];
const services: Service[] = [];
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The supergraph with the bench's subgraph ports, served alike by all four gateways. */
function benchSupergraph(ports: Map<string, number>): string {
  const sdl = readFileSync(SUPERGRAPH_PATH, 'utf8').replace(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g, (whole, name: string) => {
    const port = ports.get(name);
    return port ? `@join__graph(name: "${name}", url: "http://${HOST}:${port}/graphql")` : whole;
  });
  const file = path.join(RAW_DIR, 'supergraph.graphql');
  writeFileSync(file, sdl);
  return file;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] } };
  }
}

async function waitForGraphQL(service: Service, url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let dead = false;
  void service.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${service.name} exited before it answered; see ${logFile}`);
    try {
      if ((await post(url, '{"query":"{ __typename }"}')).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} did not answer GraphQL at ${url}`);
}

/** Our gateway's /ready is 503 while a subgraph's circuit is open. */
async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  notes.push(`${url} was still not ready after 30 s; measured anyway`);
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function inPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
const subgraphNames = readManifest().filter((entry) => !isGatewayHosted(entry)).map((entry) => entry.name);
const seed = await ensureSeeded({ root: ROOT, adminUrl, subgraphs: subgraphNames, enterprises, reseed: values.reseed, log });
log(`data: ${Object.entries(seed.action).map(([n, a]) => `${n} ${a}`).join(', ')} (${seed.seconds.toFixed(0)} s)`);

// Fresh gateway database per run: consents and an empty audit log.
const gatewayDatabase = benchDatabaseName('gateway');
await ensureDatabase(adminUrl, gatewayDatabase, true);
const gatewayDatabaseUrl = databaseUrl(adminUrl, gatewayDatabase);

const callerSecret = randomBytes(32).toString('hex');
const jwtSecret = randomBytes(32).toString('hex');
const ports = new Map(subgraphNames.map((name, i) => [name, PORT_BASE + 1 + i]));
const supergraphPath = benchSupergraph(ports);
// Each subgraph serves its metrics (the SQL statement counter) on a port of its own, apart from GraphQL.
const metricsPorts = new Map(subgraphNames.map((name, i) => [name, PORT_BASE + 31 + i]));
const subgraphMetricsUrls = [...metricsPorts.values()].map((port) => `http://${HOST}:${port}/metrics`);
const hiveSupergraphPath = path.join(RAW_DIR, 'supergraph-hive.graphql');
// Every connection our processes open names this run (node-postgres reads PGAPPNAME), so that the
// PostgreSQL backends serving them, and only them, are found in pg_stat_activity.
const DATABASE_POOL_SIZE = process.env.BENCH_DATABASE_POOL_SIZE ?? '4';
const applicationName = `credit-graph-bench-${process.pid}`;
const runtimeEnv = { PGAPPNAME: applicationName };
if (!values.tsx) {
  const built = await buildDist();
  log(`built ${path.relative(ROOT, BUILT_CLI)} (${built.files} modules, ${(built.milliseconds / 1000).toFixed(1)} s): ours run from it with plain node`);
}
/** How one of our services starts: the built CLI (production) or its TypeScript entry through tsx. */
const ourEntry = (source: string, args: string[]) => (values.tsx ? { entry: source, args: [] } : { entry: BUILT_CLI, args });
writeFileSync(hiveSupergraphPath, supergraphForHive(readFileSync(supergraphPath, 'utf8')));

try {
  log('starting the six subgraphs');
  await Promise.all(
    subgraphNames.map(async (name) => {
      const file = logPath(RAW_DIR, `subgraph-${name}`);
      writeFileSync(file, '');
      const { entry, args } = ourEntry(path.join(ROOT, 'subgraphs', name, 'src/index.ts'), ['subgraph', name]);
      await assertPortFree(HOST, ports.get(name)!);
      const service = startProcess(name, entry, {
        ...runtimeEnv,
        PORT: String(ports.get(name)),
        HOST,
        METRICS_PORT: String(metricsPorts.get(name)),
        [databaseUrlVariable(name)]: databaseUrl(adminUrl, benchDatabaseName(name)),
        CALLER_SIGNING_SECRET: callerSecret,
        SEED_ENTERPRISES: '0',
        // The PostgreSQL server's connections are shared (max_connections, other users): each
        // subgraph keeps a small pool, enough for a 2-core machine (BENCH_DATABASE_POOL_SIZE).
        DATABASE_POOL_SIZE: DATABASE_POOL_SIZE,
      }, file, ROOT, values['subgraph-node-options'] ? values['subgraph-node-options'].split(/\s+/) : [], args);
      services.push(service);
      await waitForHttp(service, `http://${HOST}:${ports.get(name)}/health`, 300_000, file);
    }),
  );

  const subgraphPids = services.map((service) => service.pid);
  const subgraphProcesses = Object.fromEntries(services.map((service) => [service.name, service.pid]));
  const metricOf = (text: string) => Number(/^credit_graph_sql_statements_total (\d+)/m.exec(text)?.[1] ?? NaN);
  const sqlStatements = async () => {
    let total = 0;
    for (const url of subgraphMetricsUrls) total += metricOf(await (await fetch(url)).text());
    return total;
  };
  const gatewayDb = new pg.Pool({ connectionString: gatewayDatabaseUrl, max: 1 });
  // The PostgreSQL backends serving this run's connections (the server may serve others too).
  const backendPids = async () =>
    (await gatewayDb.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows.map((row) => row.pid);
  const auditRecords = async () => Number((await gatewayDb.query<{ n: string }>('SELECT count(*) AS n FROM "AuditRecord"')).rows[0]!.n);

  log(`building request lists from the ${enterprises.toLocaleString('en-US')}-enterprise universe`);
  const universe = seedUniverse(enterprises);
  const pool = enterprisePool(universe, POOL_SIZE);
  const scenarios = buildScenarios(ROOT, pool).filter((s) => scenarioNames.includes(s.name));
  const bankHeaders = {
    authorization: `Bearer ${await signToken(jwtSecret, { sub: 'bench-credit-officer', role: 'BANK', institution: DEMO_BANK.uscc }, { expiresIn: '4h' })}`,
    'x-credit-purpose': 'LOAN_APPROVAL',
  };

  const results: ReportInput['results'] = {};
  const verification: ReportInput['verification'] = {};
  const idleRssBytes: ReportInput['idleRssBytes'] = {};
  const samples = new Map<string, string>();
  let consents = 0;

  const gatewayProcess = (id: GatewayId, port: number): { entry: string; args: string[]; env: Record<string, string> } => {
    const common = { ...runtimeEnv, SUPERGRAPH_PATH: supergraphPath, CALLER_SIGNING_SECRET: callerSecret, APOLLO_TELEMETRY_DISABLED: 'true' };
    const ours = {
      ...common,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: HOST,
      JWT_SECRET: jwtSecret,
      GATEWAY_DATABASE_URL: gatewayDatabaseUrl,
      REDIS_URL: redisUrl,
      // The rate limit stays on, with a bucket the load never empties.
      RATE_LIMIT_CAPACITY: '100000000',
      RATE_LIMIT_PER_SECOND: '100000000',
      // The peers wait for their subgraphs as long as it takes; the default 3 s budget would
      // turn a loaded machine's slow portfolio answers into timeouts, retries and an open circuit.
      SUBGRAPH_TIMEOUT_MS: process.env.BENCH_SUBGRAPH_TIMEOUT_MS ?? '60000',
    };
    const peer = { ...common, PORT: String(port), HOST, BENCH_CALLER: JSON.stringify(TRUST_LAYER_OFF_CALLER) };
    const gateway = ourEntry(path.join(ROOT, 'gateway/src/main.ts'), ['gateway']);
    switch (id) {
      case 'a':
        return { ...gateway, env: ours };
      case 'b':
        return { ...gateway, env: { ...ours, TRUST_LAYER: 'off' } };
      case 'c':
        return { entry: path.join(BENCH_DIR, 'src/peers/apollo.ts'), args: [], env: peer };
      case 'd':
        return { entry: path.join(BENCH_DIR, 'src/peers/hive.ts'), args: [], env: { ...peer, SUPERGRAPH_PATH: hiveSupergraphPath } };
      case 'f':
        return {
          entry: path.join(BENCH_DIR, 'src/floor.ts'),
          args: [],
          env: {
            ...runtimeEnv,
            PORT: String(port),
            HOST,
            DATABASE_POOL_SIZE,
            ...Object.fromEntries(subgraphNames.map((name) => [databaseUrlVariable(name), databaseUrl(adminUrl, benchDatabaseName(name))])),
          },
        };
    }
  };

  async function grantConsents(url: string, enterprises = pool): Promise<void> {
    const mutation = 'mutation ($bank: USCC!) { grantConsent(institution: $bank, purpose: LOAN_APPROVAL, validForDays: 30) { id live } }';
    const failures: string[] = [];
    await inPool(enterprises, 8, async (enterprise) => {
      const token = await signToken(jwtSecret, { sub: `bench-admin-${enterprise.index}`, role: 'ENTERPRISE', uscc: enterprise.uscc }, { expiresIn: '1h' });
      const { json } = await post(url, JSON.stringify({ query: mutation, variables: { bank: DEMO_BANK.uscc } }), { authorization: `Bearer ${token}` });
      if (json.errors || !(json.data as { grantConsent?: { live: boolean } })?.grantConsent?.live) failures.push(json.errors?.[0]?.message ?? 'not live');
      else if (enterprises === pool) consents++;
    });
    if (failures.length > 0) throw new Error(`${failures.length} consents were not granted: ${failures[0]}`);
  }

  async function verify(id: GatewayId, url: string, scenario: Scenario, headers: Record<string, string>): Promise<Verification> {
    const reasons: string[] = [];
    const sampleSize = Math.min(3, scenario.bodies.length);
    let sameAsReference = 0;
    let compared = 0;
    for (let i = 0; i < sampleSize; i++) {
      const { status, json } = await post(url, scenario.bodies[i]!, headers);
      const wrong =
        status !== 200 ? `HTTP ${status}${json.errors?.[0] ? `: ${json.errors[0].message.slice(0, 160)}` : ''}`
        : json.errors ? `${json.errors.length} GraphQL error(s), first ${json.errors[0]!.extensions?.code ?? ''}: ${json.errors[0]!.message.slice(0, 160)}`
        : scenario.check(json.data, i);
      if (wrong) reasons.push(`request ${i}: ${wrong}`);
      // (b), (c) and (d) sign as the same caller: their answers must be identical. The floor
      // builds the same shape without the subgraphs' rules (record states, masking): not compared.
      const answer = JSON.stringify(json.data ?? null);
      const key = `${scenario.name}/${i}`;
      if (id !== 'a' && id !== 'f') {
        const reference = samples.get(key);
        if (reference === undefined) samples.set(key, answer);
        else {
          compared++;
          if (reference === answer) sameAsReference++;
        }
      }
    }
    if (reasons.length > 0) return { ok: false, detail: reasons[0]! };
    const detail = `${sampleSize} sampled` + (compared > 0 ? `, ${sameAsReference}/${compared} identical to the first of (b)/(c)/(d)` : '');
    return { ok: compared === sameAsReference, detail: compared === sameAsReference ? detail : `${detail}: answers differ` };
  }

  // All four gateways run side by side (an idle one costs nothing), so that each scenario
  // measures them one after the other, in alternating order: the machine's other work drifts
  // over minutes, and this spreads the drift over the gateways instead of loading it on one.
  const running = new Map<GatewayId, { url: string; service: Service }>();
  for (const [k, id] of gatewayIds.entries()) {
    const port = PORT_BASE + 11 + k;
    // Apollo's standalone server answers GraphQL at its root.
    const url = `http://${HOST}:${port}${id === 'c' ? '/' : '/graphql'}`;
    const { entry: source, args, env } = gatewayProcess(id, port);
    // The peers and the floor are bundled for plain node like ours, unless everything runs through tsx.
    const entry = !values.tsx && source.endsWith('.ts') ? await bundleEntry(source, path.join(RAW_DIR, 'bundles', `gateway-${id}.mjs`)) : source;
    const nodeOptions = (id === 'a' || id === 'b') && values['node-options'] ? values['node-options'].split(/\s+/) : [];
    const file = logPath(RAW_DIR, `gateway-${id}`);
    writeFileSync(file, '');
    log(`starting ${GATEWAY_TITLES[id]} on port ${port}${values.tsx ? ' (tsx)' : ''}${nodeOptions.length ? ` with ${nodeOptions.join(' ')}` : ''}`);
    await assertPortFree(HOST, port);
    const service = startProcess(`gateway ${id}`, entry, env, file, ROOT, nodeOptions, args);
    services.push(service);
    await waitForGraphQL(service, url, file);
    idleRssBytes[id] = rssBytes(service.pid);
    running.set(id, { url, service });
    results[id] = {};
    verification[id] = {};
  }
  if (running.has('a')) {
    log(`granting ${pool.length} consents to the bank through grantConsent`);
    await grantConsents(running.get('a')!.url);
  }

  for (const [si, scenario] of scenarios.entries()) {
    const order = si % 2 === 0 ? gatewayIds : [...gatewayIds].reverse();
    for (const id of order) {
      // The floor answers the bank's checks only (the single check and the portfolios).
      if (id === 'f' && !FLOOR_SCENARIOS.includes(scenario.name)) continue;
      const { url, service } = running.get(id)!;
      // Each measurement starts with closed circuits: a previous one's timeouts must not spill over.
      if (id === 'a' || id === 'b') await untilReady(url.replace(/\/graphql$/, '/ready'));
      const headers = id === 'a' && scenario.bank ? bankHeaders : {};
      verification[id]![scenario.name] = await verify(id, url, scenario, headers);
      const check = verification[id]![scenario.name]!;
      log(`${id} ${scenario.name}: answers ${check.ok ? 'ok' : 'WRONG'} (${check.detail}); measuring`);
      const m: Measurement = await measure({
        url,
        headers,
        bodies: scenario.bodies,
        connections,
        warmupSeconds,
        durationSeconds,
        requests: scenario.name.startsWith('portfolio') && portfolioRequests > 0 ? portfolioRequests : undefined,
        pid: service.pid,
        processes: { gateway: service.pid, ...(id === 'f' ? {} : subgraphProcesses) },
        // The floor counts its own statements, like a subgraph.
        sqlStatements: id === 'f' ? async () => metricOf(await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text()) : sqlStatements,
        auditRecords: id === 'a' ? auditRecords : undefined,
        subgraphPids,
        backendPids,
      });
      results[id]![scenario.name] = m;
      log(
        `${id} ${scenario.name}: ${m.rps.toFixed(1)} rps, p50 ${m.p50.toFixed(0)} ms, p95 ${m.p95.toFixed(0)} ms, p99 ${m.p99.toFixed(0)} ms, ` +
          `errors ${m.errors}, non-2xx ${m.non2xx}, GraphQL errors ${m.graphqlErrors}, peak RSS ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MB, SQL/req ${m.sqlPerRequest.toFixed(1)}` +
          (m.auditPerRequest === undefined ? '' : `, audit/req ${m.auditPerRequest.toFixed(2)}`) +
          `, CPU ms/request: total ${totalCpuMs(m).toFixed(1)} (gateway ${gatewayCpuMs(m).toFixed(1)}, PostgreSQL ${((1000 * m.cpu.postgres) / m.rps).toFixed(1)})` +
          `, CPU cores: gateway ${m.cpu.gateway.toFixed(2)}, subgraphs ${m.cpu.subgraphs.toFixed(2)}, PostgreSQL ${m.cpu.postgres.toFixed(2)}, load generator ${m.cpu.loadGenerator.toFixed(2)}, machine ${m.cpu.machine.toFixed(2)}/${m.cpu.cores}, load ${m.load.toFixed(1)}`,
      );
    }
  }
  // npm start's two shapes, after the gateways above are stopped (their CPU and memory out of the way).
  const shapes: ShapeMeasurement[] = [];
  if (!values['skip-shapes'] && !values.tsx) {
    for (const [id, { service }] of running) {
      await service.stop();
      log(`stopped ${GATEWAY_TITLES[id]}`);
    }
    const shapePool = pool.slice(0, SHAPE_CONSENTS);
    const shapeScenarios = buildScenarios(ROOT, shapePool);
    const singleBodies = shapeScenarios.find((s) => s.name === 'single')!.bodies;
    const shapePortfolioBodies = shapeScenarios.find((s) => s.name === 'portfolio500')?.bodies ?? [];
    for (const shape of SHAPES) {
      // The subgraphs above keep their ports and databases; this shape's gateway gets a fresh database.
      const startDatabase = benchDatabaseName('gateway_start');
      await ensureDatabase(adminUrl, startDatabase, true);
      const shapeGatewayPort = PORT_BASE + 21;
      const env: Record<string, string> = {
        ...runtimeEnv,
        DATA_DIR: path.join(RAW_DIR, `start-data-${shape}`),
        [databaseUrlVariable('gateway')]: databaseUrl(adminUrl, startDatabase),
        ...Object.fromEntries(subgraphNames.map((name) => [databaseUrlVariable(name), databaseUrl(adminUrl, benchDatabaseName(name))])),
        ...Object.fromEntries(subgraphNames.map((name, i) => [portVariable(name), String(PORT_BASE + 22 + i)])),
        GATEWAY_PORT: String(shapeGatewayPort),
        HOST,
        JWT_SECRET: jwtSecret,
        CALLER_SIGNING_SECRET: callerSecret,
        REDIS_URL: redisUrl,
        RATE_LIMIT_CAPACITY: '100000000',
        RATE_LIMIT_PER_SECOND: '100000000',
        SUBGRAPH_TIMEOUT_MS: process.env.BENCH_SUBGRAPH_TIMEOUT_MS ?? '60000',
        DATABASE_POOL_SIZE,
        SEED_ENTERPRISES: '0',
        ...(values['start-node-options'] ? { NODE_OPTIONS: values['start-node-options'] } : {}),
      };
      try {
        for (const port of [shapeGatewayPort, ...subgraphNames.map((_, i) => PORT_BASE + 22 + i)]) await assertPortFree(HOST, port);
        shapes.push(
          await measureShape(shape, {
            root: ROOT,
            cli: BUILT_CLI,
            rawDir: RAW_DIR,
            env,
            gatewayPort: shapeGatewayPort,
            host: HOST,
            bodies: singleBodies,
            portfolioBodies: shapePortfolioBodies,
            // The portfolios' count, at least 4 (the shapes' only heavy load).
            portfolioRequests: Math.max(4, portfolioRequests),
            headers: bankHeaders,
            connections,
            warmupSeconds,
            durationSeconds,
            grantConsents: (url) => grantConsents(url, shapePool),
            backendPids,
            transactions: async () =>
              Number((await gatewayDb.query<{ n: string }>("SELECT coalesce(sum(xact_commit), 0) AS n FROM pg_stat_database WHERE datname LIKE 'credit_graph_bench_%'")).rows[0]!.n),
            log,
          }),
        );
      } catch (error) {
        notes.push(`npm start (${shape}) not measured: ${(error as Error).message}`);
        log(`npm start (${shape}) failed: ${(error as Error).message}`);
      }
    }
  }
  await gatewayDb.end();

  const pgVersion = await (async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await client.end();
    return version;
  })();
  const input: ReportInput = {
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt,
    finishedAt: new Date(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: os.totalmem() / 2 ** 30,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      loadStart,
      loadEnd: os.loadavg(),
    },
    versions: {
      Node: process.version,
      PostgreSQL: pgVersion,
      '@apollo/gateway': packageVersion('@apollo/gateway'),
      '@apollo/server': packageVersion('@apollo/server'),
      '@graphql-hive/gateway': packageVersion('@graphql-hive/gateway'),
      '@graphql-hive/gateway-runtime': packageVersion('@graphql-hive/gateway-runtime'),
      graphql: packageVersion('graphql'),
      undici: packageVersion('undici'),
      autocannon: packageVersion('autocannon'),
    },
    settings: {
      enterprises,
      connections,
      warmupSeconds,
      durationSeconds,
      requestLists: Object.fromEntries(scenarios.map((s) => [s.name, s.bodies.length])) as Record<ScenarioName, number>,
      consents,
      portfolioRequests,
      databasePoolSize: DATABASE_POOL_SIZE,
      startNodeOptions: values['start-node-options'],
      runtime:
        (values.tsx
          ? 'TypeScript through `node --import tsx`'
          : 'ours as production runs them, from `npm run build` (`node dist/credit-graph.mjs subgraph <name>`, `... gateway`); the peers and the floor bundled with esbuild, plain `node`') +
        (values['node-options'] ? `; ours with \`${values['node-options']}\`` : '') +
        (values['subgraph-node-options'] ? `; the subgraphs with \`${values['subgraph-node-options']}\`` : '') +
        (values['start-node-options'] ? `; npm start with NODE_OPTIONS \`${values['start-node-options']}\`` : ''),
    },
    seed,
    gateways: gatewayIds,
    scenarios: scenarios.map((s) => s.name),
    results,
    verification,
    idleRssBytes,
    shapes,
    notes,
  };
  writeFileSync(path.join(RAW_DIR, `results-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(input, null, 2));
  writeFileSync(outFile, renderResults(input));
  log(`wrote ${path.relative(ROOT, outFile)}`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
}
