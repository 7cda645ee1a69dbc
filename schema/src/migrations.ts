// Applies a service's Prisma migrations (prisma/migrations/*/migration.sql) at start-up.
// Prisma's CLI cannot reach an in-memory PGlite and costs seconds of WASM start per service,
// so the services apply the same files themselves and record them in Prisma's own
// `_prisma_migrations` table: `prisma migrate status` and `deploy` agree with what ran here.
// In production the migrations run once per release (`credit-graph migrate`, the manifests'
// migration Job) and the services start with MIGRATE_ON_START=false: they only check that no
// migration is pending, so that replicas never race a schema change.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './database.ts';

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Replicas starting together on one PostgreSQL must not migrate twice (Prisma uses the same lock).
const ADVISORY_LOCK = 72707369;

/** MIGRATE_ON_START's values: apply pending migrations at start (default), or only check. */
const MIGRATE_ON_START_VALUES: Record<string, boolean> = { '': true, true: true, false: false };

/** A service told not to migrate found migrations it would need: run `credit-graph migrate` first. */
export class PendingMigrationsError extends Error {
  readonly code = 'MIGRATIONS_PENDING';
  constructor(readonly pending: string[], migrationsDir: string) {
    super(
      `${pending.length} migration(s) not applied (${pending.join(', ')} from ${migrationsDir}) and MIGRATE_ON_START=false: ` +
        'run `credit-graph migrate` (the migration Job) first',
    );
  }
}

/** A MIGRATE_ON_START value other than true or false. */
export class MigrateOnStartError extends Error {}

/** Whether a service applies pending migrations when it starts (MIGRATE_ON_START, default true). */
export function migrateOnStart(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = (env.MIGRATE_ON_START ?? '').trim().toLowerCase();
  const value = MIGRATE_ON_START_VALUES[raw];
  if (value === undefined) throw new MigrateOnStartError(`MIGRATE_ON_START must be "true" or "false", got "${env.MIGRATE_ON_START}"`);
  return value;
}

async function migrationNames(migrationsDir: string): Promise<string[]> {
  return (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Names of the migrations in `migrationsDir` that `db` has not applied yet, in order. */
export async function pendingMigrations(db: Database, migrationsDir: string): Promise<string[]> {
  const names = await migrationNames(migrationsDir);
  const [table] = await db.query<{ exists: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS exists`);
  if (!table?.exists) return names;
  const done = new Set(
    (
      await db.query<{ migration_name: string }>(
        'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      )
    ).map((row) => row.migration_name),
  );
  return names.filter((name) => !done.has(name));
}

/**
 * What a service does with its migrations when it opens its database: applies the pending ones
 * (MIGRATE_ON_START unset or true), or, with MIGRATE_ON_START=false, refuses to start with
 * PendingMigrationsError when any is pending (it never changes the schema itself then).
 */
export async function prepareSchema(db: Database, migrationsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (migrateOnStart(env)) {
    await applyMigrations(db, migrationsDir);
    return;
  }
  const pending = await pendingMigrations(db, migrationsDir);
  if (pending.length > 0) throw new PendingMigrationsError(pending, migrationsDir);
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/** Applies every pending migration in `migrationsDir`, each in its own transaction, in name order. */
export async function applyMigrations(db: Database, migrationsDir: string): Promise<MigrationReport> {
  const names = await migrationNames(migrationsDir);
  const postgres = db.target.kind === 'postgres';
  if (postgres) await db.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK]);
  try {
    await db.exec(MIGRATIONS_TABLE);
    const done = new Set(
      (
        await db.query<{ migration_name: string }>(
          'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
      ).map((row) => row.migration_name),
    );
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const record = `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
        VALUES ('${randomUUID()}', '${checksum}', now(), '${name.replace(/'/g, "''")}', 1)`;
      // One transaction per migration: a failed migration leaves nothing half-applied.
      await db.exec(`BEGIN;\n${sql}\n;${record};\nCOMMIT;`);
      applied.push(name);
    }
    return { applied, alreadyApplied: done.size };
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    if (postgres) await db.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK]);
  }
}
