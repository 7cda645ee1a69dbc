// `npm start` (`credit-graph start`): every subgraph and the gateway on this machine, each as its
// own process started by the same CLI (`credit-graph subgraph <name>`, `credit-graph gateway`),
// run the way this process runs: through tsx from the sources, or by plain node from the build.
// Embedded default: PGlite files under ./data (DATA_DIR), migrated and seeded on first run.
// PostgreSQL: set <SUBGRAPH>_DATABASE_URL per subgraph (see README). Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataRoot, databaseTarget, describeTarget, isGatewayHosted, rawValue, readManifest } from '@credit-graph/contract';
import { demoTokens } from './demo-credentials.ts';
import { embeddedCheckpointFile, ensureEmbeddedSecrets } from './embedded.ts';
import { LAUNCHER_SETTINGS, portVariable } from './settings.ts';

// Set by startAll from LAUNCHER_SETTINGS.
let HOST = '127.0.0.1';
let STARTUP_TIMEOUT_MS = 300_000;

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** npm start seeds a new embedded database with this many enterprises unless SEED_ENTERPRISES says otherwise. */
const DEFAULT_SEED_ENTERPRISES = 2000;

const children = new Map<string, ChildProcess>();

let stopping = false;

export { portVariable };

/** Runs `credit-graph <command...>` as a child, with this process's node, loader flags and entry. */
function run(name: string, command: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...command], {
    cwd: ROOT,
    // Warnings and errors only, unless LOG_LEVEL says otherwise: a console for people, not an access log.
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) out.write(line.startsWith('[') ? `${line}\n` : `[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout!, process.stdout);
  prefix(child.stderr!, process.stderr);
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

/** Starts every subgraph, then the gateway, prints where they answer, and stops them all on Ctrl-C. */
export async function startAll(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // Checked once, every mistake at once, before anything starts (credit-graph config check --service start).
  const settings = LAUNCHER_SETTINGS.parse();
  HOST = settings.HOST as string;
  STARTUP_TIMEOUT_MS = settings.STARTUP_TIMEOUT_MS as number;
  const seedEnterprises = String(rawValue(process.env, 'SEED_ENTERPRISES') === undefined ? DEFAULT_SEED_ENTERPRISES : settings.SEED_ENTERPRISES);
  const started = Date.now();
  const subgraphs = readManifest().filter((entry) => !isGatewayHosted(entry));
  console.log(`[start] data: ${dataRoot()} (embedded PGlite unless <SUBGRAPH>_DATABASE_URL is set)`);
  const secrets = ensureEmbeddedSecrets();
  // The audit chain's head is checkpointed outside its database (and in Redis with REDIS_URL).
  // The default file belongs to the embedded gateway database: a PostgreSQL chain is another
  // chain, whose checkpoints the operator places (AUDIT_CHECKPOINT_FILE, Redis).
  const checkpointFile = process.env.AUDIT_CHECKPOINT_FILE ?? (databaseTarget('gateway').kind === 'pglite' ? embeddedCheckpointFile() : undefined);
  const gatewayEnv: Record<string, string> = { ...secrets, ...(checkpointFile ? { AUDIT_CHECKPOINT_FILE: checkpointFile } : {}) };
  try {
    await Promise.all(
      subgraphs.map(async (subgraph) => {
        const port = String(settings[portVariable(subgraph.name)]);
        const target = databaseTarget(subgraph.name);
        console.log(`[start] ${subgraph.name}: port ${port}, ${describeTarget(target)}`);
        run(subgraph.name, ['subgraph', subgraph.name], {
          PORT: port,
          HOST,
          // The embedded default seeds an empty database on first run; PostgreSQL is seeded explicitly.
          SEED_ENTERPRISES: target.kind === 'pglite' ? seedEnterprises : '0',
          CALLER_SIGNING_SECRET: secrets.CALLER_SIGNING_SECRET,
        });
        const base = `http://${HOST}:${port}`;
        gatewayEnv[`SUBGRAPH_${subgraph.name.toUpperCase().replace(/-/g, '_')}_URL`] = `${base}/graphql`;
        await waitForHealth(subgraph.name, `${base}/health`);
      }),
    );
    const gatewayPort = String(settings.GATEWAY_PORT);
    // Demo tokens only when this launcher made the JWT secret; a deployment's own secret issues its own.
    const tokens = process.env.JWT_SECRET ? undefined : await demoTokens(secrets.JWT_SECRET);
    run('gateway', ['gateway'], {
      ...gatewayEnv,
      GATEWAY_PORT: gatewayPort,
      GATEWAY_HOST: HOST,
      // Ctrl-C reaches the gateway as the launcher's SIGTERM: no load balancer to wait for here.
      SHUTDOWN_DELAY_MS: rawValue(process.env, 'SHUTDOWN_DELAY_MS') ?? '0',
      // Demo mode is explicit: the gateway embeds tokens only with PLAYGROUND_DEMO_TOKENS=true.
      ...(tokens ? { PLAYGROUND_TOKENS: JSON.stringify(tokens), PLAYGROUND_DEMO_TOKENS: 'true' } : {}),
    });
    await waitForHealth('gateway', `http://${HOST}:${gatewayPort}/ready`);
    if (tokens) {
      console.log('\n[start] Demo tokens (12 h), one per role; the playground tabs already carry them:');
      for (const [role, token] of Object.entries(tokens)) console.log(`  ${role.padEnd(16)} Bearer ${token}`);
      console.log('  More: npm run credentials -- token --role BANK --institution <USCC>');
    }
    console.log(`
[start] Credit Graph is up in ${((Date.now() - started) / 1000).toFixed(1)} s
        playground  http://${HOST}:${gatewayPort}/playground
        GraphQL     http://${HOST}:${gatewayPort}/graphql
        readiness   http://${HOST}:${gatewayPort}/ready
        Ctrl-C stops every service.`);
  } catch (error) {
    console.error(`[start] ${(error as Error).message}`);
    await stopAll(1);
  }
}
