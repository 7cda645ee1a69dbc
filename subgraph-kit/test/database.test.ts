// A database connection killed under a running service (PostgreSQL restarted, an administrator
// terminating it) is logged and replaced: the process does not crash, the next query answers.
// Every wait on PostgreSQL is bounded: connecting, queueing for the pool, a statement blocked
// by a lock, a server that accepts and never answers, a link that goes silent mid-session.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { databaseTimeouts, DatabaseConfigError, openDatabase } from '@credit-graph/contract';
import { createTestDatabase, startTcpProxy, type TestDatabase } from '../src/testing.ts';

const adminUrl = process.env.TEST_DATABASE_URL;
let database: TestDatabase | undefined;
afterAll(() => database?.drop());

describe('PostgreSQL connections', () => {
  // Needs a PostgreSQL server (CI sets TEST_DATABASE_URL); without one this shows as skipped.
  it.runIf(adminUrl)('survive the server terminating every idle connection', async () => {
    database = await createTestDatabase('connections');
    const opened = await openDatabase(database.target);
    try {
      await Promise.all([1, 2, 3].map(() => opened.query('SELECT pg_sleep(0.05)')));
      const name = new URL((database.target as { url: string }).url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      const { rows } = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE datname = $1', [name]);
      await admin.end();
      expect(rows[0].killed).toBeGreaterThan(0);
      // Let the terminations reach the pool's idle clients (an unheard 'error' would crash here).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await opened.query<{ answer: number }>('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
    } finally {
      await opened.close();
    }
  });
});

const SHORT = { poolSize: 1, connectTimeoutMs: 300, statementTimeoutMs: 400 };

describe('bounded waits on PostgreSQL', () => {
  it('fails a query to a server that accepts connections and never answers, instead of hanging', async () => {
    const silent = new Set<Socket>();
    const server = createServer((socket) => void silent.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const opened = await openDatabase({ kind: 'postgres', url: `postgresql://postgres@127.0.0.1:${port}/nowhere` }, SHORT);
    try {
      await expect(opened.query('SELECT 1')).rejects.toThrow(/timeout/i);
      expect(silent.size).toBeGreaterThan(0);
    } finally {
      await opened.close().catch(() => undefined);
      for (const socket of silent) socket.destroy();
      server.close();
    }
  });

  it('reads its bounds from the environment, with documented defaults, and refuses nonsense', () => {
    expect(databaseTimeouts({})).toEqual({ poolSize: 10, connectTimeoutMs: 5000, statementTimeoutMs: 15000 });
    expect(databaseTimeouts({ DATABASE_STATEMENT_TIMEOUT_MS: '2500', DATABASE_POOL_SIZE: '4' })).toMatchObject({ poolSize: 4, statementTimeoutMs: 2500 });
    expect(() => databaseTimeouts({ DATABASE_CONNECT_TIMEOUT_MS: '0' })).toThrow(DatabaseConfigError);
    expect(() => databaseTimeouts({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(DatabaseConfigError);
  });

  it.runIf(adminUrl)('cancels a statement blocked by a lock, and refuses a query waiting for a busy pool', async () => {
    const locked = await createTestDatabase('locked');
    const url = (locked.target as { url: string }).url;
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    const opened = await openDatabase(locked.target, SHORT);
    try {
      await holder.query('CREATE TABLE held (id int)');
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
      // The pool's one connection waits on the lock until the server cancels it...
      const blocked = opened.query('SELECT * FROM held');
      // ...and meanwhile a second query cannot get a connection within the connect timeout.
      await expect(opened.query('SELECT 1')).rejects.toThrow(/timeout/i);
      await expect(blocked).rejects.toMatchObject({ code: '57014' });
      await holder.query('ROLLBACK');
      expect(await opened.query<{ n: number }>('SELECT count(*)::int AS n FROM held')).toEqual([{ n: 0 }]);
    } finally {
      await holder.end();
      await opened.close();
      await locked.drop();
    }
  });

  it.runIf(adminUrl)('gives up on a session whose server goes silent mid-way (a partition), instead of hanging', async () => {
    const partitioned = await createTestDatabase('partitioned');
    const target = new URL((partitioned.target as { url: string }).url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(target);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const opened = await openDatabase({ kind: 'postgres', url: viaProxy.toString() }, SHORT);
    try {
      expect(await opened.query<{ answer: number }>('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
      proxy.freeze();
      await expect(opened.query('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await proxy.close();
      await opened.close().catch(() => undefined);
      await partitioned.drop();
    }
  });
});
