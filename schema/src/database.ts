// Where a service's data lives: PGlite files by default (zero setup), PostgreSQL when a URL
// is given. The gateway and every subgraph choose their database here, so all of them read
// the same variables and behave the same way.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { openPGlite } from './pglite-template.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { SettingsError } from './settings.ts';
import { DATABASE_POOL_SETTINGS } from './shared-settings.ts';

// Defaults and parsing are declared once, with the other settings every service shares.
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from './shared-settings.ts';
/** The client-side bound on a statement leaves the server's this long to report first. */
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

/** Waits of a PostgreSQL pool; PGlite runs in the process, without network or other sessions. */
export interface DatabaseTimeouts {
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export class DatabaseConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/**
 * The pool's waits from DATABASE_POOL_SIZE, DATABASE_CONNECT_TIMEOUT_MS and
 * DATABASE_STATEMENT_TIMEOUT_MS (DATABASE_POOL_SETTINGS); a DatabaseConfigError names every bad one.
 */
export function databaseTimeouts(env: NodeJS.ProcessEnv = process.env): DatabaseTimeouts {
  try {
    const settings = DATABASE_POOL_SETTINGS.parse(env);
    return { poolSize: settings.DATABASE_POOL_SIZE, connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS, statementTimeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS };
  } catch (error) {
    if (error instanceof SettingsError) throw new DatabaseConfigError(error.message);
    throw error;
  }
}

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | undefined } // undefined: in memory (tests)
  | { kind: 'postgres'; url: string };

export interface Database {
  readonly target: DatabaseTarget;
  /** Prisma driver adapter factory for this database (also serves the migration CLI). */
  readonly adapter: SqlDriverAdapterFactory;
  /** Runs SQL text that may hold several statements (migrations, seeding). */
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * The PostgreSQL pool's connections now: open (`total`), `idle`, clients `waiting` for one,
   * and the pool's `max`; absent for PGlite (one in-process session, no pool).
   */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

/** `finance` -> `FINANCE_DATABASE_URL`, `supply-chain` -> `SUPPLY_CHAIN_DATABASE_URL`. */
export function databaseUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
}

/** The data folder of the embedded default: `DATA_DIR`, or `./data` under the working directory. */
export function dataRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DATA_DIR ?? 'data');
}

export function databaseTarget(service: string, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const url = env[databaseUrlVariable(service)];
  if (url) return { kind: 'postgres', url };
  return { kind: 'pglite', dataDir: path.join(dataRoot(env), service) };
}

export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dataDir ? `PGlite ${target.dataDir}` : 'PGlite (memory)';
  const url = new URL(target.url);
  return `PostgreSQL ${url.host}${url.pathname}`;
}

/**
 * The time zone of every database session we open. Prisma's pg adapter sends a DateTime as text
 * without an offset and reads a timestamptz's text ignoring its offset, and CURRENT_TIMESTAMP
 * defaults fill `timestamp` columns with the session's wall time: on a server set to
 * `timezone = 'Asia/Shanghai'` (common in China) instants moved by 8 hours. In a UTC session
 * every timestamp round-trips exactly, whatever the server's and the process's time zone.
 */
export const SESSION_TIME_ZONE = 'UTC';

/**
 * Opens a service's database (PGlite or PostgreSQL) for Prisma and raw SQL, every session in
 * UTC. On PostgreSQL every wait is bounded (`timeouts`, from the environment by default):
 * getting a connection (connecting, or queueing for a busy pool) fails after
 * `connectTimeoutMs`, a statement after `statementTimeoutMs` (the server cancels it: SQLSTATE
 * 57014) and, should the server not even answer that, the client gives up a second later.
 * Migrations run through the same pool (a long migration needs a higher bound). A connection
 * lost while idle is reported to `logger` (the service's).
 */
export async function openDatabase(
  target: DatabaseTarget,
  timeouts: DatabaseTimeouts = databaseTimeouts(),
  logger: Pick<Console, 'error'> = console,
): Promise<Database> {
  if (target.kind === 'pglite') {
    // Owner only: the folder holds the service's whole database.
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
    const client = await openPGlite(target.dataDir);
    await client.exec(`SET TIME ZONE '${SESSION_TIME_ZONE}'`);
    return {
      target,
      // The PGlite adapter is typed against an older driver-adapter-utils; the interface is the same.
      adapter: new PrismaPGlite(client) as unknown as SqlDriverAdapterFactory,
      exec: async (sql) => void (await client.exec(sql)),
      query: async <Row>(sql: string, params?: unknown[]) => (await client.query<Row>(sql, params)).rows,
      // Prisma's $disconnect does not close PGlite, and an open PGlite keeps the process alive.
      close: () => client.close(),
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: timeouts.poolSize,
    // Every session in UTC, whatever the server's `timezone` (see SESSION_TIME_ZONE).
    options: `-c TimeZone=${SESSION_TIME_ZONE}`,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    // Also bounds lock waits, and a session left idle inside a transaction holds no lock long.
    idle_in_transaction_session_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
  });
  // A connection can fail while idle or closing (PostgreSQL restarted, the connection killed by
  // an administrator). Unheard, pg's 'error' event would crash the process; the pool replaces a
  // broken connection by itself, so the failure is logged and the service goes on.
  const logConnectionError = (error: Error) => logger.error(`[database] ${describeTarget(target)}: connection lost: ${error.message}`);
  pool.on('error', logConnectionError);
  // The pool reports its idle clients' failures (above) and a busy client's to its query; this
  // listener covers a client the pool is already closing, which nobody else hears.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    target,
    adapter: new PrismaPg(pool) as unknown as SqlDriverAdapterFactory,
    exec: async (sql) => void (await pool.query(sql)),
    query: async <Row>(sql: string, params?: unknown[]) =>
      (await pool.query(sql, params as unknown[])).rows as Row[],
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: timeouts.poolSize }),
    close: () => pool.end(),
  };
}
