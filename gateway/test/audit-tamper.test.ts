// Issue 9 §2: the audit log is tamper-evident against someone who can write its table but
// holds neither the chain's key nor the checkpoint store. On a real database (PGlite, or
// PostgreSQL with TEST_DATABASE_URL), checkpoints in a real file and, with REDIS_URL, in Redis.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAudit, GENESIS_HASH, type AuditEntry } from '../src/audit/audit.ts';
import { auditKeysFromEnv, canonicalJSON, keyedHash, parseAuditKeys } from '../src/audit/chain.ts';
import { createCheckpoints } from '../src/audit/checkpoints.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';

const KEYS = parseAuditKeys(`k1:${'ab'.repeat(32)}`);
const USCC_A = '91350100M000100Y43';

const gateway = useGatewayDatabase('audit-tamper');
let folder: string;
let file: string;

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    subject: 'officer-1',
    role: 'BANK',
    institution: '91410100MA44XXXX0A',
    purpose: 'LOAN_APPROVAL',
    operationName: 'CreditCheck',
    operationHash: 'a'.repeat(64),
    subjects: [USCC_A],
    scopesUsed: ['credit:read'],
    outcome: 'ok',
    ...overrides,
  };
}

/** An audit log checkpointing into `file` after every record (the default is every 100 or 10 s). */
function auditWithCheckpoints(keys = KEYS, everyRecords = 1) {
  const checkpoints = createCheckpoints({ keys, file, everyRecords, everyMs: 60_000 });
  return createAudit({ db: gateway.db, raw: gateway.raw, keys, checkpoints });
}

async function writeNine() {
  const audit = auditWithCheckpoints();
  for (let i = 0; i < 9; i++) await audit.record(entry({ subjects: [`S${i}`] }));
  await audit.close(); // writes the last checkpoint
  return auditWithCheckpoints();
}

beforeEach(async () => {
  await gateway.database.exec('TRUNCATE "AuditRecord"');
  folder = mkdtempSync(path.join(tmpdir(), 'audit-checkpoint-'));
  file = path.join(folder, 'checkpoint.json');
  return () => rmSync(folder, { recursive: true, force: true });
});

describe('audit verify against someone who can write the audit table', () => {
  it('finds the newest records deleted (issue example: DELETE seq >= 7 of 9)', async () => {
    const audit = await writeNine();
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 9, checkpoints: [{ seq: 9n }] });
    await gateway.database.exec('DELETE FROM "AuditRecord" WHERE seq >= 7');
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 6, problem: { seq: 7n, kind: 'truncation' } });
    expect(result.problem!.reason).toMatch(/records 7 to 9 were deleted/);
    await audit.close();
  });

  it('finds records reordered (two swap places), naming where the predecessor went', async () => {
    const audit = await writeNine();
    // Through -4: seq is the table's key, unique at every row.
    for (const [from, to] of [[4, -4], [5, 4], [-4, 5]]) await gateway.database.exec(`UPDATE "AuditRecord" SET seq = ${to} WHERE seq = ${from}`);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 3, problem: { seq: 4n, kind: 'reorder' } });
    expect(result.problem!.reason).toMatch(/stored at seq 5, not of record 3/);
    await audit.close();
  });

  it('finds every record deleted', async () => {
    const audit = await writeNine();
    await gateway.database.exec('DELETE FROM "AuditRecord"');
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 0, problem: { seq: 1n, kind: 'truncation' } });
    await audit.close();
  });

  it('finds the checkpoint file deleted, alone or with the newest records', async () => {
    const audit = await writeNine();
    rmSync(file);
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 9, problem: { seq: 9n, kind: 'checkpoint' } });
    await gateway.database.exec('DELETE FROM "AuditRecord" WHERE seq >= 7');
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 6, problem: { seq: 6n, kind: 'checkpoint' } });
    expect(result.problem!.reason).toMatch(/holds no checkpoint/);
    await audit.close();
  });

  it('finds an edit whose later hashes were recomputed without the key (plain SHA-256, as the old chain was)', async () => {
    const audit = await writeNine();
    const rows = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'asc' } });
    let previousHash = GENESIS_HASH;
    for (const row of rows) {
      // The forger rewrites everything from seq 3 as legacy (unkeyed) records with the edit.
      const { seq, hash: _hash, at, keyId: _keyId, requestId: _r, writeIntentId: _w, ...rest } = row;
      const fields = { ...rest, at: at.toISOString(), previousHash, outcome: seq === 3n ? 'denied' : rest.outcome };
      const hash = seq < 3n ? row.hash : createHash('sha256').update(previousHash + canonicalJSON(fields)).digest('hex');
      if (seq >= 3n) {
        await gateway.database.query(`UPDATE "AuditRecord" SET "keyId" = NULL, outcome = $1, "previousHash" = $2, hash = $3 WHERE seq = $4`, [
          fields.outcome,
          previousHash,
          hash,
          seq,
        ]);
      }
      previousHash = hash;
    }
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 2, problem: { seq: 3n, kind: 'edit' } });
    await audit.close();
  });

  it('finds an edit whose later hashes were recomputed with a guessed key', async () => {
    const audit = await writeNine();
    const guessed = Buffer.alloc(32, 7);
    const rows = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'asc' } });
    let previousHash = rows[3]!.previousHash;
    for (const row of rows.slice(3)) {
      const { seq, hash: _hash, at, ...rest } = row;
      const fields = { ...rest, at: at.toISOString(), previousHash, keyId: 'k1', subjects: seq === 4n ? [] : rest.subjects };
      const hash = keyedHash(guessed, fields);
      await gateway.database.query(`UPDATE "AuditRecord" SET subjects = $1, "previousHash" = $2, hash = $3 WHERE seq = $4`, [fields.subjects, previousHash, hash, seq]);
      previousHash = hash;
    }
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 3, problem: { seq: 4n, kind: 'edit' } });
    await audit.close();
  });

  it('finds a rewrite by someone holding the key, at the checkpoint kept outside the database', async () => {
    const audit = await writeNine();
    const rows = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'asc' } });
    let previousHash = rows[4]!.previousHash;
    for (const row of rows.slice(4)) {
      const { seq, hash: _hash, at, ...rest } = row;
      const fields = { ...rest, at: at.toISOString(), previousHash, keyId: 'k1', subjects: seq === 5n ? [] : rest.subjects };
      const hash = keyedHash(KEYS.keys.get('k1')!, fields);
      await gateway.database.query(`UPDATE "AuditRecord" SET subjects = $1, "previousHash" = $2, hash = $3 WHERE seq = $4`, [fields.subjects, previousHash, hash, seq]);
      previousHash = hash;
    }
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: false, checked: 8, problem: { seq: 9n, kind: 'edit' } });
    expect(result.problem!.reason).toMatch(/differs from the one checkpointed/);
    await audit.close();
  });

  it('refuses a forged checkpoint and names a record chained with a key it does not know', async () => {
    const audit = await writeNine();
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    writeFileSync(file, JSON.stringify({ ...stored, seq: '3' }));
    expect(await audit.verify()).toMatchObject({ ok: false, problem: { seq: 3n, kind: 'checkpoint' } });
    writeFileSync(file, JSON.stringify(stored));
    await gateway.database.exec(`UPDATE "AuditRecord" SET "keyId" = 'k9' WHERE seq = 2`);
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'unknown-key' } });
    await audit.close();
  });

  it('writes the checkpoint file readable by its owner only', async () => {
    await writeNine();
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('verifies across a key rotation: records of the old key still verify while it is listed', async () => {
    await writeNine();
    const rotated = parseAuditKeys(`k2:${'cd'.repeat(32)},k1:${'ab'.repeat(32)}`);
    const audit = auditWithCheckpoints(rotated);
    await audit.record(entry());
    await audit.close(); // the checkpoint is written after the record, at the latest on close
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 10, checkpoints: [{ seq: 10n }] });
    const keyIds = (await gateway.db.auditRecord.findMany({ orderBy: { seq: 'asc' } })).map((r) => r.keyId);
    expect(keyIds).toEqual([...Array(9).fill('k1'), 'k2']);
    await audit.close();
    // Dropping the old key from the list makes its records unverifiable, and verify says so.
    const dropped = createAudit({ db: gateway.db, raw: gateway.raw, keys: parseAuditKeys(`k2:${'cd'.repeat(32)}`) });
    expect(await dropped.verify()).toMatchObject({ ok: false, problem: { seq: 1n, kind: 'unknown-key' } });
    await dropped.close();
  });

  it('reports records from before keyed chains as legacy, and chains new records after them', async () => {
    // Two records as the previous gateway wrote them: plain SHA-256, no key id.
    let previousHash = GENESIS_HASH;
    for (let seq = 1; seq <= 2; seq++) {
      const fields = {
        id: randomUUID(), at: new Date(Date.UTC(2026, 0, seq)).toISOString(), subject: 'officer-0', role: 'BANK', institution: null,
        purpose: null, consentIds: [], operationName: null, operationHash: 'b'.repeat(64), subjects: [USCC_A], scopesUsed: [],
        outcome: 'ok', clientAddress: null, previousHash,
      };
      const hash = createHash('sha256').update(previousHash + canonicalJSON(fields)).digest('hex');
      await gateway.database.query(
        `INSERT INTO "AuditRecord" (seq, id, at, subject, role, "consentIds", "operationHash", subjects, "scopesUsed", outcome, "previousHash", hash)
         VALUES ($1, $2, $3, 'officer-0', 'BANK', '{}', $4, $5, '{}', 'ok', $6, $7)`,
        [seq, fields.id, fields.at, fields.operationHash, [USCC_A], previousHash, hash],
      );
      previousHash = hash;
    }
    const audit = auditWithCheckpoints();
    await audit.record(entry());
    await audit.close(); // its checkpoint written
    const verifier = auditWithCheckpoints();
    expect(await verifier.verify()).toMatchObject({ ok: true, checked: 3, legacy: 2, checkpoints: [{ seq: 3n }] });
    await verifier.close();
  });

  it('stores the request id on the record', async () => {
    const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await audit.record(entry({ requestId: 'req-123' }));
    expect((await gateway.db.auditRecord.findFirstOrThrow()).requestId).toBe('req-123');
    expect((await audit.verify()).ok).toBe(true);
    await audit.close();
  });
});

// CI (.ci/run) sets REDIS_URL; without it this is reported as skipped.
describe.runIf(process.env.REDIS_URL)('audit checkpoints in Redis', () => {
  it('finds a truncation from the checkpoint replicas share in Redis', async () => {
    const redis = new Redis(process.env.REDIS_URL!);
    const redisKey = `test:audit-checkpoint:${randomUUID()}`;
    try {
      const checkpoints = () => createCheckpoints({ keys: KEYS, redis, redisKey, everyRecords: 1, everyMs: 60_000 });
      const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, checkpoints: checkpoints() });
      for (let i = 0; i < 9; i++) await audit.record(entry());
      await audit.close();
      await gateway.database.exec('DELETE FROM "AuditRecord" WHERE seq >= 7');
      const verifier = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, checkpoints: checkpoints() });
      expect(await verifier.verify()).toMatchObject({ ok: false, checked: 6, problem: { seq: 7n, kind: 'truncation' } });
      await verifier.close();
    } finally {
      await redis.del(redisKey);
      redis.disconnect();
    }
  });
});

describe('audit chain keys (AUDIT_HMAC_KEYS)', () => {
  it('takes the first listed key as current and refuses short, duplicate or malformed keys with INVALID_CONFIG', () => {
    const keys = parseAuditKeys(`new:${'1'.repeat(64)}, old:${'x'.repeat(40)}`);
    expect(keys.currentId).toBe('new');
    expect([...keys.keys.keys()]).toEqual(['new', 'old']);
    for (const raw of ['', 'k1', `k1:${'ab'.repeat(8)}`, `k1:${'ab'.repeat(32)},k1:${'cd'.repeat(32)}`, `bad id:${'ab'.repeat(32)}`]) {
      expect(() => parseAuditKeys(raw), raw).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    }
  });

  it('requires named keys in production, and derives a development key from the caller-signing secret otherwise', () => {
    expect(() => auditKeysFromEnv({ NODE_ENV: 'production' }, 's'.repeat(40))).toThrow(/AUDIT_HMAC_KEYS is required/);
    const derived = auditKeysFromEnv({}, 's'.repeat(40));
    expect(derived.currentId).toBe('derived');
    expect(derived.keys.get('derived')).toEqual(auditKeysFromEnv({}, 's'.repeat(40)).keys.get('derived'));
    expect(derived.keys.get('derived')).not.toEqual(auditKeysFromEnv({}, 't'.repeat(40)).keys.get('derived'));
  });

  it('refuses checkpoint settings that cannot work at creation', () => {
    expect(() => createCheckpoints({ keys: KEYS, everyRecords: 0 })).toThrow(/everyRecords/);
    expect(() => createCheckpoints({ keys: KEYS, everyMs: 0 })).toThrow(/everyMs/);
    expect(() => createCheckpoints({ keys: KEYS, redis: {} as never })).toThrow(/redisKey/);
  });
});
