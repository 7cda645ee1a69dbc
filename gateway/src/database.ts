// The gateway's own database (API keys, consents, audit log): PGlite under DATA_DIR/gateway
// by default, PostgreSQL when GATEWAY_DATABASE_URL is set. Migrated on open, unless
// MIGRATE_ON_START=false (then it only checks that no migration is pending; see migrations.ts).
//
// PGlite serves one process only: a second process opening the same folder (an operator
// command while `npm start` runs) would write where the running gateway never looks, or lose
// its writes. So an embedded database is claimed with a lock file beside its folder, and a
// second opener is refused with a message saying what to do.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { databaseTarget, prepareSchema, openDatabase, rawQuery, type Database, type DatabaseTarget, type DatabaseTimeouts, type RawQuery } from '@credit-graph/contract';
import { PrismaClient } from './generated/prisma/client.ts';

export type GatewayDb = PrismaClient;

/** The gateway's Prisma migrations (`credit-graph migrate` applies them too). */
export const GATEWAY_MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

export interface GatewayDatabase {
  db: GatewayDb;
  /** The hot reads' statements through the same driver adapter, without the client's pipeline (raw-query.ts). */
  raw: RawQuery;
  database: Database;
  close(): Promise<void>;
}

/** The embedded gateway database is open in another process. */
export class DatabaseInUseError extends Error {
  readonly code = 'DATABASE_IN_USE';
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Claims an embedded database folder for this process (`<folder>.lock`, mode 0600, holding
 * the pid); returns the release. A lock left by a process that no longer runs is taken over.
 * Throws DatabaseInUseError when a running process holds it.
 */
export function claimEmbeddedDatabase(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let pid = Number.NaN;
      try {
        pid = Number((JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: unknown }).pid);
      } catch {
        // unreadable: treated as stale
      }
      if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
        throw new DatabaseInUseError(
          `the embedded gateway database ${dataDir} is open in process ${pid} (a running gateway, e.g. \`npm start\`). ` +
            'PGlite serves one process only, so a change made here would be lost or never seen by it. ' +
            'Stop the gateway, run the command, then start it again; or run the gateway on PostgreSQL (GATEWAY_DATABASE_URL), where operator commands take effect at once.',
        );
      }
      unlinkSync(lockFile); // stale: its process is gone
    }
  }
  throw new DatabaseInUseError(`could not claim the embedded gateway database ${dataDir} (${lockFile})`);
}

/**
 * `timeouts`: the PostgreSQL pool's bounds (default: from the environment, see the contract's
 * database.ts); `logger`: where a connection lost while idle is reported.
 */
export async function openGatewayDatabase(
  target: DatabaseTarget = databaseTarget('gateway'),
  timeouts?: DatabaseTimeouts,
  logger?: Pick<Console, 'error'>,
): Promise<GatewayDatabase> {
  const release = target.kind === 'pglite' && target.dataDir ? claimEmbeddedDatabase(target.dataDir) : () => undefined;
  let database: Database | undefined;
  try {
    database = await openDatabase(target, timeouts, logger);
    await prepareSchema(database, GATEWAY_MIGRATIONS_DIR);
  } catch (error) {
    await database?.close();
    release();
    throw error;
  }
  const db = new PrismaClient({ adapter: database.adapter });
  const opened = database;
  return {
    db,
    raw: rawQuery(database.adapter),
    database: opened,
    async close() {
      await db.$disconnect();
      await opened.close();
      release();
    },
  };
}
