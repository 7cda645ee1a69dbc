// A database connection killed under a running service (PostgreSQL restarted, an administrator
// terminating it) is logged and replaced: the process does not crash, the next query answers.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase } from '@credit-graph/contract';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

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
