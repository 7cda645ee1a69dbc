// `credit-graph audit verify` (`npm run audit -- verify`): walks the gateway's keyed audit chain and compares its end with
// the signed checkpoints kept outside the database; exit 1 names the first bad sequence number
// and what is wrong (gap, edit, reorder, truncation, unknown key id, forged checkpoint). It then
// walks the chains of stored credit verifications and issued credit reports the same way
// (audit/signed-records.ts), against their checkpoints kept beside the audit log's.
// `audit tail [--n 20]`: the newest records. Arguments are parsed by the CLI (scripts/credit-graph.ts).
// Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite under DATA_DIR. Keys:
// AUDIT_HMAC_KEYS, else the embedded default's (DATA_DIR/secrets.json). Checkpoints:
// AUDIT_CHECKPOINT_FILE (else DATA_DIR/audit-checkpoint.json on the embedded default) and Redis
// when REDIS_URL is set.
import { Redis } from 'ioredis';
import { createAudit, type VerifyResult } from '../gateway/src/audit/audit.ts';
import { checkpointRedisKey, checkpointsOfChain, createCheckpoints, type CheckpointOptions } from '../gateway/src/audit/checkpoints.ts';
import { createSignedRecords, type SignedRow, type SignedTable } from '../gateway/src/audit/signed-records.ts';
import { REPORT_CHAIN } from '../gateway/src/reports/reports.ts';
import { VERIFICATION_CHAIN } from '../gateway/src/verification/verification.ts';
import { describeTarget } from '@credit-graph/contract';
import type { GatewayDatabase } from '../gateway/src/database.ts';
import { UsageError, withGatewayDatabase } from './cli.ts';
import { auditSettings, type AuditSettings } from './embedded.ts';

/** The checkpoint stores the gateway writes the audit log's checkpoints to, as `settings` name them. */
function checkpointOptions(gateway: GatewayDatabase, settings: AuditSettings, redis: Redis | undefined): CheckpointOptions {
  const redisKey = settings.redisKey ?? checkpointRedisKey(describeTarget(gateway.database.target));
  return { keys: settings.keys, file: settings.checkpointFile, redis, redisKey };
}

/** Verifies the whole chain against every configured checkpoint store. */
export async function verifyAuditLog(gateway: GatewayDatabase, settings: AuditSettings = auditSettings()): Promise<VerifyResult> {
  const redis = settings.redisUrl ? new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  try {
    const checkpoints = createCheckpoints(checkpointOptions(gateway, settings, redis));
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: settings.keys, checkpoints });
    const result = await audit.verify();
    await audit.close();
    return result;
  } finally {
    redis?.disconnect();
  }
}


/**
 * Verifies the chains of stored credit verifications and issued credit reports, each against
 * its checkpoints beside the audit log's (checkpointsOfChain). Out: one result per chain
 * (verifications, then reports). Database and checkpoint-store errors propagate.
 */
export async function verifySignedRecords(gateway: GatewayDatabase, settings: AuditSettings = auditSettings()): Promise<{ name: string; result: VerifyResult }[]> {
  const redis = settings.redisUrl ? new Redis(settings.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  try {
    const verify = async <Row extends SignedRow>(table: SignedTable<Row>) => {
      const checkpoints = createCheckpoints(checkpointsOfChain(checkpointOptions(gateway, settings, redis), table.chain));
      const result = await createSignedRecords({ db: gateway.db, keys: settings.keys, table, checkpoints }).verify();
      await checkpoints.close();
      return result;
    };
    return [
      { name: 'credit verifications', result: await verify(VERIFICATION_CHAIN) },
      { name: 'credit reports', result: await verify(REPORT_CHAIN) },
    ];
  } finally {
    redis?.disconnect();
  }
}

/**
 * The report `verify` prints: one line, "ok: ..." or "BROKEN at seq N (kind): ...". `legacyMeans`
 * says what a legacy record of this chain is (the audit log's: plain SHA-256 ones).
 */
export function describeVerifyResult(result: VerifyResult, legacyMeans = 'from before keyed chains (plain SHA-256, not protected against a rewrite)'): string {
  const legacy = result.legacy > 0 ? `; ${result.legacy} legacy record(s) ${legacyMeans}` : '';
  const against = result.checkpoints.length > 0
    ? `; checked against ${result.checkpoints.map((c) => `${c.source} (seq ${c.seq})`).join(', ')}`
    : '; NO checkpoint configured or written: deleting the newest records would not be seen';
  if (result.ok) return `ok: ${result.checked} record(s) verified${legacy}${against}`;
  const { seq, kind, reason } = result.problem!;
  return `BROKEN at seq ${seq} (${kind}): ${reason} (${result.checked} record(s) before it verified${legacy})`;
}

/** How long a write may be in flight before its missing audit record is reported. */
export const UNAUDITED_WRITE_GRACE_MS = 5 * 60_000;

/**
 * Writes put on record (intent) but never audited, older than the grace period: the gateway
 * stopped mid-write, or the client got 503 and never retried. The subgraph may hold the change;
 * a retry with the same idempotency key completes its record.
 */
export async function unauditedWrites(gateway: GatewayDatabase, now = new Date()): Promise<{ id: string; scope: string; operationName: string | null; createdAt: Date }[]> {
  return gateway.db.writeIntent.findMany({
    where: { auditedAt: null, createdAt: { lt: new Date(now.getTime() - UNAUDITED_WRITE_GRACE_MS) } },
    select: { id: true, scope: true, operationName: true, createdAt: true },
    orderBy: { createdAt: 'asc' },
    take: 100,
  });
}

/** The newest `count` records, oldest first, one line each. */
export async function tailAuditLog(gateway: GatewayDatabase, count: number): Promise<string[]> {
  const records = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'desc' }, take: count });
  return records.reverse().map((r) => {
    const who = `${r.role} ${r.subject}${r.institution ? ` @${r.institution}` : ''}`;
    return `${r.seq} ${r.at.toISOString()} ${who} ${r.purpose ?? '-'} ${r.operationName ?? '(anonymous)'} ${r.outcome} subjects=${r.subjects.join(',') || '-'} ${r.requestId ? `request=${r.requestId} ` : ''}${r.keyId ?? 'legacy'}:${r.hash.slice(0, 12)}`;
  });
}

/**
 * Walks the audit chain, then the chains of stored verifications and issued reports, each against
 * its checkpoints; prints one verdict line per chain, sets exit code 1 when any is broken, and
 * warns of writes put on record but never audited.
 */
export async function verifyAudit(): Promise<void> {
  await withGatewayDatabase(async (gateway) => {
    const result = await verifyAuditLog(gateway);
    if (result.ok) console.log(describeVerifyResult(result));
    else {
      console.error(describeVerifyResult(result));
      process.exitCode = 1;
    }
    for (const { name, result: chain } of await verifySignedRecords(gateway)) {
      const line = `${name}: ${describeVerifyResult(chain, 'stored before chaining (migration 0008: each signed alone, a deletion among them not detectable)')}`;
      if (chain.ok) console.log(line);
      else {
        console.error(line);
        process.exitCode = 1;
      }
    }
    for (const write of await unauditedWrites(gateway)) {
      console.error(`WARNING: write intent ${write.id} (${write.operationName ?? 'anonymous'} by ${write.scope}, ${write.createdAt.toISOString()}) has no audit record: the write may have been made; a retry with its idempotency key completes the record`);
    }
  });
}

/** Prints the newest `count` records (a positive whole number), oldest first. */
export async function tailAudit(count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--n must be a positive whole number, got "${count}"`);
  await withGatewayDatabase(async (gateway) => {
    for (const line of await tailAuditLog(gateway, count)) console.log(line);
  });
}
