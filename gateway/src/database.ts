// The gateway's own database (API keys, consents, audit log): PGlite under DATA_DIR/gateway
// by default, PostgreSQL when GATEWAY_DATABASE_URL is set. Migrated on open, unless
// MIGRATE_ON_START=false (then it only checks that no migration is pending; see migrations.ts).
import { fileURLToPath } from 'node:url';
import { databaseTarget, prepareSchema, openDatabase, type Database, type DatabaseTarget } from '@credit-graph/contract';
import { PrismaClient } from './generated/prisma/client.ts';

export type GatewayDb = PrismaClient;

/** The gateway's Prisma migrations (`credit-graph migrate` applies them too). */
export const GATEWAY_MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

export interface GatewayDatabase {
  db: GatewayDb;
  database: Database;
  close(): Promise<void>;
}

export async function openGatewayDatabase(target: DatabaseTarget = databaseTarget('gateway')): Promise<GatewayDatabase> {
  const database = await openDatabase(target);
  try {
    await prepareSchema(database, GATEWAY_MIGRATIONS_DIR);
  } catch (error) {
    await database.close();
    throw error;
  }
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
