// `credit-graph migrate`: applies the pending Prisma migrations to every configured database
// (each subgraph's, <SUBGRAPH>_DATABASE_URL else PGlite under DATA_DIR, and the gateway's,
// GATEWAY_DATABASE_URL else PGlite) and nothing else: no seeding, no data touched. Safe to run
// again and from several places at once (PostgreSQL advisory lock, see migrations.ts). The
// manifests run it as a Job before a rollout; the services then start with MIGRATE_ON_START=false.
import { fileURLToPath } from 'node:url';
import { applyMigrations, databaseTarget, describeTarget, openDatabase } from '@credit-graph/contract';
import { GATEWAY_MIGRATIONS_DIR } from '../gateway/src/database.ts';
import { SUBGRAPH_DEFINITIONS, SUBGRAPH_NAMES } from './subgraphs.ts';

export interface MigrationOutcome {
  service: string;
  /** Where the database is, without credentials. */
  target: string;
  applied: string[];
  error?: string;
}

/** Every service with a database and its migrations folder: the six subgraphs, then the gateway. */
export function migrationSets(): { service: string; migrationsDir: string }[] {
  return [
    ...SUBGRAPH_NAMES.map((service) => ({ service, migrationsDir: fileURLToPath(SUBGRAPH_DEFINITIONS[service].migrationsDir) })),
    { service: 'gateway', migrationsDir: GATEWAY_MIGRATIONS_DIR },
  ];
}

async function migrateOne(service: string, migrationsDir: string, env: NodeJS.ProcessEnv): Promise<MigrationOutcome> {
  const target = databaseTarget(service, env);
  const outcome: MigrationOutcome = { service, target: describeTarget(target), applied: [] };
  try {
    const database = await openDatabase(target);
    try {
      outcome.applied = (await applyMigrations(database, migrationsDir)).applied;
    } finally {
      await database.close();
    }
  } catch (error) {
    outcome.error = (error as Error).message;
  }
  return outcome;
}

/**
 * Migrates every database; prints one line per service and sets exit code 1 when any failed
 * (the others are still migrated: each database has its own history).
 */
export async function migrateAll(env: NodeJS.ProcessEnv = process.env): Promise<MigrationOutcome[]> {
  const outcomes = await Promise.all(migrationSets().map(({ service, migrationsDir }) => migrateOne(service, migrationsDir, env)));
  for (const outcome of outcomes) {
    if (outcome.error) console.error(`${outcome.service}: FAILED (${outcome.target}): ${outcome.error}`);
    else console.log(`${outcome.service}: ${outcome.applied.length ? `applied ${outcome.applied.join(', ')}` : 'up to date'} (${outcome.target})`);
  }
  if (outcomes.some((outcome) => outcome.error)) process.exitCode = 1;
  return outcomes;
}
