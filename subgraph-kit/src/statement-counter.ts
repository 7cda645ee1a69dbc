// Counts the SQL statements a Prisma client sends, at its driver adapter: one per `queryRaw` or
// `executeRaw` call, in or out of a transaction (what `credit_graph_sql_statements_total` and
// the SQL-statement bounds of the tests count). Prisma's own query events would do the same at a
// price paid on every statement in production: the event formats every statement's parameters
// (a portfolio's 500 codes, each time) for a listener that only counts.
import type { Database } from '@credit-graph/contract';

type Adapter = Database['adapter'];

/** Calls that send SQL, and calls whose result sends SQL in turn (a connection, a transaction). */
const SENDS = new Set<PropertyKey>(['queryRaw', 'executeRaw']);
const OPENS = new Set<PropertyKey>(['connect', 'startTransaction']);

function counted<T extends object>(target: T, onStatement: () => void): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      // Adapters keep private state (#fields): every method runs on the object itself.
      if (SENDS.has(property)) {
        return (...args: unknown[]) => {
          onStatement();
          return value.apply(object, args);
        };
      }
      if (OPENS.has(property)) return async (...args: unknown[]) => counted(await value.apply(object, args), onStatement);
      return value.bind(object);
    },
  });
}

/** `adapter`, calling `onStatement` once for every SQL statement sent through it. */
export function countingAdapter(adapter: Adapter, onStatement: () => void): Adapter {
  return counted(adapter as object, onStatement) as Adapter;
}
