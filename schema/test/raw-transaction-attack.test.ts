// Attacks on RawQuery.transaction: fake adapter for exact timings, real database for leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rawQuery, RawTransactionTimeoutError, type Database, type DatabaseTarget } from '@credit-graph/contract';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ok = { columnNames: [], columnTypes: [], rows: [] };

/** A fake adapter: each hook returns a promise; logs what happened. */
function fake(hooks: { start?: () => Promise<unknown>; statement?: (sql: string) => Promise<unknown>; phantom?: boolean; commit?: () => Promise<unknown> }) {
  const log: string[] = [];
  const tx = {
    provider: 'postgres', adapterName: 'fake', options: { usePhantomQuery: !!hooks.phantom },
    async queryRaw(q: { sql: string }) { log.push(q.sql); await hooks.statement?.(q.sql); return ok; },
    async executeRaw(q: { sql: string }) { log.push(q.sql); await hooks.statement?.(q.sql); return 1; },
    async commit() { log.push('release:commit'); await hooks.commit?.(); },
    async rollback() { log.push('release:rollback'); },
  };
  const adapter = {
    provider: 'postgres', adapterName: 'fake',
    async startTransaction() { log.push('start'); await hooks.start?.(); return tx; },
    async queryRaw() { return ok; }, async executeRaw() { return 0; }, async executeScript() {}, async dispose() {},
  };
  const factory = { provider: 'postgres', adapterName: 'fake', connect: async () => adapter } as never;
  return { raw: rawQuery(factory), log };
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

describe('raw.transaction with a fake adapter', () => {
  it('deadline while waiting for a connection: caller told timeout, the late connection is rolled back and released', async () => {
    const { raw, log } = fake({ start: () => sleep(150) });
    await expect(raw.transaction(async (tx) => tx.execute({ text: 'INSERT 1', values: [] }), { timeoutMs: 50 })).rejects.toBeInstanceOf(RawTransactionTimeoutError);
    await sleep(200);
    expect(log).toEqual(['start', 'ROLLBACK', 'release:rollback']);
  });

  it('deadline while waiting for a connection that then fails: no unhandled rejection', async () => {
    const { raw } = fake({ start: async () => { await sleep(100); throw new Error('pool gave up'); } });
    await expect(raw.transaction(async () => 1, { timeoutMs: 20 })).rejects.toBeInstanceOf(RawTransactionTimeoutError);
    await sleep(150);
    expect(unhandled).toEqual([]);
  });

  it('COMMIT sent before the deadline and answered after it: the caller is told committed', async () => {
    const { raw, log } = fake({ statement: (sql) => (sql === 'COMMIT' ? sleep(150) : Promise.resolve()) });
    await expect(raw.transaction(async (tx) => { await tx.execute({ text: 'INSERT 1', values: [] }); return 'done'; }, { timeoutMs: 50 })).resolves.toBe('done');
    expect(log).toEqual(['start', 'INSERT 1', 'COMMIT', 'release:commit']);
  });

  it('COMMIT refused: caller told failed, connection released once', async () => {
    const { raw, log } = fake({ statement: async (sql) => { if (sql === 'COMMIT') throw new Error('deferred constraint'); } });
    await expect(raw.transaction(async (tx) => tx.execute({ text: 'INSERT 1', values: [] }), { timeoutMs: 1000 })).rejects.toThrow('deferred constraint');
    expect(log).toEqual(['start', 'INSERT 1', 'COMMIT', 'release:rollback']);
  });

  it('work that swallows the timeout and returns anyway is rolled back, not committed', async () => {
    const { raw, log } = fake({ statement: (sql) => (sql === 'SLOW' ? sleep(100) : Promise.resolve()) });
    await expect(raw.transaction(async (tx) => {
      await tx.execute({ text: 'SLOW', values: [] });
      await tx.execute({ text: 'INSERT 2', values: [] }).catch(() => undefined);
      return 'pretend';
    }, { timeoutMs: 30 })).rejects.toBeInstanceOf(RawTransactionTimeoutError);
    await sleep(120);
    expect(log).toEqual(['start', 'SLOW', 'ROLLBACK', 'release:rollback']);
  });

  it('a tx kept past the end of its transaction cannot send statements on the released connection', async () => {
    const { raw, log } = fake({});
    let kept: { execute(s: { text: string; values: unknown[] }): Promise<number> } | undefined;
    await raw.transaction(async (tx) => { kept = tx; });
    await kept!.execute({ text: 'LATE INSERT', values: [] }).catch(() => undefined);
    expect(log).not.toContain('LATE INSERT');
  });

  it('phantom (PGlite-like) commit failing is reported', async () => {
    const { raw } = fake({ phantom: true, commit: async () => { throw new Error('phantom commit failed'); } });
    await expect(raw.transaction(async () => 1)).rejects.toThrow('phantom commit failed');
  });
});

describe('raw.transaction on the real database', () => {
  let database: Database;
  const url = process.env.TEST_DATABASE_URL;
  const table = `raw_tx_attack_${process.pid}`;
  beforeAll(async () => {
    database = await openDatabase((url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: undefined }) as DatabaseTarget, { poolSize: 2, connectTimeoutMs: 300, statementTimeoutMs: 5000 });
    await database.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, ref int, CONSTRAINT self_ref FOREIGN KEY (ref) REFERENCES ${table}(id) DEFERRABLE INITIALLY DEFERRED)`);
  }, 60_000);
  afterAll(async () => { await database?.exec(`DROP TABLE IF EXISTS ${table}`); await database?.close(); });
  const count = async () => Number((await database.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0]!.n);

  it('a COMMIT refused by a deferred constraint rejects, leaves nothing and releases the connection', async () => {
    const raw = rawQuery(database.adapter);
    const outcome = await raw.transaction(async (tx) => tx.execute({ text: `INSERT INTO ${table} (id, ref) VALUES (1, 999)`, values: [] })).then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
    expect({ outcome, rows: await count() }).toMatchObject({ rows: 0 });
    expect(outcome).toMatch(/^rejected/);
    expect(database.poolStats?.() ?? { idle: 0, total: 0, waiting: 0 }).toMatchObject({ waiting: 0 });
    await raw.transaction((tx) => tx.execute({ text: `INSERT INTO ${table} (id) VALUES (2)`, values: [] }));
    expect(await count()).toBe(1);
  });

  it.runIf(url)('deadline while every pool connection is busy, and a pool connect timeout: nothing leaks, nothing stays open', async () => {
    const raw = rawQuery(database.adapter);
    const busy = [0, 1].map(() => raw.transaction((tx) => tx.query({ text: 'SELECT pg_sleep(0.5)::text', values: [] })));
    const late = raw.transaction((tx) => tx.execute({ text: `INSERT INTO ${table} (id) VALUES (10)`, values: [] }), { timeoutMs: 100 });
    const noDeadline = raw.transaction((tx) => tx.execute({ text: `INSERT INTO ${table} (id) VALUES (11)`, values: [] }));
    await expect(late).rejects.toBeInstanceOf(RawTransactionTimeoutError);
    await expect(noDeadline).rejects.toThrow(); // pool connect timeout (300 ms)
    await Promise.all(busy);
    await sleep(200);
    expect(database.poolStats!()).toMatchObject({ waiting: 0 });
    expect(database.poolStats!().idle).toBe(database.poolStats!().total);
    const open = await database.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
    expect(open[0]!.n).toBe('0');
    expect((await database.query(`SELECT id FROM ${table} WHERE id IN (10, 11)`)).length).toBe(0);
  });

  it('many concurrent transactions with tiny deadlines: every "resolved" row exists, every "rejected" row does not', async () => {
    const raw = rawQuery(database.adapter);
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      raw.transaction(async (tx) => {
        await tx.query({ text: 'SELECT pg_sleep(0.002)::text', values: [] });
        await tx.execute({ text: `INSERT INTO ${table} (id) VALUES ($1)`, values: [1000 + i] });
      }, { timeoutMs: 5 + (i % 20) }).then(() => true, () => false)));
    await sleep(url ? 1500 : 300);
    const rows = new Set((await database.query<{ id: number }>(`SELECT id FROM ${table} WHERE id >= 1000`)).map((r) => r.id));
    const mismatches = outcomes.flatMap((resolved, i) => (resolved !== rows.has(1000 + i) ? [{ i, resolved }] : []));
    expect(mismatches).toEqual([]);
    if (database.poolStats) expect(database.poolStats()).toMatchObject({ waiting: 0 });
    expect(unhandled).toEqual([]);
  }, 30_000);
});
