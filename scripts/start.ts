// `npm start` (`credit-graph start`): every subgraph and the gateway on this machine, in one of
// two shapes (SUBGRAPH_TRANSPORT):
//   in-process (default): one process; the six subgraphs run inside the gateway's process, each
//     with its own schema, resolvers, permissions and database, called without HTTP (see
//     gateway/src/transport/in-process.ts). A subgraph whose SUBGRAPH_<NAME>_URL is set is not
//     hosted: the gateway calls it at that URL.
//   http: the production shape on one machine: each subgraph its own process started by the
//     same CLI (`credit-graph subgraph <name>`, `credit-graph gateway`), called over HTTP with
//     signed calls; run the way this process runs (tsx from the sources, or plain node on the build).
// Embedded default: PGlite files under ./data (DATA_DIR), migrated and seeded on first run.
// Heap: package.json's start script runs this process with NODE_OPTIONS_OF.embedded; each child
// gets the flags of its kind instead (subgraph, gateway), and the first run's seeding none.
// PostgreSQL: set <SUBGRAPH>_DATABASE_URL per subgraph (see README). Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureClock, dataRoot, databaseTarget, describeTarget, heapFlags, isGatewayHosted, rawValue, readManifest, withoutHeapFlags, type HeapRole, type SubgraphEntry } from '@credit-graph/contract';
import { subgraphUrlVariable } from '../gateway/src/config.ts';
import { UsageError } from './cli.ts';
import { demoTokens } from './demo-credentials.ts';
import { loadSubgraph } from './load-subgraph.ts';
import { embeddedCheckpointFile, ensureEmbeddedSecrets } from './embedded.ts';
import { LAUNCHER_SETTINGS, portVariable } from './settings.ts';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** npm start seeds a new embedded database with this many enterprises unless SEED_ENTERPRISES says otherwise. */
const DEFAULT_SEED_ENTERPRISES = 2000;
// Set by startAll from LAUNCHER_SETTINGS.
let HOST = '127.0.0.1';
let STARTUP_TIMEOUT_MS = 300_000;
let SEED_ENTERPRISES = String(DEFAULT_SEED_ENTERPRISES);

/** How `npm start` runs the subgraphs (SUBGRAPH_TRANSPORT). */
export type SubgraphTransport = 'in-process' | 'http';
export const SUBGRAPH_TRANSPORTS: readonly SubgraphTransport[] = ['in-process', 'http'];

/** SUBGRAPH_TRANSPORT: `in-process` (default) or `http`; anything else is a UsageError. */
export function subgraphTransport(env: NodeJS.ProcessEnv = process.env): SubgraphTransport {
  const value = rawValue(env, 'SUBGRAPH_TRANSPORT')?.trim() || 'in-process';
  if (!(SUBGRAPH_TRANSPORTS as readonly string[]).includes(value)) {
    throw new UsageError(`SUBGRAPH_TRANSPORT must be one of ${SUBGRAPH_TRANSPORTS.join(', ')}, got "${value}"`);
  }
  return value as SubgraphTransport;
}

const children = new Map<string, ChildProcess>();

let stopping = false;

export { portVariable };

/**
 * Starts `credit-graph <command...>` as a child, with this process's node, loader flags and
 * entry, and the heap flags of its kind (`heap`: NODE_OPTIONS_OF, schema/src/heap-flags.ts;
 * undefined: none) in place of this process's own, whether they came on the command line or in
 * NODE_OPTIONS.
 */
function spawnCli(command: string[], env: Record<string, string>, heap: HeapRole | undefined): ChildProcess {
  const nodeOptions = withoutHeapFlags((process.env.NODE_OPTIONS ?? '').split(' ').filter(Boolean)).join(' ');
  return spawn(process.execPath, [...withoutHeapFlags(process.execArgv), ...(heap ? heapFlags(heap) : []), process.argv[1]!, ...command], {
    cwd: ROOT,
    // Warnings and errors only, unless LOG_LEVEL says otherwise: a console for people, not an access log.
    env: { ...process.env, NODE_OPTIONS: nodeOptions, LOG_LEVEL: process.env.LOG_LEVEL || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Lines of a child's stream on ours, each prefixed with the child's name (unless it names itself). */
function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(line.startsWith('[') ? `${line}\n` : `[${name}] ${line}\n`);
  });
}

/** Runs a service of the http shape as a child; its exit stops everything. */
function run(name: string, command: string[], env: Record<string, string>, heap: HeapRole): ChildProcess {
  const child = spawnCli(command, env, heap);
  prefixLines(name, child.stdout!, process.stdout);
  prefixLines(name, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? `code ${code}`}); stopping everything`);
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

/** Whether `url` answers 2xx within a second (false while nothing listens yet). */
function answersOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpGet(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function waitForHealth(name: string, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!children.has(name)) throw new Error(`${name} exited before it was ready`);
    // Node's HTTP client, not WHATWG fetch: fetch refuses some ports (6000, 6665-6669, ...)
    // that are valid for a service.
    if (await answersOk(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready within ${STARTUP_TIMEOUT_MS} ms (${url})`);
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const exits = [...children.values()].map(
    (child) => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  );
  await Promise.all(exits);
  process.exit(exitCode);
}

/** What both shapes print once the gateway is ready. */
function printReady(started: number, gatewayPort: string, tokens: Record<string, string> | undefined, shape: string): void {
  if (tokens) {
    console.log('\n[start] Demo tokens (12 h), one per role; the playground tabs already carry them:');
    for (const [role, token] of Object.entries(tokens)) console.log(`  ${role.padEnd(16)} Bearer ${token}`);
    console.log('  More: npm run credentials -- token --role BANK --institution <USCC>');
  }
  console.log(`
[start] Credit Graph is up in ${((Date.now() - started) / 1000).toFixed(1)} s (${shape})
        playground  http://${HOST}:${gatewayPort}/playground
        GraphQL     http://${HOST}:${gatewayPort}/graphql
        readiness   http://${HOST}:${gatewayPort}/ready
        Ctrl-C stops every service.`);
}

/**
 * Starts every subgraph and the gateway in the shape SUBGRAPH_TRANSPORT names, prints where they
 * answer, and stops them all on Ctrl-C. Throws UsageError for an unknown SUBGRAPH_TRANSPORT.
 */
export async function startAll(): Promise<void> {
  const transport = subgraphTransport();
  // Checked once, every mistake at once, before anything starts (credit-graph config check --service start).
  const settings = LAUNCHER_SETTINGS.parse();
  HOST = settings.HOST as string;
  STARTUP_TIMEOUT_MS = settings.STARTUP_TIMEOUT_MS as number;
  SEED_ENTERPRISES = String(rawValue(process.env, 'SEED_ENTERPRISES') === undefined ? DEFAULT_SEED_ENTERPRISES : settings.SEED_ENTERPRISES);
  const ports = Object.fromEntries(subgraphPorts(settings));
  const started = Date.now();
  const subgraphs = readManifest().filter((entry) => !isGatewayHosted(entry));
  console.log(`[start] data: ${dataRoot()} (embedded PGlite unless <SUBGRAPH>_DATABASE_URL is set)`);
  // The first run is quiet for a minute or two while it migrates and seeds: say so, not a hang.
  const firstRun = subgraphs.some((entry) => isNewEmbeddedDatabase(entry.name));
  // Demo data is never written under NODE_ENV=production (credit-graph seed refuses it): say so
  // before anything is created, in either shape.
  if (firstRun && Number(SEED_ENTERPRISES) > 0 && process.env.NODE_ENV === 'production') {
    console.error('[start] NODE_ENV=production: npm start does not seed demo data into new embedded databases. Set SEED_ENTERPRISES=0 to start them empty, or give each subgraph a PostgreSQL database (<SUBGRAPH>_DATABASE_URL).');
    process.exit(1);
  }
  if (firstRun) console.log(`[start] first run: migrating the embedded databases and seeding ${SEED_ENTERPRISES} enterprises in a child process (about 40 s on two quiet cores, a minute or two on a busy machine)...`);
  const secrets = ensureEmbeddedSecrets();
  // The audit chain's head is checkpointed outside its database (and in Redis with REDIS_URL).
  // The default file belongs to the embedded gateway database: a PostgreSQL chain is another
  // chain, whose checkpoints the operator places (AUDIT_CHECKPOINT_FILE, Redis).
  const checkpointFile = process.env.AUDIT_CHECKPOINT_FILE ?? (databaseTarget('gateway').kind === 'pglite' ? embeddedCheckpointFile() : undefined);
  const gatewayEnv: Record<string, string> = {
    ...secrets,
    ...(checkpointFile ? { AUDIT_CHECKPOINT_FILE: checkpointFile } : {}),
    GATEWAY_PORT: String(settings.GATEWAY_PORT),
    GATEWAY_HOST: HOST,
    // Ctrl-C reaches the gateway as the launcher's SIGTERM: no load balancer to wait for here.
    SHUTDOWN_DELAY_MS: rawValue(process.env, 'SHUTDOWN_DELAY_MS') ?? '0',
  };
  // Demo tokens only when this launcher made the JWT secret; a deployment's own secret issues its own.
  const tokens = process.env.JWT_SECRET ? undefined : await demoTokens(secrets.JWT_SECRET);
  // Demo mode is explicit: the gateway embeds tokens only with PLAYGROUND_DEMO_TOKENS=true.
  if (tokens) Object.assign(gatewayEnv, { PLAYGROUND_TOKENS: JSON.stringify(tokens), PLAYGROUND_DEMO_TOKENS: 'true' });
  if (transport === 'in-process') return startInProcess(subgraphs, gatewayEnv, started, tokens);
  return startProcesses(subgraphs, ports, gatewayEnv, started, tokens);
}

/** Each subgraph's port under `npm start` (<SUBGRAPH>_PORT, default its manifest port). */
function subgraphPorts(settings: Record<string, unknown>): [string, string][] {
  return readManifest()
    .filter((entry) => !isGatewayHosted(entry))
    .map((entry) => [entry.name, String(settings[portVariable(entry.name)])]);
}

/** Whether `name`'s database is an embedded (PGlite) one whose folder does not exist yet. */
function isNewEmbeddedDatabase(name: string): boolean {
  const target = databaseTarget(name);
  return target.kind === 'pglite' && target.dataDir !== undefined && !existsSync(target.dataDir);
}

/**
 * Written into an embedded database's folder once the seeding child has seeded it (or found it
 * holding data): a folder without it is new, or was left by a first run interrupted while it
 * seeded, and is seeded (if still empty) by the next start's child.
 */
const SEEDED_MARKER = '.credit-graph-seeded';

/** The folder of `name`'s embedded database when it has not been seeded yet, else undefined. */
function unseededEmbeddedFolder(name: string): string | undefined {
  const target = databaseTarget(name);
  if (target.kind !== 'pglite' || target.dataDir === undefined) return undefined;
  return existsSync(path.join(target.dataDir, SEEDED_MARKER)) ? undefined : target.dataDir;
}

/**
 * `credit-graph seed --enterprises SEED_ENTERPRISES --only <names>` in a child process, its
 * output prefixed with [seed]. Resolves when it succeeded; exits this process with 1 otherwise.
 */
async function seedInChild(names: string[]): Promise<void> {
  const child = spawnCli(['seed', '--if-empty', '--enterprises', SEED_ENTERPRISES, '--only', names.join(',')], {}, undefined);
  prefixLines('seed', child.stdout!, process.stdout);
  prefixLines('seed', child.stderr!, process.stderr);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code === 0) return;
  console.error(`[start] seeding the embedded databases failed (${signal ?? `code ${code}`}); nothing was started`);
  process.exit(1);
}

/**
 * The in-process server's admission budget: one portfolio check of 500 (259,501) at a time with
 * room for about thirty-five single checks (1,676) beside it, against three portfolios in a gateway replica
 * (DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT), as this one process holds the gateway and six
 * subgraphs under one heap cap. Under 4 concurrent portfolios on the bench: peak RSS 281 MB
 * and p50 1.5 s, against 317 MB and 1.7 s at the replica's budget (bench/README.md, session 9).
 */
export const IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT = 320_000;

/**
 * METRICS_PORT for a subgraph process of the http shape, from the launcher's: one port number
 * is the gateway's (seven processes cannot listen on it), so each subgraph takes its own
 * default (its GraphQL port + 5000, metrics.ts); `off` and `0` (any free port) hold for all.
 */
export function subgraphMetricsPort(launcher: string | undefined): string {
  return launcher === 'off' || launcher === '0' ? launcher : '';
}

/** The embedded shape: the subgraphs in this process, then the gateway calling them in-process. */
async function startInProcess(subgraphs: SubgraphEntry[], gatewayEnv: Record<string, string>, started: number, tokens: Record<string, string> | undefined): Promise<void> {
  const { isSubgraphConfigurationError, startInProcessSubgraph } = await import('@credit-graph/subgraph-kit');
  const { runGatewayProcess } = await import('../gateway/src/process.ts');
  // This process is the gateway: it reads its settings (and the subgraphs their keys) from here.
  // Warnings and errors only, unless LOG_LEVEL says otherwise: a console for people, not an access log.
  // Less work at once than a gateway replica (unless ADMISSION_MAX_COST_IN_FLIGHT says otherwise):
  // this one process also runs the six subgraphs under the same heap cap.
  Object.assign(
    process.env,
    { LOG_LEVEL: process.env.LOG_LEVEL || 'warn', ADMISSION_MAX_COST_IN_FLIGHT: process.env.ADMISSION_MAX_COST_IN_FLIGHT || String(IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT) },
    gatewayEnv,
  );
  const hosted = subgraphs.filter((subgraph) => !process.env[subgraphUrlVariable(subgraph.name)]);
  const local: Awaited<ReturnType<typeof startInProcessSubgraph>>[] = [];
  const stopSubgraphs = async () => void (await Promise.all(local.map((subgraph) => subgraph.stop())));
  // First run: the new embedded databases are migrated and seeded by a child process without
  // this process's heap cap (seeding six PGlite databases at once needs more than 192 MB of
  // heap; the server does not), then opened here.
  const unseeded = hosted.flatMap((subgraph) => {
    const folder = unseededEmbeddedFolder(subgraph.name);
    return folder ? [{ name: subgraph.name, folder }] : [];
  });
  if (unseeded.length > 0 && Number(SEED_ENTERPRISES) > 0) {
    await seedInChild(unseeded.map((database) => database.name));
    for (const { folder } of unseeded) writeFileSync(path.join(folder, SEEDED_MARKER), `${new Date().toISOString()}\n`);
  }
  try {
    configureClock();
    await Promise.all(
      hosted.map(async (subgraph) => {
        const target = databaseTarget(subgraph.name);
        console.log(`[start] ${subgraph.name}: in-process, ${describeTarget(target)}`);
        const definition = await loadSubgraph(subgraph.name);
        local.push(await startInProcessSubgraph(definition, {
          database: target,
          // Never here: this process has the heap cap (seeded above, by the child).
          seedEnterprises: 0,
        }));
      }),
    );
  } catch (error) {
    await stopSubgraphs();
    if (!isSubgraphConfigurationError(error)) throw error;
    console.error(`[start] configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  await runGatewayProcess({ inProcessSubgraphs: local, afterStop: stopSubgraphs });
  printReady(started, gatewayEnv.GATEWAY_PORT!, tokens, `in-process: ${local.length} subgraphs in the gateway's process`);
}

/** The separate-services shape: each subgraph its own process, then the gateway's. */
async function startProcesses(subgraphs: SubgraphEntry[], ports: Record<string, string>, gatewayEnv: Record<string, string>, started: number, tokens: Record<string, string> | undefined): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    await Promise.all(
      subgraphs.map(async (subgraph) => {
        const port = ports[subgraph.name]!;
        const target = databaseTarget(subgraph.name);
        console.log(`[start] ${subgraph.name}: port ${port}, ${describeTarget(target)}`);
        run(subgraph.name, ['subgraph', subgraph.name], {
          PORT: port,
          HOST,
          METRICS_PORT: subgraphMetricsPort(process.env.METRICS_PORT),
          // The embedded default seeds an empty database on first run; PostgreSQL is seeded explicitly.
          SEED_ENTERPRISES: target.kind === 'pglite' ? SEED_ENTERPRISES : '0',
          CALLER_SIGNING_SECRET: gatewayEnv.CALLER_SIGNING_SECRET!,
        }, 'subgraph');
        const base = `http://${HOST}:${port}`;
        gatewayEnv[subgraphUrlVariable(subgraph.name)] = `${base}/graphql`;
        await waitForHealth(subgraph.name, `${base}/health`);
      }),
    );
    run('gateway', ['gateway'], gatewayEnv, 'gateway');
    await waitForHealth('gateway', `http://${HOST}:${gatewayEnv.GATEWAY_PORT}/ready`);
    printReady(started, gatewayEnv.GATEWAY_PORT!, tokens, `separate services: ${subgraphs.length} subgraph processes and the gateway`);
  } catch (error) {
    console.error(`[start] ${(error as Error).message}`);
    await stopAll(1);
  }
}
