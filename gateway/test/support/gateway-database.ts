// The gateway database of a unit test file: one fresh database (PostgreSQL with
// TEST_DATABASE_URL, else in-memory PGlite), migrated before the file's tests and closed and
// dropped after them. Each file used to write these two hooks itself.
import { afterAll, beforeAll } from 'vitest';
import type { DatabaseTarget } from '@credit-graph/contract';
import { createTestDatabase, type TestDatabase } from '@credit-graph/subgraph-kit/testing';
import { openGatewayDatabase, type GatewayDatabase } from '../../src/database.ts';

/**
 * Registers the file's hooks and returns the database, filled in once `beforeAll` has run (use
 * it inside tests and hooks, not at module level), with its `target` for a second connection.
 * `label` names the PostgreSQL database.
 */
export function useGatewayDatabase(label: string): GatewayDatabase & { target: DatabaseTarget } {
  const opened = {} as GatewayDatabase & { target: DatabaseTarget };
  let testDatabase: TestDatabase | undefined;
  beforeAll(async () => {
    testDatabase = await createTestDatabase(label);
    Object.assign(opened, await openGatewayDatabase(testDatabase.target), { target: testDatabase.target });
  });
  afterAll(async () => {
    await opened.close?.();
    await testDatabase?.drop();
  });
  return opened;
}
