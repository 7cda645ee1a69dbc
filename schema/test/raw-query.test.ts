// The raw read path (raw-query.ts) on whichever database the suite runs against: parameters the
// adapters would otherwise send wrongly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@prisma/client/runtime/client';
import { openDatabase, rawQuery, RawTransactionTimeoutError, type Database, type DatabaseTarget, type RawQuery } from '@credit-graph/contract';

describe('raw reads: parameters', () => {
  let database: Database;
  beforeAll(async () => {
    const url = process.env.TEST_DATABASE_URL;
    database = await openDatabase((url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: undefined }) as DatabaseTarget);
  }, 60_000);
  afterAll(() => database?.close());

  it('sends a Prisma.Decimal and a BigInt as their exact values (pg would send a Decimal as JSON text and PostgreSQL refuse it)', async () => {
    const raw = rawQuery(database.adapter);
    const [row] = await raw<{ n: Decimal; s: string[]; d: Date; b: bigint }>({
      text: `SELECT $1::numeric AS n, $2::text[] AS s, $3::timestamptz AS d, $4::bigint + 1 AS b`,
      values: [new Decimal('12345678901234567890.123456789'), ['郑州', 'b'], new Date('2024-02-29T16:00:00.000Z'), 9007199254740993n],
    });
    expect(row!.n).toBeInstanceOf(Decimal);
    expect(row!.n.toString()).toBe('12345678901234567890.123456789');
    expect(row!.s).toEqual(['郑州', 'b']);
    expect(row!.d.toISOString()).toBe('2024-02-29T16:00:00.000Z');
    expect(row!.b).toBe(9007199254740994n);
  });
});

describe('raw transactions (the audit chain\'s appends)', () => {
  let database: Database;
  let raw: RawQuery;
  const table = `raw_tx_${process.pid}_${Date.now()}`;
  const count = async () => Number((await raw<{ n: bigint }>({ text: `SELECT count(*) AS n FROM ${table}`, values: [] }))[0]!.n);
  beforeAll(async () => {
    const url = process.env.TEST_DATABASE_URL;
    database = await openDatabase((url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: undefined }) as DatabaseTarget);
    raw = rawQuery(database.adapter);
    await database.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL)`);
  }, 60_000);
  afterAll(async () => {
    await database?.exec(`DROP TABLE IF EXISTS ${table}`);
    await database?.close();
  });

  it('commits what the work wrote and answers what it returned, rows decoded as raw reads are', async () => {
    const answer = await raw.transaction(
      async (tx) => {
        const changed = await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES ($1, $2), ($3, $4)`, values: [1, '郑州', 2, 'b'] });
        const rows = await tx.query<{ id: number; name: string }>({ text: `SELECT id, name FROM ${table} ORDER BY id`, values: [] });
        return { changed, rows };
      },
      { isolationLevel: 'READ COMMITTED', timeoutMs: 10_000 },
    );
    expect(answer).toEqual({ changed: 2, rows: [{ id: 1, name: '郑州' }, { id: 2, name: 'b' }] });
    expect(await count()).toBe(2);
  });

  it('rolls back when the work fails, rejects with the work\'s own error, and the connection serves the next transaction', async () => {
    const failure = new Error('refused by the work');
    await expect(
      raw.transaction(async (tx) => {
        await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (3, 'c')`, values: [] });
        throw failure;
      }),
    ).rejects.toBe(failure);
    // A statement the database refuses (duplicate key) rolls back the whole work too.
    await expect(
      raw.transaction(async (tx) => {
        await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (4, 'd')`, values: [] });
        await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (1, 'again')`, values: [] });
      }),
    ).rejects.toThrow();
    expect(await count()).toBe(2);
    await raw.transaction((tx) => tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (5, 'e')`, values: [] }));
    expect(await count()).toBe(3);
  });

  it('past its deadline the transaction rejects with RawTransactionTimeoutError, sends no further statement and is rolled back', async () => {
    await expect(
      raw.transaction(
        async (tx) => {
          await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (6, 'f')`, values: [] });
          await tx.query({ text: `SELECT pg_sleep(0.4)::text`, values: [] });
          await tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (7, 'g')`, values: [] });
        },
        { timeoutMs: 100 },
      ),
    ).rejects.toBeInstanceOf(RawTransactionTimeoutError);
    // The work may go on until its next statement, which is refused: nothing it wrote stays.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await count()).toBe(3);
    expect((await raw<{ id: number }>({ text: `SELECT id FROM ${table} WHERE id IN (6, 7)`, values: [] })).length).toBe(0);
    await raw.transaction((tx) => tx.execute({ text: `INSERT INTO ${table} (id, name) VALUES (8, 'h')`, values: [] }));
    expect(await count()).toBe(4);
  });
});
