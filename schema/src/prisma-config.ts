// One prisma.config.ts for every service: the offline-capable setup (WASM schema engine
// through a driver adapter, see shared/notes/prisma-offline.md), pointed at the service's
// PostgreSQL when DATABASE_URL names one, else at its embedded PGlite folder.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { openDatabase, type DatabaseTarget } from './database.ts';

export function prismaConfig(serviceDir: string) {
  // Prisma 6 requires datasource.url to parse the schema; the adapter decides where data goes.
  process.env.DATABASE_URL ??= 'postgresql://embedded/pglite';
  const url = process.env.DATABASE_URL;
  // Without DATA_DIR the CLI works on a throw-away in-memory PGlite: enough for `migrate diff`,
  // and it leaves no stray data folder (services apply their migrations themselves at start).
  const target: DatabaseTarget = url.startsWith('postgresql://embedded')
    ? { kind: 'pglite', dataDir: process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR, path.basename(serviceDir)) : undefined }
    : { kind: 'postgres', url };
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: path.join(serviceDir, 'prisma/schema.prisma'),
    migrations: { path: path.join(serviceDir, 'prisma/migrations') },
    adapter: async () => (await openDatabase(target)).adapter as unknown as SqlMigrationAwareDriverAdapterFactory,
  });
}
