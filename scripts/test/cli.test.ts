// The `credit-graph` CLI as an operator runs it: real processes (tsx, or the build with
// E2E_BUILD=1) on real databases (fresh PostgreSQL databases with TEST_DATABASE_URL, else PGlite
// files in a temporary folder). Migrating is apart from seeding and from starting.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTarget, databaseUrlVariable, openDatabase } from '@credit-graph/contract';
import { createTestDatabase, TEST_CALLER_SECRET } from '@credit-graph/subgraph-kit/testing';
import { freePort, runCli, startProcess } from '../../tests/support/processes.ts';
import { SUBGRAPH_NAMES } from '../subgraphs.ts';
import { IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT, portVariable, subgraphMetricsPort } from '../start.ts';
import { DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT } from '../../gateway/src/config.ts';
import { DEMO_BANK } from '../demo-credentials.ts';
import { jwtVerify } from 'jose';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A free port whose metrics port (+ 5000) is a port too. */
async function freePortBelow(limit: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await freePort();
    if (port < limit) return port;
  }
  throw new Error(`no free port below ${limit} in 100 attempts`);
}
const SERVICES = [...SUBGRAPH_NAMES, 'gateway'];
const folder = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(folder, { recursive: true, force: true });
});

/** `credit-graph <args>` with only `env` (and PATH/HOME), to its end (bounded). */
const cli = (args: string[], env: Record<string, string>, timeoutMs = 240_000) => runCli(args, env, timeoutMs);

/** A full set of databases (six subgraphs and the gateway), all empty, as environment variables. */
async function freshDatabases(label: string): Promise<Record<string, string>> {
  if (!process.env.TEST_DATABASE_URL) return { DATA_DIR: mkdtempSync(path.join(folder, `${label}-`)) };
  const env: Record<string, string> = {};
  await Promise.all(
    SERVICES.map(async (service) => {
      const database = await createTestDatabase(`${label}_${service}`);
      cleanups.push(() => database.drop());
      env[databaseUrlVariable(service)] = (database.target as { url: string }).url;
    }),
  );
  return env;
}

/** Runs `work` on one service's database as the CLI sees it with `env`, then closes it. */
async function withDatabase<T>(service: string, env: Record<string, string>, work: (query: <R>(sql: string) => Promise<R[]>) => Promise<T>): Promise<T> {
  const database = await openDatabase(databaseTarget(service, env));
  try {
    return await work((sql) => database.query(sql));
  } finally {
    await database.close();
  }
}

const tables = (service: string, env: Record<string, string>) =>
  withDatabase(service, env, async (query) =>
    (await query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).map((r) => r.tablename),
  );

const count = (service: string, env: Record<string, string>, table: string) =>
  withDatabase(service, env, async (query) => Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`))[0]!.n));

describe('credit-graph --help', () => {
  it('lists every command, and each command answers --help', async () => {
    const top = await cli(['--help'], {});
    expect(top.code).toBe(0);
    const commands = ['start', 'gateway', 'subgraph', 'migrate', 'seed', 'credentials', 'audit', 'safelist'];
    for (const command of commands) expect(top.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const nested = [['audit', 'verify'], ['audit', 'tail'], ['safelist', 'add'], ['safelist', 'import'], ['credentials', 'token'], ['credentials', 'api-key', 'issue'], ['seed'], ['subgraph']];
    for (const args of nested) {
      const help = await cli([...args, '--help'], {});
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: credit-graph ${args.join(' ')}`);
    }
  }, 240_000); // ten real process starts, as the other CLI tests allow

  it('reports a mistake in the command line with exit code 2 and the usage', async () => {
    const unknown = await cli(['subgraph', 'banking'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Allowed choices are registry, finance/);
    const badCount = await cli(['seed', '--enterprises', 'many'], {});
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toMatch(/--enterprises <count>.*positive whole number/s);
  });

  it('reports a database that does not answer, or a data folder that is not there, in one line with exit code 1, no stack', async () => {
    const unreachable = await cli(['safelist', 'list'], { GATEWAY_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/credit_graph' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^failed: connect ECONNREFUSED 127\.0\.0\.1:1$/m);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
    const missing = await cli(['safelist', 'list'], { DATA_DIR: path.join(folder, 'never-created') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^failed: ENOENT: no such file or directory/m);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('credit-graph migrate, then services with MIGRATE_ON_START=false', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await freshDatabases('migrate');
  });

  it('a service told not to migrate refuses an unmigrated database and leaves it untouched', async () => {
    const refused = await cli(['subgraph', 'finance'], { ...env, MIGRATE_ON_START: 'false', CALLER_SIGNING_SECRET: TEST_CALLER_SECRET, PORT: String(await freePort()) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[finance\] configuration error: \d+ migration\(s\) not applied \(0001_init, 0002_writes.*credit-graph migrate/);
    expect(await tables('finance', env)).toEqual([]);
  }, 240_000);

  it('migrates every database (six subgraphs and the gateway) and seeds nothing; a second run finds them up to date', async () => {
    const first = await cli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    for (const service of SERVICES) expect(first.stdout).toMatch(new RegExp(`^${service}: applied 0001_init`, 'm'));
    expect(await tables('registry', env)).toContain('Enterprise');
    expect(await tables('gateway', env)).toContain('AuditRecord');
    expect(await count('registry', env, 'Enterprise')).toBe(0);
    const second = await cli(['migrate'], env);
    expect(second.code).toBe(0);
    for (const service of SERVICES) expect(second.stdout).toMatch(new RegExp(`^${service}: up to date`, 'm'));
  }, 240_000);

  it('then starts a subgraph and the gateway with MIGRATE_ON_START=false, serving from the migrated databases', async () => {
    const port = await freePort();
    const common = { ...env, MIGRATE_ON_START: 'false', CALLER_SIGNING_SECRET: TEST_CALLER_SECRET };
    const finance = await startProcess(['subgraph', 'finance'], { ...common, PORT: String(port) }, /\[finance\] ready at/, 120_000);
    cleanups.push(() => finance.signal('SIGKILL'));
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);

    const gatewayPort = await freePort();
    const gateway = await startProcess(
      ['gateway'],
      { ...common, GATEWAY_PORT: String(gatewayPort), JWT_SECRET: 'cli-test-jwt-secret-0123456789abcdef0123', SUBGRAPH_FINANCE_URL: `http://127.0.0.1:${port}/graphql` },
      /\[gateway\] readiness/,
      120_000,
    );
    cleanups.push(() => gateway.signal('SIGKILL'));
    expect((await fetch(`http://127.0.0.1:${gatewayPort}/health`)).status).toBe(200);
    finance.signal('SIGTERM');
    gateway.signal('SIGTERM');
    expect(await finance.exited).toBe(0);
    expect(await gateway.exited).toBe(0);
    // Starting migrated nothing and seeded nothing.
    expect(await count('finance', env, 'FinancingProduct')).toBe(0);
  }, 240_000);
});

describe('credit-graph seed', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await freshDatabases('seed');
  });

  it('refuses NODE_ENV=production, even with --reset, before opening any database', async () => {
    const refused = await cli(['seed', '--only', 'registry', '--enterprises', '3', '--reset'], { ...env, NODE_ENV: 'production' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused: seed writes demo data and is refused when NODE_ENV=production');
    expect(await tables('registry', env)).toEqual([]);
  }, 240_000);

  it('seeds an empty database, refuses it once it holds data, and reseeds it with --reset', async () => {
    const first = await cli(['seed', '--only', 'registry', '--enterprises', '3'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(await count('registry', env, 'Enterprise')).toBe(3);

    const refused = await cli(['seed', '--only', 'registry', '--enterprises', '4'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: refusing to seed databases that hold data: registry \(.*\)\. Add --reset/);
    expect(await count('registry', env, 'Enterprise')).toBe(3);

    const reset = await cli(['seed', '--only', 'registry', '--enterprises', '5', '--reset'], env);
    expect(reset.code, reset.stderr).toBe(0);
    expect(await count('registry', env, 'Enterprise')).toBe(5);

    // Emptied by hand: only the migration history is left, which is not data; seeding is allowed.
    await withDatabase('registry', env, (query) => query('TRUNCATE "Enterprise" CASCADE'));
    const again = await cli(['seed', '--only', 'registry', '--enterprises', '4'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(await count('registry', env, 'Enterprise')).toBe(4);
  }, 240_000);
});

describe('npm start on the embedded default: seeding in a child process', () => {
  /** Rows in every table of `service`'s database but the migration history. */
  const rows = async (service: string, env: Record<string, string>) => {
    let total = 0;
    for (const table of await tables(service, env)) if (table !== '_prisma_migrations') total += await count(service, env, table);
    return total;
  };

  it('seeds what an interrupted first run left empty, keeps what holds data, marks both, and seeds nothing on the next start', async () => {
    const dataDir = mkdtempSync(path.join(folder, 'start-'));
    const base = { DATA_DIR: dataDir };
    // An interrupted first run: every database created and migrated, the registry seeded, no marker.
    expect((await cli(['migrate'], base)).code).toBe(0);
    expect((await cli(['seed', '--only', 'registry', '--enterprises', '3'], base)).code).toBe(0);
    const env = { ...base, GATEWAY_PORT: String(await freePort()), METRICS_PORT: '0', SEED_ENTERPRISES: '5', SUBGRAPH_TRANSPORT: 'in-process' };
    const first = await startProcess(['start'], env, /Credit Graph is up in/, 240_000);
    first.signal('SIGINT');
    await first.exited;
    expect(first.output()).toMatch(/\[seed\] registry: holds data already .*kept as it is/);
    expect(first.output()).toContain('[seed] seeded 5 subgraph(s)');
    expect(await count('registry', base, 'Enterprise')).toBe(3);
    for (const name of SUBGRAPH_NAMES) {
      expect(existsSync(path.join(dataDir, name, '.credit-graph-seeded')), name).toBe(true);
      expect(await rows(name, base), name).toBeGreaterThan(0);
    }
    // The in-process server holds less work at once than a replica (IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT).
    const metricsPort = await freePort();
    const second = await startProcess(['start'], { ...env, METRICS_PORT: String(metricsPort) }, /Credit Graph is up in/, 240_000);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    second.signal('SIGINT');
    await second.exited;
    expect(second.output()).not.toContain('[seed]');
    expect(metrics).toMatch(new RegExp(`^credit_graph_admission_max_cost_in_flight ${IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT}$`, 'm'));
    expect(IN_PROCESS_ADMISSION_MAX_COST_IN_FLIGHT).toBeLessThan(DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT);

    // The http shape with METRICS_PORT set (a newcomer's walkthrough): the port is the gateway's;
    // each subgraph serves its metrics on its own default (its port + 5000) instead of dying on
    // EADDRINUSE and taking the launcher down. Its replicas keep a replica's admission budget.
    const ports: Record<string, string> = {};
    for (const name of SUBGRAPH_NAMES) ports[portVariable(name)] = String(await freePortBelow(60_000));
    const third = await startProcess(['start'], { ...env, ...ports, METRICS_PORT: String(metricsPort), SUBGRAPH_TRANSPORT: 'http' }, /Credit Graph is up in/, 240_000);
    const gatewayMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const registryMetrics = await fetch(`http://127.0.0.1:${Number(ports[portVariable('registry')]) + 5000}/metrics`);
    third.signal('SIGINT');
    await third.exited;
    expect(third.output()).not.toMatch(/EADDRINUSE|exited \(code/);
    expect(gatewayMetrics).toMatch(new RegExp(`^credit_graph_admission_max_cost_in_flight ${DEFAULT_ADMISSION_MAX_COST_IN_FLIGHT}$`, 'm'));
    expect(registryMetrics.status).toBe(200);
    expect(await registryMetrics.text()).toMatch(/^credit_graph_sql_statements_total /m);
  }, 600_000);

  it("gives the http shape's subgraphs their own metrics port unless METRICS_PORT is off or any free port", () => {
    expect(subgraphMetricsPort('9600')).toBe('');
    expect(subgraphMetricsPort(undefined)).toBe('');
    expect(subgraphMetricsPort('off')).toBe('off');
    expect(subgraphMetricsPort('0')).toBe('0');
  });

  it('refuses before creating anything when NODE_ENV=production would seed demo data, and refuses a seed size the seeder would refuse', async () => {
    const dataDir = mkdtempSync(path.join(folder, 'start-refused-'));
    const production = await cli(['start'], { DATA_DIR: dataDir, NODE_ENV: 'production', GATEWAY_PORT: String(await freePort()) });
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('npm start does not seed demo data into new embedded databases. Set SEED_ENTERPRISES=0');
    expect(readdirSync(dataDir)).toEqual([]);
    for (const size of ['1', '2', '1000001']) {
      const refused = await cli(['start'], { DATA_DIR: dataDir, SEED_ENTERPRISES: size, GATEWAY_PORT: String(await freePort()) });
      expect(refused.code, size).not.toBe(0);
      expect(refused.stderr, size).toContain('SEED_ENTERPRISES must be 0 (never) or a whole number from 3 to 1,000,000');
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 240_000);
});

describe('credentials, audit and safelist through the CLI', () => {
  it('issues and lists an API key, adds a safelisted operation, and verifies the audit chain', async () => {
    // verify needs the audit chain's key: npm start generates one; here it is given.
    const env = { DATA_DIR: mkdtempSync(path.join(folder, 'tools-')), AUDIT_HMAC_KEYS: `cli:${'ab'.repeat(32)}` };
    const issued = await cli(['credentials', 'api-key', 'issue', '--role', 'DEVELOPER', '--subject', 'cli-test'], env);
    expect(issued.code, issued.stderr).toBe(0);
    const id = /^id\s+(\S+)/m.exec(issued.stdout)?.[1];
    expect(id).toBeDefined();
    const listed = await cli(['credentials', 'api-key', 'list'], env);
    expect(listed.stdout).toContain(id);
    const operation = path.join(folder, 'op.graphql');
    writeFileSync(operation, 'query Districts { districts { code } }');
    const added = await cli(['safelist', 'add', '--client', 'cli-test', '--file', operation], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const verified = await cli(['audit', 'verify'], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('ok: 0 record(s) verified');
    // Then the chains of stored verifications and issued reports, one line each.
    expect(verified.stdout).toMatch(/^credit verifications: ok: 0 record\(s\) verified/m);
    expect(verified.stdout).toMatch(/^credit reports: ok: 0 record\(s\) verified/m);
    const missing = await cli(['safelist', 'add', '--client', 'cli-test'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--file <path>' not specified");
  }, 240_000);

  it('signs a token with the JWT secret npm start generated when JWT_SECRET is unset, and refuses (exit 1) without one', async () => {
    const dataDir = mkdtempSync(path.join(folder, 'token-'));
    const refused = await cli(['credentials', 'token', '--role', 'BANK', '--institution', DEMO_BANK.uscc], { DATA_DIR: dataDir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/refused: set JWT_SECRET .* or run `npm start` once/);
    const secret = 'generated-by-npm-start-0123456789abcdef0123';
    writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ JWT_SECRET: secret }), { mode: 0o600 });
    const signed = await cli(['credentials', 'token', '--role', 'BANK', '--institution', DEMO_BANK.uscc], { DATA_DIR: dataDir });
    expect(signed.code, signed.stderr).toBe(0);
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(signed.stdout)?.[0];
    expect(token).toBeDefined();
    const { payload } = await jwtVerify(token!, new TextEncoder().encode(secret), { issuer: 'credit-graph', audience: 'credit-graph-gateway' });
    expect(payload).toMatchObject({ role: 'BANK', institution: DEMO_BANK.uscc });
    // A public agency acts for its institution: without one the command line is wrong (exit 2).
    const agency = await cli(['credentials', 'token', '--role', 'AGENCY', '--institution', DEMO_BANK.uscc], { DATA_DIR: dataDir });
    expect(agency.code, agency.stderr).toBe(0);
    const agencyToken = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(agency.stdout)![0];
    const { payload: agencyPayload } = await jwtVerify(agencyToken, new TextEncoder().encode(secret), { issuer: 'credit-graph', audience: 'credit-graph-gateway' });
    expect(agencyPayload).toMatchObject({ role: 'AGENCY', institution: DEMO_BANK.uscc });
    const unbound = await cli(['credentials', 'token', '--role', 'AGENCY'], { DATA_DIR: dataDir });
    expect(unbound.code).toBe(2);
    expect(unbound.stderr).toMatch(/AGENCY is bound to its institution/);
  }, 240_000);
});
