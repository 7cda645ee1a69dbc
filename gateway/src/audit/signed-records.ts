// Chained signed records: evidence that outlives the data (issue 12 §4). A table of signed
// records (stored credit verifications, issued credit reports) is a chain like the audit log:
// each row has a position (`seq`, 1, 2, 3, ... without gaps), names the key that signed it
// (`keyId`, AUDIT_HMAC_KEYS, chain.ts: keys rotate as the audit log's do), and its `mac` is an
// HMAC under that key of its content AND the previous row's mac (`previousHash`). The newest
// position and mac are checkpointed outside the database where the audit log's checkpoints are
// kept (checkpoints.ts, checkpointsOfChain). Someone who can write the table but holds neither
// the key nor the checkpoint store can then edit, delete, reorder or truncate no row unseen.
//
// `verifyChain` walks any such chain page by page and compares its end with the checkpoints;
// the audit log (audit.ts) walks its own chain with it too, so both report the same problems
// the same way. Rows stored before chaining (previousHash null, migration 0008) are signed
// alone: `verify` counts them as `legacy` (unchained), and they may only precede chained rows.
import type { GatewayDb } from '../database.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { ConfigError } from '../config.ts';
import { GENESIS_HASH, recordMac, sameText, type AuditKeys } from './chain.ts';
import type { Checkpoints } from './checkpoints.ts';

/** Rows read per page by `verifyChain`, so that a long chain is never loaded whole. */
export const VERIFY_PAGE_SIZE = 5000;
/** Budget of one append transaction, waiting for another replica's lock included (as the audit log's). */
export const DEFAULT_APPEND_TIMEOUT_MS = 10_000;

/** What `verifyChain` can find wrong, at the first bad sequence number. */
export const PROBLEM_KINDS = ['gap', 'edit', 'reorder', 'truncation', 'unknown-key', 'checkpoint'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface VerifyResult {
  ok: boolean;
  /** Records whose hash and link were checked before the first problem. */
  checked: number;
  /** Of those, records from before keyed chaining (the audit log's plain SHA-256 ones, signed records stored alone): not protected against a deletion or rewrite. */
  legacy: number;
  /** The checkpoints the chain was checked against (none configured: a truncation is undetectable). */
  checkpoints: { source: string; seq: bigint }[];
  problem?: { seq: bigint; kind: ProblemKind; reason: string };
}

/** What the walk needs of one stored row. */
export interface ChainLink {
  seq: bigint;
  /** The key id it names; null for an audit record from before keyed chains. */
  keyId: string | null;
  /** The previous row's hash; null for a row that is not linked (a signed record stored before chaining). */
  previousHash: string | null;
  hash: string;
  /** From before keyed chaining: allowed only before the first keyed row. */
  legacy: boolean;
}

/** A chain as `verifyChain` reads it. */
export interface ChainSource<Row> {
  /** The rows with seq > `afterSeq`, ascending, at most `take`. */
  page(afterSeq: bigint, take: number): Promise<Row[]>;
  link(row: Row): ChainLink;
  /** The hash the row's content gives under the key it names; undefined when the key id is unknown. */
  expectedHash(row: Row): string | undefined;
  /** The seq of the row whose hash is `hash`, if any: tells a reordered chain from a broken one. */
  seqOfHash(hash: string): Promise<bigint | undefined>;
}

/**
 * Walks a whole chain from seq 1 and compares its end with every stored checkpoint. Out: ok, or
 * the first problem: `gap` (rows missing from the middle), `edit` (a hash that does not match its
 * row, a broken link, a legacy row after keyed ones, a row differing from a checkpointed one),
 * `reorder` (a row linked to a row stored at another position), `truncation` (the chain ends
 * before a checkpoint), `unknown-key` (a key id `keys` does not list) or `checkpoint` (a forged
 * checkpoint, or a configured store with none under a keyed chain). Reads `pageSize` rows at a
 * time; database errors propagate.
 */
export async function verifyChain<Row>(
  source: ChainSource<Row>,
  options: { keys: AuditKeys; checkpoints?: Checkpoints; pageSize?: number },
): Promise<VerifyResult> {
  const { keys, checkpoints, pageSize = VERIFY_PAGE_SIZE } = options;
  let checked = 0;
  let legacy = 0;
  let keyedSeen = false;
  const stored = checkpoints ? await checkpoints.read() : [];
  const result = (problem?: VerifyResult['problem']): VerifyResult => ({
    ok: !problem,
    checked,
    legacy,
    checkpoints: stored.map(({ source, checkpoint }) => ({ source, seq: BigInt(checkpoint.seq) })),
    ...(problem ? { problem } : {}),
  });
  // A forged checkpoint is as bad as a forged record: checked before it is trusted.
  for (const { source, checkpoint } of stored) {
    const authentic = checkpoints!.isAuthentic(checkpoint);
    if (authentic !== true) {
      const why = authentic === 'unknown-key' ? `is signed with unknown key id "${checkpoint.keyId}"` : 'has a signature that does not match (forged, edited, or another chain\'s)';
      return result({ seq: BigInt(checkpoint.seq), kind: authentic === 'unknown-key' ? 'unknown-key' : 'checkpoint', reason: `the checkpoint in ${source} ${why}` });
    }
  }
  const wanted = new Map(stored.map(({ source, checkpoint }) => [BigInt(checkpoint.seq), { source, checkpoint }]));
  let previous: { seq: bigint; hash: string } = { seq: 0n, hash: GENESIS_HASH };
  for (;;) {
    const page = await source.page(previous.seq, pageSize);
    for (const row of page) {
      const link = source.link(row);
      const problem = (kind: ProblemKind, reason: string) => result({ seq: link.seq, kind, reason });
      if (link.seq !== previous.seq + 1n) {
        return problem('gap', `records ${previous.seq + 1n} to ${link.seq - 1n} are missing (deleted)`);
      }
      if (link.legacy) {
        // A legacy record after a keyed one can only be a rewrite: keyed chains never go back.
        if (keyedSeen) return problem('edit', 'a legacy (unkeyed or unchained) record after keyed records: the chain was rewritten');
        legacy += 1;
      } else keyedSeen = true;
      if (link.keyId !== null && !keys.keys.has(link.keyId)) {
        return problem('unknown-key', `signed with key id "${link.keyId}", which AUDIT_HMAC_KEYS does not list`);
      }
      if (source.expectedHash(row) !== link.hash) return problem('edit', 'hash does not match the record content (edited)');
      if (link.previousHash !== null && link.previousHash !== previous.hash) {
        const at = await source.seqOfHash(link.previousHash);
        if (at !== undefined && at !== previous.seq) {
          return problem('reorder', `its previousHash is the hash of the record stored at seq ${at}, not of record ${previous.seq}: records were reordered`);
        }
        return problem('edit', `previousHash is not the hash of record ${previous.seq} (a record before it was deleted or edited)`);
      }
      const mark = wanted.get(link.seq);
      if (mark && mark.checkpoint.hash !== link.hash) {
        return problem('edit', `the record differs from the one checkpointed in ${mark.source} at ${mark.checkpoint.at} (the chain up to it was rewritten)`);
      }
      checked += 1;
      previous = { seq: link.seq, hash: link.hash };
    }
    if (page.length < pageSize) break;
  }
  // A store is configured, and a keyed chain is checkpointed from its first keyed record on: an
  // empty store under a keyed chain means the checkpoint was deleted, which would hide a
  // truncation of the newest records.
  if (checkpoints?.enabled && stored.length === 0 && keyedSeen) {
    return result({
      seq: previous.seq,
      kind: 'checkpoint',
      reason: `a checkpoint store is configured but holds no checkpoint, though the chain has keyed records up to seq ${previous.seq}: the checkpoint was deleted, so a deletion of the newest records cannot be ruled out (if the store was only just configured, the gateway checkpoints at its next record and at shutdown)`,
    });
  }
  // The chain verifies up to its end: did it once reach further?
  for (const { source, checkpoint } of stored) {
    const seq = BigInt(checkpoint.seq);
    if (seq > previous.seq) {
      return result({
        seq: previous.seq + 1n,
        kind: 'truncation',
        reason: `the chain ends at seq ${previous.seq}, but ${source} recorded seq ${seq} at ${checkpoint.at}: records ${previous.seq + 1n} to ${seq} were deleted`,
      });
    }
  }
  return result();
}

/** The chain columns of a signed-record row (migration 0008). */
export interface SignedRow {
  seq: bigint;
  keyId: string;
  /** The previous row's mac; null for a row stored before chaining. */
  previousHash: string | null;
  mac: string;
}

/** Where a new row goes in the chain, and its signature: what `append` hands to `insert`. */
export interface SignedLink {
  seq: bigint;
  keyId: string;
  previousHash: string;
  mac: string;
}

/** A table of signed records, as its owner (verification.ts, reports.ts) describes it. */
export interface SignedTable<Row extends SignedRow> {
  /** The chain's name in checkpoints and reports, e.g. `credit-verification` (checkpointsOfChain). */
  chain: string;
  /** The table's name as Prisma created it (a constant, never input: it is put into SQL). */
  table: string;
  /** The MAC domain (chain.ts recordMac): keeps one kind's MAC from passing for another's. */
  domain: string;
  /** The PostgreSQL advisory lock key serializing appends across replicas (distinct per chain and from the audit log's). */
  lockKey: number;
  /** The signed content of a stored row: every column but seq, previousHash and mac, keyId included, as it was signed. */
  signedFields(row: Row): object;
  /** The rows with seq > `afterSeq`, ascending, at most `take` (a Prisma findMany). */
  page(db: GatewayDb, afterSeq: bigint, take: number): Promise<Row[]>;
  /** Rows `verify` reads at a time (default VERIFY_PAGE_SIZE): fewer for large rows, so that a page stays small in memory. */
  pageSize?: number;
}

export interface SignedRecordsOptions<Row extends SignedRow> {
  db: GatewayDb;
  /** The audit keys (AUDIT_HMAC_KEYS): the current one signs, any listed one verifies. */
  keys: AuditKeys;
  table: SignedTable<Row>;
  /** Where the chain's head is checkpointed (checkpointsOfChain); none: a truncation goes unseen. */
  checkpoints?: Checkpoints;
  /** Budget of one append, lock wait included (a blocked database fails, never hangs). */
  appendTimeoutMs?: number;
}

export interface SignedRecords<Row extends SignedRow> {
  /**
   * Appends one row: under the chain's lock, takes the head, signs `fields` (the row's signed
   * content, without keyId: the current key's id is added) chained to it, and calls `insert`
   * with the transaction and the new row's link, to store the row with those columns. Out: the
   * link and what `insert` returned, once committed. Rejects with the database's error (nothing
   * is stored) when the lock or the insert fails within `appendTimeoutMs`.
   */
  append<T>(fields: object, insert: (tx: Prisma.TransactionClient, link: SignedLink) => Promise<T>): Promise<{ link: SignedLink; stored: T }>;
  /** Whether one stored row is exactly as signed (its own MAC, under a listed key); its place in the chain is `verify`'s. */
  isIntact(row: Row): boolean;
  /** Walks the chain against its checkpoints (verifyChain). */
  verify(): Promise<VerifyResult>;
}

/**
 * A chain of signed records over `table`. Appends are serialized across replicas on PostgreSQL
 * by a transaction-scoped advisory lock (as the audit log's) and, on PGlite, by its single
 * connection; the unique `seq` refuses a second row at one position whatever happens. Throws
 * ConfigError at creation without a database, the current key, or a usable table description.
 */
export function createSignedRecords<Row extends SignedRow>(options: SignedRecordsOptions<Row>): SignedRecords<Row> {
  const { db, keys, table, checkpoints } = options;
  const appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
  if (!db || typeof db.$transaction !== 'function') throw new ConfigError(`the ${table?.chain ?? 'signed-record'} chain needs the gateway database (db)`);
  const currentKey = keys?.keys?.get(keys.currentId);
  if (!currentKey) throw new ConfigError(`the ${table.chain} chain needs the audit keys (keys, from AUDIT_HMAC_KEYS)`);
  if (!/^[A-Za-z]+$/.test(table.table)) throw new ConfigError(`the ${table.chain} chain's table name must be letters only, got "${table.table}"`);
  if (!Number.isSafeInteger(table.lockKey)) throw new ConfigError(`the ${table.chain} chain's lockKey must be an integer`);
  if (table.pageSize !== undefined && (!Number.isInteger(table.pageSize) || table.pageSize < 1)) throw new ConfigError(`the ${table.chain} chain's pageSize must be a positive integer`);
  if (!Number.isInteger(appendTimeoutMs) || appendTimeoutMs < 1) throw new ConfigError(`appendTimeoutMs must be a positive integer, got ${appendTimeoutMs}`);

  /** The MAC a row should have: alone (before chaining) or chained (previousHash signed with it). */
  function expectedMac(row: Row): string | undefined {
    const key = keys.keys.get(row.keyId);
    if (!key) return undefined;
    const fields = table.signedFields(row);
    return recordMac(key, table.domain, row.previousHash === null ? fields : { ...fields, previousHash: row.previousHash });
  }

  const source: ChainSource<Row> = {
    page: (afterSeq, take) => table.page(db, afterSeq, take),
    link: (row) => ({ seq: row.seq, keyId: row.keyId, previousHash: row.previousHash, hash: row.mac, legacy: row.previousHash === null }),
    expectedHash: expectedMac,
    async seqOfHash(hash) {
      const [row] = await db.$queryRawUnsafe<{ seq: bigint | number }[]>(`SELECT seq FROM "${table.table}" WHERE mac = $1`, hash);
      return row ? BigInt(row.seq) : undefined;
    },
  };

  return {
    async append(fields, insert) {
      const written = await db.$transaction(
        async (tx) => {
          // A locked table or a stalled lock holder fails this append within the budget, never hangs it.
          await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${appendTimeoutMs}`);
          await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${table.lockKey})`);
          const [head] = await tx.$queryRawUnsafe<{ seq: bigint | number; mac: string }[]>(`SELECT seq, mac FROM "${table.table}" ORDER BY seq DESC LIMIT 1`);
          const previousHash = head?.mac ?? GENESIS_HASH;
          const signed = { ...fields, keyId: keys.currentId };
          const link: SignedLink = {
            seq: BigInt(head?.seq ?? 0) + 1n,
            keyId: keys.currentId,
            previousHash,
            mac: recordMac(currentKey, table.domain, { ...signed, previousHash }),
          };
          return { link, stored: await insert(tx, link) };
        },
        // Read committed whatever the database's default: the head read after the lock must see
        // the previous lock holder's commit.
        { timeout: appendTimeoutMs, maxWait: appendTimeoutMs, isolationLevel: 'ReadCommitted' },
      );
      checkpoints?.note({ seq: written.link.seq, hash: written.link.mac });
      return written;
    },

    isIntact(row) {
      const mac = expectedMac(row);
      return mac !== undefined && sameText(mac, row.mac);
    },

    verify: () => verifyChain(source, { keys, checkpoints, pageSize: table.pageSize }),
  };
}
