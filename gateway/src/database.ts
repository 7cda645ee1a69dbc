// The gateway's own database (API keys, consents, audit log): PGlite under DATA_DIR/gateway
// by default, PostgreSQL when GATEWAY_DATABASE_URL is set. Migrated on open.
import { fileURLToPath } from 'node:url';
import { applyMigrations, databaseTarget, openDatabase, type Database, type DatabaseTarget } from '@credit-graph/contract';
import { PrismaClient } from './generated/prisma/client.ts';

export type GatewayDb = PrismaClient;

const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

export interface GatewayDatabase {
  db: GatewayDb;
  database: Database;
  close(): Promise<void>;
}

export async function openGatewayDatabase(target: DatabaseTarget = databaseTarget('gateway')): Promise<GatewayDatabase> {
  const database = await openDatabase(target);
  await applyMigrations(database, MIGRATIONS_DIR);
  const db = new PrismaClient({ adapter: database.adapter });
  return {
    db,
    database,
    async close() {
      await db.$disconnect();
      await database.close();
    },
  };
}
