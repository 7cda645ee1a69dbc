// DataLoader helpers: every entity and every list field of a subgraph is fetched in batches,
// so N enterprises in one request cost a constant number of SQL statements, not N.
import DataLoader from 'dataloader';

// Bounded so that one query on a portfolio of 500 stays one statement per loader.
const MAX_BATCH_SIZE = 1000;

/** One row (or null) per key, from one batched fetch of all requested keys. */
export function rowLoader<Key, Row>(
  fetchMany: (keys: readonly Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
): DataLoader<Key, Row | null> {
  return new DataLoader(
    async (keys) => {
      const byKey = new Map((await fetchMany(keys)).map((row) => [keyOf(row), row]));
      return keys.map((key) => byKey.get(key) ?? null);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}

/** All rows belonging to each key (one-to-many), from one batched fetch. */
export function groupLoader<Key, Row>(
  fetchMany: (keys: readonly Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
): DataLoader<Key, Row[]> {
  return new DataLoader(
    async (keys) => {
      const groups = new Map<Key, Row[]>();
      for (const row of await fetchMany(keys)) {
        const key = keyOf(row);
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((key) => groups.get(key) ?? []);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}
