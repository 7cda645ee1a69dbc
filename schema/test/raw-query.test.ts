// The raw read path (raw-query.ts) on whichever database the suite runs against: parameters the
// adapters would otherwise send wrongly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@prisma/client/runtime/client';
import { openDatabase, rawQuery, type Database, type DatabaseTarget } from '@credit-graph/contract';

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
