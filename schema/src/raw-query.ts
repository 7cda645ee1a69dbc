// Hot reads sent straight to Prisma's driver adapter, their rows decoded by Prisma's own decoder.
//
// `$queryRaw` on the client costs about twice the CPU of the statement itself (measured on the
// bench's data, 0.40 against 0.19 ms for a subgraph's batched read, bench/README.md): it goes
// through the client's request pipeline, the query compiler's interpreter and its tracing and
// debug hooks before it reaches the same adapter. A credit check sends about 24 such statements.
// Here the statement goes to the adapter (`SqlQueryable.queryRaw`, Prisma's driver-adapter API:
// @prisma/adapter-pg in production, pglite-prisma-adapter embedded) and the result set is
// decoded as `$queryRaw` decodes it: the column types to Prisma's raw type names, the values as
// the client serializes them, then `deserializeRawResult` from Prisma's runtime (Date, Decimal,
// BigInt, Json, Bytes). subgraph-kit/test/raw-reads.test.ts checks every hot read against the
// Prisma query it replaced, value for value and type for type.
import { deserializeRawResult } from '@prisma/client/runtime/client';
import { ColumnTypeEnum as Column, type ArgType, type ColumnType, type SqlDriverAdapter, type SqlDriverAdapterFactory, type SqlResultSet } from '@prisma/driver-adapter-utils';

/** A statement as Prisma's `Prisma.sql` template builds it: `$1`-numbered text and its values. */
export interface RawStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * Runs one statement and answers its rows, each an object keyed by column name with the values
 * `$queryRaw` would give (Date for timestamps and dates, Prisma.Decimal for numeric, BigInt for
 * int8, parsed Json, enum arrays as the statement casts them). Rejects with the adapter's
 * DriverAdapterError when the database refuses or cannot be reached.
 */
export type RawQuery = <Row>(statement: RawStatement) => Promise<Row[]>;

/** Prisma's raw type name of each column type (the client's own table, runtime/client.js). */
const TYPE_NAMES: Record<ColumnType, string> = {
  [Column.Int32]: 'int', [Column.Int64]: 'bigint', [Column.Float]: 'float', [Column.Double]: 'double',
  [Column.Text]: 'string', [Column.Enum]: 'enum', [Column.Bytes]: 'bytes', [Column.Boolean]: 'bool',
  [Column.Character]: 'char', [Column.Numeric]: 'decimal', [Column.Json]: 'json', [Column.Uuid]: 'uuid',
  [Column.DateTime]: 'datetime', [Column.Date]: 'date', [Column.Time]: 'time', [Column.Set]: 'string',
  [Column.Int32Array]: 'int-array', [Column.Int64Array]: 'bigint-array', [Column.FloatArray]: 'float-array',
  [Column.DoubleArray]: 'double-array', [Column.TextArray]: 'string-array', [Column.EnumArray]: 'string-array',
  [Column.BytesArray]: 'bytes-array', [Column.BooleanArray]: 'bool-array', [Column.CharacterArray]: 'char-array',
  [Column.NumericArray]: 'decimal-array', [Column.JsonArray]: 'json-array', [Column.UuidArray]: 'uuid-array',
  [Column.DateTimeArray]: 'datetime-array', [Column.DateArray]: 'date-array', [Column.TimeArray]: 'time-array',
  [Column.UnknownNumber]: 'unknown',
};

const OFFSETLESS_TIMESTAMP = /^\d{4,}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/** One value as the client serializes it before decoding (its `$t`: integers, int8, Json, Bytes, Boolean), timestamps made UTC. */
function serialized(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  switch (type) {
    case Column.Int32:
      return Math.trunc(Number(value));
    case Column.Int64:
      return typeof value === 'number' ? BigInt(Math.trunc(value)) : value;
    case Column.Json:
      return typeof value === 'string' ? JSON.parse(value) : value;
    case Column.Bytes:
      return Array.isArray(value) ? new Uint8Array(value as number[]) : value;
    case Column.Boolean:
      return typeof value === 'string' ? value === 'true' || value === '1' : typeof value === 'number' ? value === 1 : value;
    case Column.DateTime:
      // pglite-prisma-adapter hands a `timestamp` as text without an offset ("2025-05-01 00:00:00"),
      // which `new Date()` would read in the process's time zone; Prisma's timestamps are UTC.
      // (@prisma/adapter-pg adds "+00:00"; $queryRaw on PGlite has this bug, the query builder not.)
      return typeof value === 'string' && OFFSETLESS_TIMESTAMP.test(value) ? `${value.replace(' ', 'T')}Z` : value;
    case Column.Int32Array:
    case Column.Int64Array:
    case Column.JsonArray:
    case Column.BytesArray:
    case Column.BooleanArray:
    case Column.DateTimeArray:
      return (value as unknown[]).map((item) => serialized(item, (type - Column.Int32Array + Column.Int32) as ColumnType));
    default:
      return value;
  }
}

/**
 * A parameter as the adapters take it: a BigInt or a Prisma.Decimal (or any decimal.js-like
 * number object) as its exact text, which pg would otherwise send as JSON (`"1.25"`, refused
 * for numeric).
 */
function asArgument(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object' || value instanceof Date || Array.isArray(value) || ArrayBuffer.isView(value)) return value;
  return typeof (value as { toFixed?: unknown }).toFixed === 'function' ? String(value) : value;
}

/** Each parameter's type as the adapter reads it: only arrays (`= ANY($1)`) and dates matter to it. */
function argType(value: unknown): ArgType {
  const item = Array.isArray(value) ? value[0] : value;
  const scalarType = item instanceof Date ? 'datetime' : typeof item === 'string' ? 'string' : 'unknown';
  return { scalarType, arity: Array.isArray(value) ? 'list' : 'scalar' };
}

/** A result set decoded as `$queryRaw` decodes it. */
export function decodeRawResult<Row>(result: SqlResultSet): Row[] {
  return deserializeRawResult({
    columns: result.columnNames,
    types: result.columnTypes.map((type) => TYPE_NAMES[type] ?? 'unknown'),
    rows: result.rows.map((row) => row.map((value, i) => serialized(value, result.columnTypes[i]!))),
  } as Parameters<typeof deserializeRawResult>[0]) as Row[];
}

/**
 * A RawQuery on `factory` (the adapter factory the service's Prisma client was built on, so the
 * same pool and the same statement counter): the adapter is connected on the first statement
 * and kept; closing the database closes it.
 */
export function rawQuery(factory: SqlDriverAdapterFactory): RawQuery {
  let adapter: Promise<SqlDriverAdapter> | undefined;
  return async <Row>(statement: RawStatement) => {
    adapter ??= factory.connect();
    // A failed connect is not kept: the next statement tries again.
    const connected = await adapter.catch((error: unknown) => {
      adapter = undefined;
      throw error;
    });
    const args = statement.values.map(asArgument);
    const result = await connected.queryRaw({ sql: statement.text, args, argTypes: args.map(argType) });
    return decodeRawResult<Row>(result);
  };
}
