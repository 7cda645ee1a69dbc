// `credit-graph seed --enterprises N [--only a,b] [--reset]` (`npm run seed -- ...`): fills each
// subgraph's database with the deterministic universe of N enterprises (default 2,000; up to
// 100,000 for benchmarks). Databases as for `npm start`: <SUBGRAPH>_DATABASE_URL, else PGlite
// under DATA_DIR. Demo data only: refused when NODE_ENV=production, and refused for a database
// that already holds data unless --reset empties it first (every table but the migration history).
import { databaseTarget, databaseTimeouts, describeTarget } from '@credit-graph/contract';
import { connectDatabase, DEFAULT_SEED_ENTERPRISES, MAX_SEED_ENTERPRISES, MIN_SEED_ENTERPRISES, withBulkInserts } from '@credit-graph/subgraph-kit';

export { MAX_SEED_ENTERPRISES, MIN_SEED_ENTERPRISES };
import type { Database } from '@credit-graph/contract';
import { UsageError } from './cli.ts';
import { isSubgraphName, SUBGRAPH_DEFINITIONS, SUBGRAPH_NAMES, type SubgraphName } from './subgraphs.ts';

/** A seed's statements (multi-row INSERTs of up to a million enterprises) may run this long. */
export const SEED_STATEMENT_TIMEOUT_MS = 30 * 60_000;

/** Seeding was refused (production, or data present without --reset); nothing was changed. */
export class SeedRefusedError extends Error {
  override readonly name = 'SeedRefusedError';
}

export interface SeedOptions {
  enterprises?: number;
  /** Subgraphs to seed; all six by default. */
  only?: string[];
  /** Empty databases that hold data before seeding them. */
  reset?: boolean;
  /** Seed only the databases that hold no data; leave the others as they are (npm start's first run). */
  ifEmpty?: boolean;
  env?: NodeJS.ProcessEnv;
}

const MIGRATION_HISTORY = '_prisma_migrations';

/** Tables of the public schema that hold at least one row (the migration history aside). */
async function tablesWithData(database: Database): Promise<string[]> {
  const tables = await userTables(database);
  if (tables.length === 0) return [];
  const probes = tables.map((table, i) => `SELECT ${i} AS i WHERE EXISTS (SELECT 1 FROM "${table}")`).join(' UNION ALL ');
  return (await database.query<{ i: number }>(probes)).map((row) => tables[Number(row.i)]!);
}

async function userTables(database: Database): Promise<string[]> {
  const rows = await database.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY tablename`,
    [MIGRATION_HISTORY],
  );
  return rows.map((row) => row.tablename.replace(/"/g, '""'));
}

function checkOptions(options: SeedOptions): { count: number; names: SubgraphName[] } {
  const count = options.enterprises ?? DEFAULT_SEED_ENTERPRISES;
  if (!Number.isInteger(count) || count < MIN_SEED_ENTERPRISES || count > MAX_SEED_ENTERPRISES) {
    throw new UsageError(`--enterprises must be a whole number from ${MIN_SEED_ENTERPRISES} to ${MAX_SEED_ENTERPRISES.toLocaleString('en')}, got "${options.enterprises}"`);
  }
  const names = options.only ?? SUBGRAPH_NAMES;
  const unknown = names.filter((name) => !isSubgraphName(name));
  if (unknown.length > 0) throw new UsageError(`unknown subgraph(s): ${unknown.join(', ')} (known: ${SUBGRAPH_NAMES.join(', ')})`);
  return { count, names: names as SubgraphName[] };
}

/**
 * Seeds the chosen subgraphs' databases. Opens them all first and refuses (SeedRefusedError,
 * nothing changed) when NODE_ENV=production or when one holds data and neither `reset` nor
 * `ifEmpty` is set (`ifEmpty`: those are left as they are, each said in a line).
 */
export async function seedDatabases(options: SeedOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const { count, names } = checkOptions(options);
  if (env.NODE_ENV === 'production') {
    throw new SeedRefusedError('seed writes demo data and is refused when NODE_ENV=production');
  }
  const settled = await Promise.allSettled(
    names.map(async (name) => {
      const definition = SUBGRAPH_DEFINITIONS[name] as (typeof SUBGRAPH_DEFINITIONS)['registry'];
      const target = databaseTarget(name, env);
      // Bulk inserts of a large seed take longer than a request's statement budget.
      const timeouts = { ...databaseTimeouts(env), statementTimeoutMs: SEED_STATEMENT_TIMEOUT_MS };
      return { name, definition, target, ...(await connectDatabase(definition, target, undefined, timeouts)) };
    }),
  );
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const filled = await Promise.all(opened.map(async (entry) => ({ ...entry, tables: await tablesWithData(entry.database) })));
    const holding = options.reset ? [] : filled.filter((entry) => entry.tables.length > 0);
    if (holding.length > 0 && options.ifEmpty) {
      for (const entry of holding) {
        console.log(`${entry.name}: holds data already (an earlier seed, or one that was interrupted; delete ${describeTarget(entry.target)} to seed it again): kept as it is`);
      }
    } else if (holding.length > 0) {
      const list = holding.map((entry) => `${entry.name} (${describeTarget(entry.target)}: ${entry.tables.slice(0, 3).join(', ')}${entry.tables.length > 3 ? ', …' : ''})`);
      throw new SeedRefusedError(`refusing to seed databases that hold data: ${list.join('; ')}. Add --reset to empty them first.`);
    }
    const toSeed = filled.filter((entry) => !holding.includes(entry));
    const started = Date.now();
    await Promise.all(
      toSeed.map(async ({ name, definition, target, database, db }) => {
        const begun = Date.now();
        const tables = await userTables(database);
        if (options.reset && tables.length > 0) await database.exec(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} CASCADE`);
        // PostgreSQL takes the seed's rows in multi-row INSERTs through the driver (see withBulkInserts).
        await definition.seed(target.kind === 'postgres' ? withBulkInserts(db, database) : db, count);
        console.log(`${name}: ${count} enterprises in ${((Date.now() - begun) / 1000).toFixed(1)} s (${describeTarget(target)})`);
      }),
    );
    console.log(`seeded ${toSeed.length} subgraph(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await Promise.all(
      opened.map(async ({ db, database }) => {
        await db.$disconnect();
        await database.close();
      }),
    );
  }
}
