// The benchmark's data: one PostgreSQL database per subgraph (credit_graph_bench_<name>),
// seeded with the deterministic universe by the product's own `npm run seed` (bulk INSERTs on
// PostgreSQL). A database already seeded with the same count by the same seed code and
// migrations is reused; anything else is reseeded.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { databaseUrlVariable } from '@credit-graph/contract';

export interface SeedOutcome {
  /** Per subgraph: reused as found, or seeded in this run. */
  action: Record<string, 'reused' | 'seeded'>;
  seconds: number;
}

/** `postgresql://…/postgres` -> the same server, database `name`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function benchDatabaseName(service: string): string {
  return `credit_graph_bench_${service.replace(/-/g, '_')}`;
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap((entry) => {
      const full = path.join(folder, entry);
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

/** What decides a subgraph's seeded rows: the shared seed code, its own seed and migrations. */
function fingerprint(root: string, subgraph: string): string {
  const hash = createHash('sha256');
  const files = [
    path.join(root, 'subgraph-kit/src/seeding.ts'),
    path.join(root, 'subgraphs', subgraph, 'prisma/seed.ts'),
    ...filesUnder(path.join(root, 'subgraphs', subgraph, 'prisma/migrations')),
  ];
  for (const file of files) hash.update(path.relative(root, file)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

export async function ensureDatabase(adminUrl: string, name: string, recreate = false): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    if (recreate) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function seededAs(url: string): Promise<{ enterprises: number; fingerprint: string } | undefined> {
  return withClient(url, async (client) => {
    const exists = await client.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = '_bench_seed'`);
    if (!exists.rowCount) return undefined;
    const rows = await client.query<{ enterprises: number; fingerprint: string }>('SELECT enterprises, fingerprint FROM _bench_seed');
    return rows.rows[0];
  });
}

function runSeed(root: string, names: string[], enterprises: number, env: Record<string, string>, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // --reset: a database seeded with another count or older seed code is emptied first.
    const args = ['--import', 'tsx', 'scripts/credit-graph.ts', 'seed', '--reset', '--enterprises', String(enterprises), '--only', names.join(',')];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      for (const line of chunk.toString().split('\n').filter(Boolean)) log(`  seed ${line}`);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seeding ${names.join(', ')} failed (code ${code}):\n${output.slice(-3000)}`))));
  });
}

/**
 * Makes sure every subgraph database holds exactly the `enterprises` universe. Two seed
 * processes share the work (two cores); the heaviest subgraphs are split between them.
 */
export async function ensureSeeded(options: {
  root: string;
  adminUrl: string;
  subgraphs: string[];
  enterprises: number;
  reseed: boolean;
  log: (line: string) => void;
}): Promise<SeedOutcome> {
  const { root, adminUrl, subgraphs, enterprises, log } = options;
  const started = Date.now();
  const action: SeedOutcome['action'] = {};
  const stale: string[] = [];
  for (const name of subgraphs) {
    const url = databaseUrl(adminUrl, benchDatabaseName(name));
    await ensureDatabase(adminUrl, benchDatabaseName(name));
    const found = options.reseed ? undefined : await seededAs(url);
    if (found && found.enterprises === enterprises && found.fingerprint === fingerprint(root, name)) action[name] = 'reused';
    else stale.push(name);
  }
  if (stale.length > 0) {
    log(`seeding ${enterprises} enterprises into ${stale.join(', ')}`);
    const env = Object.fromEntries(subgraphs.map((name) => [databaseUrlVariable(name), databaseUrl(adminUrl, benchDatabaseName(name))]));
    const heavy = ['finance', 'trade', 'environment'];
    const groups = [stale.filter((name) => heavy.includes(name)), stale.filter((name) => !heavy.includes(name))].filter((group) => group.length > 0);
    await Promise.all(groups.map((group) => runSeed(root, group, enterprises, env, log)));
    for (const name of stale) {
      await withClient(databaseUrl(adminUrl, benchDatabaseName(name)), async (client) => {
        // Fresh statistics (the planner should see 100,000 enterprises, not empty tables) and
        // the state of a database that has lived a while: autovacuum's visibility map and hint
        // bits. Right after a bulk load, each first read of a row writes its hint bits and
        // index-only scans visit the heap: PostgreSQL's CPU per check was 5.2 against 3.8 ms
        // for the floor in the first run after a reseed (bench/README.md, session 8).
        await client.query('VACUUM (ANALYZE)');
        await client.query('CREATE TABLE IF NOT EXISTS _bench_seed (enterprises int NOT NULL, fingerprint text NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())');
        await client.query('TRUNCATE _bench_seed');
        await client.query('INSERT INTO _bench_seed (enterprises, fingerprint) VALUES ($1, $2)', [enterprises, fingerprint(root, name)]);
      });
      action[name] = 'seeded';
    }
  }
  return { action, seconds: (Date.now() - started) / 1000 };
}
