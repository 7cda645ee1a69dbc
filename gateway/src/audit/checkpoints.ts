// Signed checkpoints of the audit chain's head (sequence number and hash), kept OUTSIDE the
// audit table: in Redis (shared by replicas) and/or in a file the operator names. Someone who
// can write the audit table can delete its newest records and leave a chain that verifies; a
// checkpoint says how far the chain had reached, so `verify` finds the truncation. Written at
// least every `everyRecords` records or `everyMs` milliseconds, and at close. The signed-record
// chains (signed-records.ts: credit verifications, credit reports) keep theirs in the same
// stores, beside the audit log's (checkpointsOfChain).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { ConfigError } from '../config.ts';
import { checkpointMac, type AuditKeys } from './chain.ts';

export const DEFAULT_CHECKPOINT_EVERY_RECORDS = 100;
export const DEFAULT_CHECKPOINT_EVERY_MS = 10_000;
const REDIS_KEY_PREFIX = 'credit-graph:audit:checkpoint:';

/**
 * The Redis key of one audit log's checkpoint: one per gateway database (its description,
 * never its credentials, hashed), so that deployments or test runs sharing a Redis never
 * overwrite each other's checkpoints. The gateway and `npm run audit` compute the same one.
 */
export function checkpointRedisKey(databaseDescription: string): string {
  return REDIS_KEY_PREFIX + createHash('sha256').update(databaseDescription).digest('hex').slice(0, 16);
}

/** A head of the chain, signed: seq as a decimal string, at as ISO-8601 UTC; `chain` absent for the audit log's. */
export interface Checkpoint {
  seq: string;
  hash: string;
  at: string;
  keyId: string;
  chain?: string;
  mac: string;
}

export interface StoredCheckpoint {
  /** `file <path>` or `redis <key>`. */
  source: string;
  checkpoint: Checkpoint;
}

export interface CheckpointOptions {
  keys: AuditKeys;
  /** A file only the gateway's operator can write (AUDIT_CHECKPOINT_FILE). */
  file?: string;
  /** Shared by replicas (REDIS_URL). */
  redis?: Redis;
  /** Required with `redis`: see checkpointRedisKey. */
  redisKey?: string;
  everyRecords?: number;
  everyMs?: number;
  /** The chain checkpointed, signed into each checkpoint; absent for the audit log (whose checkpoints name none). */
  chain?: string;
  logger?: Pick<Console, 'error'>;
}

/** Checkpoints of a signed-record chain are written after every record: such records are few, and each is evidence. */
export const SIGNED_RECORDS_CHECKPOINT_EVERY_RECORDS = 1;

/**
 * The checkpoint options of chain `chain` (e.g. `credit-verification`) kept where the audit
 * log's are (`audit`, the audit log's options): the file `<name>.<chain>.json` beside its file
 * (`audit-checkpoint.json` -> `audit-checkpoint.credit-verification.json`), the Redis key
 * `<its key>:<chain>`, the same keys, after every record. Throws ConfigError for a chain name
 * that is not 1-40 lower-case letters, digits or "-".
 */
export function checkpointsOfChain(audit: CheckpointOptions, chain: string): CheckpointOptions {
  if (!/^[a-z0-9-]{1,40}$/.test(chain)) throw new ConfigError(`a checkpointed chain is named with 1-40 lower-case letters, digits or "-", got "${chain}"`);
  const file = audit.file ? path.join(path.dirname(audit.file), `${path.basename(audit.file, '.json')}.${chain}.json`) : undefined;
  return {
    ...audit,
    chain,
    file,
    redisKey: audit.redisKey ? `${audit.redisKey}:${chain}` : undefined,
    everyRecords: SIGNED_RECORDS_CHECKPOINT_EVERY_RECORDS,
  };
}

export interface Checkpoints {
  /** Whether any store is configured (without one, a truncation of the newest records goes unseen). */
  readonly enabled: boolean;
  /** Tells the newest committed head; writes a checkpoint when N records or T ms have passed. */
  note(head: { seq: bigint; hash: string }): void;
  /** Every stored checkpoint (none: no store configured or nothing written yet). */
  read(): Promise<StoredCheckpoint[]>;
  /** Whether a checkpoint's MAC is right under the key it names. */
  isAuthentic(checkpoint: Checkpoint): boolean | 'unknown-key';
  /** Writes the last noted head, then stops the timer. */
  close(): Promise<void>;
}

// Replaces the stored checkpoint only with a later one: replicas write in any order.
const REDIS_SET_IF_LATER = `
local current = redis.call('GET', KEYS[1])
if current then
  local seq = cjson.decode(current)['seq']
  if string.len(seq) > string.len(ARGV[2]) or (string.len(seq) == string.len(ARGV[2]) and seq >= ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Record<string, unknown> | null;
  return (
    !!c &&
    ['seq', 'hash', 'at', 'keyId', 'mac'].every((field) => typeof c[field] === 'string') &&
    (c.chain === undefined || typeof c.chain === 'string') &&
    /^\d{1,20}$/.test(c.seq as string)
  );
}

function parse(text: string | null | undefined): Checkpoint | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return isCheckpoint(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function createCheckpoints(options: CheckpointOptions): Checkpoints {
  const { keys, file, redis, redisKey, chain, logger = console } = options;
  if (redis && !redisKey) throw new ConfigError('audit checkpoints in Redis need a redisKey (checkpointRedisKey)');
  const everyRecords = options.everyRecords ?? DEFAULT_CHECKPOINT_EVERY_RECORDS;
  const everyMs = options.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS;
  if (!Number.isInteger(everyRecords) || everyRecords < 1) throw new ConfigError(`audit checkpoint everyRecords must be a positive integer, got ${everyRecords}`);
  if (!Number.isInteger(everyMs) || everyMs < 1) throw new ConfigError(`audit checkpoint everyMs must be a positive integer, got ${everyMs}`);
  const enabled = Boolean(file || redis);

  let latest: { seq: bigint; hash: string } | undefined;
  let written: bigint = -1n;
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  function sign(head: { seq: bigint; hash: string }): Checkpoint {
    const body = { seq: head.seq.toString(), hash: head.hash, at: new Date().toISOString(), keyId: keys.currentId, ...(chain ? { chain } : {}) };
    return { ...body, mac: checkpointMac(keys.keys.get(keys.currentId)!, body) };
  }

  async function store(checkpoint: Checkpoint): Promise<void> {
    const text = JSON.stringify(checkpoint);
    if (file) {
      const current = parse(await readFile(file, 'utf8').catch(() => null));
      if (!current || BigInt(current.seq) < BigInt(checkpoint.seq)) {
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        // Written whole, then renamed: a crash never leaves half a checkpoint.
        const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, file);
      }
    }
    if (redis) await redis.eval(REDIS_SET_IF_LATER, 1, redisKey!, text, checkpoint.seq);
  }

  function flush(): Promise<void> {
    if (!enabled || !latest || latest.seq <= written) return writing;
    const head = latest;
    written = head.seq;
    writing = writing
      .then(() => store(sign(head)))
      .catch((error: Error) => {
        written = -1n; // try again at the next record or tick
        logger.error(`[gateway] ${chain ?? 'audit'} checkpoint not written:`, error.message);
      });
    return writing;
  }

  if (enabled) {
    timer = setInterval(() => void flush(), everyMs);
    timer.unref();
  }

  return {
    enabled,
    note(head) {
      if (!enabled) return;
      if (!latest || head.seq > latest.seq) latest = head;
      if (written < 0n || latest.seq - written >= BigInt(everyRecords)) void flush();
    },
    async read() {
      const found: StoredCheckpoint[] = [];
      if (file) {
        const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null;
          throw error;
        });
        const checkpoint = parse(text);
        if (text !== null && !checkpoint) throw new Error(`the ${chain ?? 'audit'} checkpoint file ${file} is not a checkpoint`);
        if (checkpoint) found.push({ source: `file ${file}`, checkpoint });
      }
      if (redis) {
        const text = await redis.get(redisKey!);
        const checkpoint = parse(text);
        if (text !== null && !checkpoint) throw new Error(`the ${chain ?? 'audit'} checkpoint in Redis (${redisKey}) is not a checkpoint`);
        if (checkpoint) found.push({ source: `redis ${redisKey}`, checkpoint });
      }
      return found;
    },
    isAuthentic(checkpoint) {
      const key = keys.keys.get(checkpoint.keyId);
      if (!key) return 'unknown-key';
      // Checked as a checkpoint of THIS chain: one copied from another chain's store does not pass.
      const { mac, chain: _named, ...body } = checkpoint;
      return checkpointMac(key, chain ? { ...body, chain } : body) === mac;
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
