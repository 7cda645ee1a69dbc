// Timestamps on a PostgreSQL server that is not in UTC (issue 10 §6): with the server set to
// `timezone = 'Asia/Shanghai'`, a traceability step's time must be stored as the instant it is
// and read back exactly, by Prisma and by the seed's bulk inserts alike, and database defaults
// (createdAt) must be the current instant, not Beijing wall time read as UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clock, makeUscc } from '@credit-graph/contract';
import { seedUniverse, withBulkInserts, writeScope, type RunningSubgraph } from '@credit-graph/subgraph-kit';
import { startTestSubgraph, subgraphGraphql, testCaller } from '@credit-graph/subgraph-kit/testing';
import { supplyChain } from '../src/index.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

// This file always runs against a server in Beijing time (createTestDatabase reads this).
process.env.TEST_DATABASE_TIMEZONE = 'Asia/Shanghai';
const universe = seedUniverse(12);
const PLATFORM = testCaller('SECTOR_PLATFORM', {
  sector: 'supply-chain',
  institution: makeUscc('11', '410100', '00000105'),
  scopes: ['credit:read', writeScope('supply-chain')],
});
const RECORD_STEP = `mutation ($input: TraceabilityStepInput!, $key: String!) {
  recordTraceabilityStep(input: $input, idempotencyKey: $key) { sequence at }
}`;

let subgraph: RunningSubgraph<PrismaClient>;
/** An instant `minutes` before the clock's now, to the millisecond (seeded steps are all older). */
const minutesAgo = (minutes: number) => new Date(clock().now().getTime() - minutes * 60_000);

// Needs a PostgreSQL server (CI sets TEST_DATABASE_URL); without one this shows as skipped.
describe.skipIf(!process.env.TEST_DATABASE_URL)('timestamps on a PostgreSQL server in Asia/Shanghai', () => {
  beforeAll(async () => {
    subgraph = await startTestSubgraph(supplyChain, universe.length);
  });
  afterAll(() => subgraph?.stop());

  it('runs against a server whose time zone is not UTC', async () => {
    const admin = await subgraph.database.query<{ zone: string }>(`SELECT setting AS zone FROM pg_db_role_setting, unnest(setconfig) AS setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    expect(admin.map((row) => row.zone)).toContain('TimeZone=Asia/Shanghai');
  });

  it('keeps instants in timestamptz columns: no column holds wall time without a zone', async () => {
    const columns = await subgraph.database.query<{ column: string }>(
      `SELECT table_name || '.' || column_name AS "column" FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'timestamp without time zone' AND table_name <> '_prisma_migrations'`,
    );
    expect(columns).toEqual([]);
  });

  async function freshCode(): Promise<{ code: string; uscc: string }> {
    const batch = await subgraph.db.traceabilityCode.findFirstOrThrow({ where: { steps: { none: { at: { gt: minutesAgo(180) } } } }, orderBy: { code: 'desc' } });
    return { code: batch.code, uscc: batch.uscc };
  }

  it('stores and reads a step written by Prisma and one written by the bulk path as the same instant', async () => {
    const { code, uscc } = await freshCode();
    const at = minutesAgo(150);
    const base = { code, stage: 'RETAIL' as const, operatorUscc: uscc, location: 'test' };
    await subgraph.db.traceabilityStep.create({ data: { ...base, id: `${code}-900`, sequence: 900, at } });
    await withBulkInserts(subgraph.db, subgraph.database).traceabilityStep.createMany({ data: [{ ...base, id: `${code}-901`, sequence: 901, at }] });
    const read = await subgraph.db.traceabilityStep.findMany({ where: { code, sequence: { in: [900, 901] } }, orderBy: { sequence: 'asc' } });
    expect(read.map((step) => step.at.toISOString())).toEqual([at.toISOString(), at.toISOString()]);
    // The server holds the instant itself: seconds since the epoch, not Beijing wall time.
    const stored = await subgraph.database.query<{ epoch: string }>(`SELECT extract(epoch FROM "at")::text AS epoch FROM "TraceabilityStep" WHERE code = $1 AND sequence IN (900, 901)`, [code]);
    expect(stored.map((row) => Number(row.epoch) * 1000)).toEqual([at.getTime(), at.getTime()]);
    await subgraph.db.traceabilityStep.deleteMany({ where: { code, sequence: { in: [900, 901] } } });
  });

  it('accepts a step an hour after a seeded (bulk-inserted) last step, and reads both exactly', async () => {
    const { code, uscc } = await freshCode();
    const last = await subgraph.db.traceabilityStep.findFirstOrThrow({ where: { code }, orderBy: { sequence: 'desc' } });
    const seededAt = minutesAgo(120);
    const stepAt = minutesAgo(60).toISOString();
    await withBulkInserts(subgraph.db, subgraph.database).traceabilityStep.createMany({
      data: [{ id: `${code}-${last.sequence + 1}`, code, sequence: last.sequence + 1, stage: 'WHOLESALE', operatorUscc: uscc, location: 'seeded', at: seededAt }],
    });
    const input = { code, stage: 'RETAIL', operatorUscc: uscc, location: '郑州 (test)', at: stepAt, temperatureCelsius: null, note: null };
    const result = await subgraphGraphql(subgraph.url, RECORD_STEP, { input, key: `tz-step-${code}` }, PLATFORM);
    expect(result.errors).toBeUndefined();
    expect(result.data.recordTraceabilityStep).toEqual({ sequence: last.sequence + 2, at: stepAt });
    const steps = await subgraph.db.traceabilityStep.findMany({ where: { code, sequence: { gt: last.sequence } }, orderBy: { sequence: 'asc' } });
    expect(steps.map((step) => step.at.toISOString())).toEqual([seededAt.toISOString(), stepAt]);
  });

  it('fills a createdAt default with the current instant, not Beijing wall time', async () => {
    await subgraph.database.query(`INSERT INTO "IdempotencyKey" ("scope", "key", "operation", "requestHash", "resultId") VALUES ('tz-test', 'tz-default', 'op', 'hash', '')`);
    const [row] = await subgraph.database.query<{ skewSeconds: string }>(
      `SELECT abs(extract(epoch FROM ("createdAt" - (now() AT TIME ZONE 'UTC'))))::text AS "skewSeconds" FROM "IdempotencyKey" WHERE scope = 'tz-test'`,
    );
    const viaPrisma = await subgraph.db.idempotencyKey.findFirstOrThrow({ where: { scope: 'tz-test' } });
    const [server] = await subgraph.database.query<{ now: Date }>(`SELECT now() AS now`);
    // Eight hours apart if the default were Beijing wall time; the same statement's clock otherwise.
    expect(Number(row!.skewSeconds)).toBeLessThan(60);
    expect(Math.abs(viaPrisma.createdAt.getTime() - server!.now.getTime())).toBeLessThan(60 * 60_000);
  });
});
