// Persisted operations: a client (a caller subject, such as a sector platform's API key) can be
// bound to a safelist of operations, each known by the SHA-256 of its exact text. A bound client
// may run only the operations on its list, sent in full or by hash alone (Apollo's automatic
// persisted queries format, `extensions.persistedQuery.sha256Hash`); anything else is refused
// with PERSISTED_QUERY_NOT_ALLOWED before planning. A client with no entries is not bound.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, PersistedQueryOptions } from '@apollo/server';
import { GraphQLError, Kind, parse } from 'graphql';
import { creditGraphError, type Caller } from '@credit-graph/contract';
import { ConfigError } from '../config.ts';
import type { GatewayDb } from '../database.ts';

/** How long a client's list is trusted before it is read again (every request asks). */
export const DEFAULT_SAFELIST_CACHE_MS = 10_000;
/** Above this many cached clients, expired entries are swept. */
const MAX_CACHED_CLIENTS = 10_000;
/** Total characters of query text kept in memory for ordinary (unregistered) persisted queries. */
export const DEFAULT_APQ_MEMORY_CHARS = 4_000_000;
/** Apollo Server prefixes every key it hands to the persisted-query cache (requestPipeline.js). */
const APQ_KEY_PREFIX = 'apq:';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface SafelistOptions {
  db: GatewayDb;
  /** Milliseconds a client's list is cached; 0 reads it on every request. */
  cacheMs?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export interface SafelistEntry {
  client: string;
  hash: string;
  name: string | null;
  query: string;
  createdAt: Date;
}

export interface Safelist {
  /** Registers `query` for `client` (binding it if it was not) and returns the query's hash. */
  add(client: string, query: string, name?: string): Promise<string>;
  /**
   * Registers every operation for `client` in one transaction, all or none: each is checked
   * first (BAD_USER_INPUT names the first refused), and a database failure part-way registers
   * none, so a client is never bound to part of its manifest. Returns the hashes, in order.
   */
  addAll(client: string, operations: readonly { query: string; name?: string | undefined }[]): Promise<string[]>;
  /** Removes one operation; false when the client had no such entry. Removing the last one unbinds. */
  remove(client: string, hash: string): Promise<boolean>;
  list(client?: string): Promise<SafelistEntry[]>;
  isBound(client: string): Promise<boolean>;
  allows(client: string, hash: string): Promise<boolean>;
  /** The registered text of an operation, whichever client registered it. */
  queryFor(hash: string): Promise<string | undefined>;
}

/** The SHA-256 hex of the exact query text: what Apollo Server computes for persisted queries. */
export function operationHash(query: string): string {
  return createHash('sha256').update(query).digest('hex');
}

function badInput(message: string, argumentName: string): GraphQLError {
  return creditGraphError('BAD_USER_INPUT', message, { argumentName });
}

export function createSafelist(options: SafelistOptions): Safelist {
  const { db } = options;
  const cacheMs = options.cacheMs ?? DEFAULT_SAFELIST_CACHE_MS;
  const now = options.now ?? Date.now;
  if (!db) throw new ConfigError('the safelist needs the gateway database');
  if (!Number.isFinite(cacheMs) || cacheMs < 0) throw new ConfigError(`safelist cacheMs must be a number ≥ 0, got ${cacheMs}`);

  // client -> its hashes (empty: not bound). The promise is cached so that concurrent requests
  // of one client share one read.
  const cache = new Map<string, { hashes: Promise<Set<string>>; at: number }>();

  function hashesOf(client: string): Promise<Set<string>> {
    const at = now();
    const cached = cache.get(client);
    if (cached && at - cached.at < cacheMs) return cached.hashes;
    if (cache.size >= MAX_CACHED_CLIENTS) {
      for (const [key, entry] of cache) if (at - entry.at >= cacheMs) cache.delete(key);
    }
    const hashes = db.safelistedOperation
      .findMany({ where: { client }, select: { hash: true } })
      .then((rows) => new Set(rows.map((row) => row.hash)));
    cache.set(client, { hashes, at });
    hashes.catch(() => cache.delete(client)); // a failed read is not remembered
    return hashes;
  }

  /** The row for `query`, checked; its name, unless given, is the (first) operation's own name. */
  function entryOf(query: string, name: string | undefined): { hash: string; name: string | null; query: string } {
    if (typeof query !== 'string' || query.trim() === '') throw badInput('A safelist entry needs the operation text', 'query');
    let document;
    try {
      document = parse(query);
    } catch (error) {
      throw badInput(`The operation is not valid GraphQL: ${(error as Error).message}`, 'query');
    }
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    return { hash: operationHash(query), name: name ?? operation?.name?.value ?? null, query };
  }

  async function addAll(client: string, operations: readonly { query: string; name?: string | undefined }[]): Promise<string[]> {
    if (typeof client !== 'string' || client.trim() === '') throw badInput('A safelist entry needs a client (a caller subject)', 'client');
    const entries = operations.map(({ query, name }) => entryOf(query, name));
    await db.$transaction(
      entries.map((entry) =>
        db.safelistedOperation.upsert({
          where: { client_hash: { client, hash: entry.hash } },
          create: { client, ...entry },
          update: { name: entry.name },
        }),
      ),
    );
    cache.delete(client);
    return entries.map((entry) => entry.hash);
  }

  return {
    addAll,
    async add(client, query, name) {
      const [hash] = await addAll(client, [{ query, name }]);
      return hash!;
    },

    async remove(client, hash) {
      const { count } = await db.safelistedOperation.deleteMany({ where: { client, hash } });
      cache.delete(client);
      return count > 0;
    },

    list(client) {
      return db.safelistedOperation.findMany({
        where: client === undefined ? {} : { client },
        orderBy: [{ client: 'asc' }, { createdAt: 'asc' }],
      });
    },

    async isBound(client) {
      return (await hashesOf(client)).size > 0;
    },

    async allows(client, hash) {
      return (await hashesOf(client)).has(hash);
    },

    async queryFor(hash) {
      if (!SHA256_HEX.test(hash)) return undefined;
      const row = await db.safelistedOperation.findFirst({ where: { hash }, select: { query: true } });
      // A row edited in the database must not run under another operation's hash.
      return row && operationHash(row.query) === hash ? row.query : undefined;
    },
  };
}

type QueryCache = NonNullable<PersistedQueryOptions['cache']>;

/**
 * The cache behind Apollo Server's persisted queries (`persistedQueries: { cache }`). A hash-only
 * request is answered from a bounded in-memory store of queries other clients registered through
 * ordinary APQ (Apollo Server stores a query only after checking that its SHA-256 matches), else
 * from the safelist table, so that a bound client can send only the hash of a registered operation.
 * Whether the caller may run it is the plugin's decision, not the cache's.
 */
export function persistedQueryCache(safelist: Pick<Safelist, 'queryFor'>, maxChars = DEFAULT_APQ_MEMORY_CHARS): QueryCache {
  if (!Number.isSafeInteger(maxChars) || maxChars < 0) throw new ConfigError(`maxChars must be a whole number ≥ 0, got ${maxChars}`);
  const memory = new Map<string, string>(); // insertion order = least recently used first
  let chars = 0;
  const hashOf = (key: string) => (key.startsWith(APQ_KEY_PREFIX) ? key.slice(APQ_KEY_PREFIX.length) : key);

  function forget(hash: string): boolean {
    const query = memory.get(hash);
    if (query === undefined) return false;
    memory.delete(hash);
    chars -= query.length;
    return true;
  }

  function remember(hash: string, query: string): void {
    forget(hash);
    if (query.length > maxChars) return;
    for (const [oldest] of memory) {
      if (chars + query.length <= maxChars) break;
      forget(oldest);
    }
    memory.set(hash, query);
    chars += query.length;
  }

  return {
    async get(key) {
      const hash = hashOf(key);
      const remembered = memory.get(hash);
      if (remembered !== undefined) {
        remember(hash, remembered); // most recently used now
        return remembered;
      }
      const registered = await safelist.queryFor(hash);
      if (registered !== undefined) remember(hash, registered);
      return registered;
    },
    async set(key, query) {
      remember(hashOf(key), query);
    },
    async delete(key) {
      return forget(hashOf(key));
    },
  };
}

/**
 * Apollo Server plugin: a caller whose subject is bound to a safelist runs only the operations
 * on its own list. The hash is computed from the source Apollo Server resolved (sent in full or
 * looked up by hash), so both forms are covered. The refusal is thrown at didResolveOperation,
 * before limits, consent and query planning: earlier hooks turn a thrown error into a 500.
 * If the safelist cannot be read, the request fails closed.
 */
export function safelistPlugin<Context extends { caller: Caller }>(safelist: Pick<Safelist, 'isBound' | 'allows'>): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let refusal: GraphQLError | undefined;
      return {
        async didResolveSource({ source, contextValue, logger }) {
          const client = contextValue.caller.subject;
          try {
            if (!(await safelist.isBound(client))) return;
            const hash = operationHash(source);
            if (await safelist.allows(client, hash)) return;
            refusal = creditGraphError(
              'PERSISTED_QUERY_NOT_ALLOWED',
              `Client ${client} may only run its registered operations; ${hash} is not one of them`,
              { hash },
            );
          } catch (error) {
            logger.error(`Safelist could not be read: ${(error as Error).message}`);
            refusal = creditGraphError('INTERNAL_SERVER_ERROR', 'The operation safelist could not be read; try again');
          }
        },
        async didResolveOperation() {
          if (refusal) throw refusal;
        },
      };
    },
  };
}
