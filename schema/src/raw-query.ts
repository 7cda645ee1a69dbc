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
import {
  ColumnTypeEnum as Column,
  type ArgType,
  type ColumnType,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';

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
export interface RawQuery {
  <Row>(statement: RawStatement): Promise<Row[]>;
  /**
   * Runs `work` in one transaction on one connection and commits it when `work` resolves, rolls
   * it back when it rejects (then rejects with the same error). `isolationLevel` is PostgreSQL's
   * (PGlite has one connection: every transaction is serial there). `timeoutMs` bounds the
   * transaction as Prisma's `$transaction({ timeout })` does: past it, `work`'s next statement
   * and the transaction reject with RawTransactionTimeoutError and it is rolled back; a COMMIT
   * already sent is awaited (bounded by the pool's query timeout) so that a caller is never told
   * "failed" about a transaction that committed.
   */
  transaction<T>(work: (tx: RawTransaction) => Promise<T>, options?: RawTransactionOptions): Promise<T>;
}

/** The statements of one transaction (RawQuery.transaction). */
export interface RawTransaction {
  /** A statement's rows, decoded as RawQuery's. */
  query<Row>(statement: RawStatement): Promise<Row[]>;
  /** Runs a statement and answers the number of rows it changed. */
  execute(statement: RawStatement): Promise<number>;
}

export interface RawTransactionOptions {
  isolationLevel?: IsolationLevel;
  /** Milliseconds from the start (the wait for a connection included) to the COMMIT; none when absent. */
  timeoutMs?: number;
}

/** A transaction that outlived its `timeoutMs` (rolled back). */
export class RawTransactionTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the transaction did not commit within ${timeoutMs} ms and was rolled back`);
    this.name = 'RawTransactionTimeoutError';
  }
}

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

/** A statement as the adapter takes it. */
function sqlQuery(statement: RawStatement): SqlQuery {
  const args = statement.values.map(asArgument);
  return { sql: statement.text, args, argTypes: args.map(argType) };
}

const SET_CONSTRAINTS_IMMEDIATE: SqlQuery = { sql: 'SET CONSTRAINTS ALL IMMEDIATE', args: [], argTypes: [] };
const END = { COMMIT: { sql: 'COMMIT', args: [], argTypes: [] }, ROLLBACK: { sql: 'ROLLBACK', args: [], argTypes: [] } } satisfies Record<string, SqlQuery>;

/**
 * Ends a transaction as Prisma's own transaction manager does: @prisma/adapter-pg wants the
 * COMMIT or ROLLBACK statement sent and then its connection released (`commit()`/`rollback()`);
 * pglite-prisma-adapter ("phantom" statements) ends the transaction itself in `commit()`/`rollback()`.
 */
async function endTransaction(tx: Transaction, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  if (tx.options.usePhantomQuery) {
    if (how === 'ROLLBACK') return tx.rollback();
    // pglite-prisma-adapter's commit() swallows a refused COMMIT (a deferred constraint): checked
    // here first, inside the transaction, so that a refusal rejects and rolls back.
    try {
      await tx.executeRaw(SET_CONSTRAINTS_IMMEDIATE);
    } catch (error) {
      await tx.rollback();
      throw error;
    }
    return tx.commit();
  }
  try {
    await tx.executeRaw(END[how]);
  } catch (error) {
    // The connection goes back to the pool either way (a broken one is dropped by pg on its error).
    await tx.rollback();
    throw error;
  }
  await (how === 'COMMIT' ? tx.commit() : tx.rollback());
}

async function runTransaction<T>(adapter: SqlDriverAdapter, work: (tx: RawTransaction) => Promise<T>, options: RawTransactionOptions): Promise<T> {
  const { timeoutMs, isolationLevel } = options;
  let expired = false;
  // Read at every statement as well as by the timer: PGlite runs a statement on this thread, so
  // a long one can end before the timer has had its turn.
  const deadlineAt = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
  const isExpired = () => expired || performance.now() >= deadlineAt;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      expired = true;
      reject(new RawTransactionTimeoutError(timeoutMs));
    }, timeoutMs);
  });
  deadline.catch(() => undefined); // observed below (or never needed)
  let committing = false;
  const attempt = (async () => {
    const tx = await adapter.startTransaction(isolationLevel);
    // Past the deadline, no further statement: the transaction only rolls back. Once it has
    // ended, none either: the connection is back in the pool (a kept `tx` must not reach it).
    let ended = false;
    const guarded = <R>(run: (queryable: SqlQueryable) => Promise<R>): Promise<R> => {
      if (ended) return Promise.reject(new Error('the transaction has ended; its statements can no longer be sent'));
      return isExpired() ? Promise.reject(new RawTransactionTimeoutError(timeoutMs!)) : run(tx);
    };
    let result: T;
    try {
      if (isExpired()) throw new RawTransactionTimeoutError(timeoutMs!);
      result = await work({
        query: async <Row>(statement: RawStatement) => decodeRawResult<Row>(await guarded((q) => q.queryRaw(sqlQuery(statement)))),
        execute: (statement) => guarded((q) => q.executeRaw(sqlQuery(statement))),
      });
      if (isExpired()) throw new RawTransactionTimeoutError(timeoutMs!);
    } catch (error) {
      ended = true;
      await endTransaction(tx, 'ROLLBACK').catch(() => undefined);
      throw error;
    }
    ended = true;
    committing = true;
    await endTransaction(tx, 'COMMIT');
    return result;
  })();
  try {
    if (timeoutMs === undefined) return await attempt;
    // The deadline answers the caller unless the COMMIT has been sent: then its outcome is awaited.
    return await Promise.race([attempt, deadline.catch((error: unknown) => (committing ? attempt : Promise.reject(error)))]);
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined); // a transaction abandoned at its deadline still rolls back, unobserved
  }
}

/**
 * A RawQuery on `factory` (the adapter factory the service's Prisma client was built on, so the
 * same pool and the same statement counter): the adapter is connected on the first statement
 * and kept; closing the database closes it.
 */
export function rawQuery(factory: SqlDriverAdapterFactory): RawQuery {
  let adapter: Promise<SqlDriverAdapter> | undefined;
  const connected = (): Promise<SqlDriverAdapter> => {
    adapter ??= factory.connect();
    // A failed connect is not kept: the next statement tries again.
    return adapter.catch((error: unknown) => {
      adapter = undefined;
      throw error;
    });
  };
  const query = async <Row>(statement: RawStatement): Promise<Row[]> => decodeRawResult<Row>(await (await connected()).queryRaw(sqlQuery(statement)));
  return Object.assign(query, {
    transaction: async <T>(work: (tx: RawTransaction) => Promise<T>, options: RawTransactionOptions = {}) => runTransaction(await connected(), work, options),
  });
}
