// Applies a service's Prisma migrations (prisma/migrations/*/migration.sql) at start-up.
// Prisma's CLI cannot reach an in-memory PGlite and costs seconds of WASM start per service,
// so the services apply the same files themselves and record them in Prisma's own
// `_prisma_migrations` table: `prisma migrate status` and `deploy` agree with what ran here.
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

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export async function applyMigrations(db: Database, migrationsDir: string): Promise<MigrationReport> {
  const names = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
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
