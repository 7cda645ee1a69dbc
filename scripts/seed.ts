// `npm run seed -- --enterprises N [--only a,b]`: empties each subgraph's database and seeds
// it with the deterministic universe of N enterprises (default 2,000; up to 100,000 for
// benchmarks). Databases as for `npm start`: <SUBGRAPH>_DATABASE_URL, else PGlite under DATA_DIR.
import { parseArgs } from 'node:util';
import { databaseTarget, describeTarget } from '@credit-graph/contract';
import { connectDatabase, DEFAULT_SEED_ENTERPRISES, withBulkInserts } from '@credit-graph/subgraph-kit';
import { SUBGRAPH_DEFINITIONS, type SubgraphName } from './subgraphs.ts';

const { values } = parseArgs({
  options: {
    enterprises: { type: 'string', default: String(DEFAULT_SEED_ENTERPRISES) },
    only: { type: 'string' },
  },
});
const count = Number(values.enterprises);
if (!Number.isInteger(count) || count < 3 || count > 1_000_000) {
  console.error(`--enterprises must be a whole number from 3 to 1,000,000, got "${values.enterprises}"`);
  process.exit(2);
}
const names = (values.only?.split(',') ?? Object.keys(SUBGRAPH_DEFINITIONS)) as SubgraphName[];
const unknown = names.filter((name) => !(name in SUBGRAPH_DEFINITIONS));
if (unknown.length > 0) {
  console.error(`Unknown subgraph(s): ${unknown.join(', ')}`);
  process.exit(2);
}

async function reseed(name: SubgraphName): Promise<void> {
  const definition = SUBGRAPH_DEFINITIONS[name] as (typeof SUBGRAPH_DEFINITIONS)['registry'];
  const target = databaseTarget(name);
  const started = Date.now();
  const { database, db } = await connectDatabase(definition, target);
  try {
    const tables = await database.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    if (tables.length > 0) {
      await database.exec(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} CASCADE`);
    }
    // PostgreSQL takes the seed's rows in multi-row INSERTs through the driver (see withBulkInserts).
    await definition.seed(target.kind === 'postgres' ? withBulkInserts(db, database) : db, count);
    console.log(`${name}: ${count} enterprises in ${((Date.now() - started) / 1000).toFixed(1)} s (${describeTarget(target)})`);
  } finally {
    await db.$disconnect();
    await database.close();
  }
}

const started = Date.now();
await Promise.all(names.map(reseed));
console.log(`seeded ${names.length} subgraph(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
