// Regression: on embedded PGlite, a raw read's timestamp must not depend on the process's time
// zone (database.ts: "every timestamp round-trips exactly, whatever the server's and the
// process's time zone"). pglite-prisma-adapter hands `timestamp` values as text without an
// offset ("2025-05-01 00:00:00"), and deserializeRawResult's `new Date(text)` reads that as
// local time: with TZ=Asia/Shanghai every instant comes back 8 hours early.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import { decodeRawResult, openDatabase, rawQuery, type Database } from '@credit-graph/contract';

describe('raw reads are independent of the process time zone', () => {
  const zone = process.env.TZ;
  let database: Database;
  beforeAll(async () => {
    process.env.TZ = 'Asia/Shanghai';
    database = await openDatabase({ kind: 'pglite', dataDir: undefined });
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('decodes an offset-less timestamp as UTC', () => {
    const rows = decodeRawResult<{ at: Date; ats: Date[] }>({
      columnNames: ['at', 'ats'],
      columnTypes: [ColumnTypeEnum.DateTime, ColumnTypeEnum.DateTimeArray],
      rows: [['2025-05-01 00:00:00', ['2025-05-01 00:00:00.5']]],
    });
    expect(rows[0]!.at.toISOString()).toBe('2025-05-01T00:00:00.000Z');
    expect(rows[0]!.ats[0]!.toISOString()).toBe('2025-05-01T00:00:00.500Z');
  });

  it('reads timestamp and timestamptz through the PGlite adapter as the instants stored', async () => {
    const raw = rawQuery(database.adapter);
    const [row] = await raw<{ a: Date; b: Date }>({
      text: `SELECT '2025-05-01 00:00:00'::timestamp(3) AS a, '2025-05-01 08:00:00+08'::timestamptz AS b`,
      values: [],
    });
    expect(row!.a.toISOString()).toBe('2025-05-01T00:00:00.000Z');
    expect(row!.b.toISOString()).toBe('2025-05-01T00:00:00.000Z');
  });
});
