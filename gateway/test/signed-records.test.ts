// Issue 12 §4: stored credit verifications and issued credit reports are evidence that outlives
// the data, and tampering with them is detectable as for the audit log. Both are chains of
// signed records (audit/signed-records.ts); here each is tampered with by someone who can write
// its table but holds neither the audit key nor the checkpoint file. On a real database
// (PGlite, or PostgreSQL with TEST_DATABASE_URL), checkpoints in real files.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, type Caller } from '@credit-graph/contract';
import { testCaller } from '@credit-graph/subgraph-kit/testing';
import { parseAuditKeys, recordMac, type AuditKeys } from '../src/audit/chain.ts';
import { checkpointsOfChain, createCheckpoints, type Checkpoints } from '../src/audit/checkpoints.ts';
import type { SignedRecords, SignedRow, SignedTable } from '../src/audit/signed-records.ts';
import { openGatewayDatabase, type GatewayDatabase } from '../src/database.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';
import { createReports, REPORT_CHAIN } from '../src/reports/reports.ts';
import { createVerifications, VERIFICATION_CHAIN } from '../src/verification/verification.ts';
import { verifySignedRecords } from '../../scripts/audit.ts';

const KEYS = parseAuditKeys(`k1:${'ab'.repeat(32)}`);
const ROTATED = parseAuditKeys(`k2:${'cd'.repeat(32)},k1:${'ab'.repeat(32)}`);
const AGENCY_USCC = '12410100005000117X';
const BIDDER = '91350100M000100Y43';
const USCC = '914101086905876455';
const agency: Caller = { subject: 'officer-1', role: 'AGENCY', scopes: ['credit:verify'], institution: AGENCY_USCC, purpose: 'GOVERNMENT_PROCUREMENT' };

const gateway = useGatewayDatabase('signed-records');
let folder: string;
/** The audit log's checkpoint file: each chain's lies beside it (checkpointsOfChain). */
let auditFile: string;

/** Verification codes of the reports issued, by number (what the holder of each report knows). */
const codes = new Map<string, string>();

/** What the tests do to a kind of signed record, through its own service. */
interface Service {
  chain: SignedRecords<SignedRow>;
  /** Stores one record the way the gateway does; out: its number. */
  add(): Promise<string>;
  /** Whether the service serves the record `number` as authentic today. */
  authentic(number: string): Promise<boolean>;
}

interface Kind {
  name: string;
  table: SignedTable<SignedRow>;
  /** An edit of one signed column, as SQL `SET` text. */
  edit: string;
  /** How many concurrent appends the concurrency test makes (a report renders a PDF: fewer). */
  concurrent: number;
  open(db: GatewayDatabase, keys: AuditKeys, checkpoints?: Checkpoints): Service;
}

const KINDS: Kind[] = [
  {
    name: 'credit verifications',
    table: VERIFICATION_CHAIN as unknown as SignedTable<SignedRow>,
    edit: `content = jsonb_set(content, '{results,0,registered}', 'true')`,
    concurrent: 60, // more than one verify page (50)
    open(db, keys, checkpoints) {
      const service = createVerifications({
        db: db.db,
        keys,
        checkpoints,
        clock: fixedClock('2026-11-30T17:30:00.000Z'),
        execute: async () => ({ data: { enterprises: [null] } }) as never,
      });
      return {
        chain: service.chain as unknown as SignedRecords<SignedRow>,
        add: async () => (await service.verify(agency, [BIDDER], 'GOVERNMENT_PROCUREMENT')).number,
        authentic: async (number) => (await service.record(agency, number))?.intact === true,
      };
    },
  },
  {
    name: 'credit reports',
    table: REPORT_CHAIN as unknown as SignedTable<SignedRow>,
    edit: `grade = 'A'`,
    concurrent: 6,
    open(db, keys, checkpoints) {
      const enterprise = {
        uscc: USCC, name: '郑州某某有限公司', entityType: 'ENTERPRISE', legalRepresentative: '王*', registeredCapital: 500,
        establishedOn: '2010-05-01', district: { code: '410108', name: '惠济区' }, industry: 'MANUFACTURING', status: 'ACTIVE',
        address: '郑州市惠济区', businessScope: '制造', licenses: [], penalties: [], listEntries: [], commitments: [],
        evaluation: { grade: 'C', score: 64, baseScore: 90, evaluatedOn: '2026-12-01', factors: [] },
      };
      const service = createReports({ db: db.db, keys, checkpoints, execute: async () => ({ data: { enterprise } }), publicUrl: () => 'https://credit.example.gov.cn' });
      return {
        chain: service.chain as unknown as SignedRecords<SignedRow>,
        async add() {
          const issued = await service.issue(testCaller('REGULATOR', { purpose: 'SUPERVISION' }), undefined, USCC);
          codes.set(issued.number, issued.verificationCode);
          return issued.number;
        },
        authentic: async (number) => (await service.verify(number, codes.get(number)!)).authentic,
      };
    },
  },
];

/** The chain's checkpoints, in the file beside the audit log's, written after every record. */
function checkpointsOf(kind: Kind, keys = KEYS): Checkpoints {
  return createCheckpoints({ ...checkpointsOfChain({ keys, file: auditFile }, kind.table.chain), everyMs: 60_000 });
}

/** Another connection to the same database when there can be one (PostgreSQL), else the same one. */
async function secondConnection(): Promise<GatewayDatabase> {
  return gateway.target.kind === 'postgres' ? openGatewayDatabase(gateway.target) : gateway;
}

/** Stores `count` records one after the other, checkpointed; out: their numbers by seq, and a service to check with. */
async function store(kind: Kind, count: number): Promise<{ numbers: string[]; service: Service }> {
  const checkpoints = checkpointsOf(kind);
  const writer = kind.open(gateway, KEYS, checkpoints);
  const numbers: string[] = [];
  for (let i = 0; i < count; i++) numbers.push(await writer.add());
  await checkpoints.close(); // the last checkpoint written
  return { numbers, service: kind.open(gateway, KEYS, checkpointsOf(kind)) };
}

async function seqs(kind: Kind): Promise<bigint[]> {
  const rows = await gateway.database.query<{ position: string }>(`SELECT seq::text AS position FROM "${kind.table.table}" ORDER BY seq`);
  return rows.map((row) => BigInt(row.position));
}

beforeEach(async () => {
  await gateway.database.exec('TRUNCATE "CreditVerification", "CreditReport"');
  folder = mkdtempSync(path.join(tmpdir(), 'signed-records-'));
  auditFile = path.join(folder, 'audit-checkpoint.json');
  return () => rmSync(folder, { recursive: true, force: true });
});

describe.each(KINDS)('the chain of $name', (kind) => {
  it('verifies untouched, checkpointed beside the audit log, every record served as authentic', async () => {
    const { numbers, service } = await store(kind, 3);
    expect(await seqs(kind)).toEqual([1n, 2n, 3n]);
    expect(await service.chain.verify()).toMatchObject({ ok: true, checked: 3, legacy: 0, checkpoints: [{ source: `file ${path.join(folder, `audit-checkpoint.${kind.table.chain}.json`)}`, seq: 3n }] });
    for (const number of numbers) expect(await service.authentic(number)).toBe(true);
    // `credit-graph audit verify` reads the checkpoints where the gateway writes them.
    const cli = await verifySignedRecords(gateway, { keys: KEYS, checkpointFile: auditFile, redisUrl: undefined, redisKey: undefined });
    expect(cli.find((chain) => chain.name === kind.name)?.result).toMatchObject({ ok: true, checked: 3, checkpoints: [{ seq: 3n }] });
  });

  it('finds an edited record, which is no longer served as authentic', async () => {
    const { numbers, service } = await store(kind, 3);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET ${kind.edit} WHERE seq = 2`);
    const result = await service.chain.verify();
    expect(result).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'edit' } });
    expect(result.problem!.reason).toMatch(/hash does not match/);
    expect(await service.authentic(numbers[1]!)).toBe(false);
    expect(await service.authentic(numbers[2]!)).toBe(true);
  });

  it('finds a record deleted from the middle, also when the later ones are renumbered to close the gap', async () => {
    const { numbers, service } = await store(kind, 4);
    await gateway.database.exec(`DELETE FROM "${kind.table.table}" WHERE seq = 2`);
    const gap = await service.chain.verify();
    expect(gap).toMatchObject({ ok: false, checked: 1, problem: { seq: 3n, kind: 'gap' } });
    expect(gap.problem!.reason).toMatch(/records 2 to 2 are missing/);
    // In two steps: seq is unique at every row.
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = -seq WHERE seq > 2`);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = -seq - 1 WHERE seq < 0`);
    const renumbered = await service.chain.verify();
    expect(renumbered).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'edit' } });
    expect(renumbered.problem!.reason).toMatch(/previousHash is not the hash of record 1/);
    // The records left are still authentic evidence: only their chain is broken.
    expect(await service.authentic(numbers[2]!)).toBe(true);
  });

  it('finds the newest records deleted, by the checkpoint; without a checkpoint store nothing could', async () => {
    const { service } = await store(kind, 4);
    await gateway.database.exec(`DELETE FROM "${kind.table.table}" WHERE seq >= 3`);
    const result = await service.chain.verify();
    expect(result).toMatchObject({ ok: false, checked: 2, problem: { seq: 3n, kind: 'truncation' } });
    expect(result.problem!.reason).toMatch(/records 3 to 4 were deleted/);
    expect(await kind.open(gateway, KEYS).chain.verify()).toMatchObject({ ok: true, checked: 2, checkpoints: [] });
    // Deleting the checkpoint too is seen: the store is configured but holds none under a keyed chain.
    rmSync(path.join(folder, `audit-checkpoint.${kind.table.chain}.json`));
    expect(await service.chain.verify()).toMatchObject({ ok: false, problem: { seq: 2n, kind: 'checkpoint' } });
  });

  it('finds reordered records', async () => {
    const { service } = await store(kind, 4);
    // Records 2 and 3 swap places (through -2: seq is unique at every row).
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = -2 WHERE seq = 2`);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = 2 WHERE seq = 3`);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = 3 WHERE seq = -2`);
    const result = await service.chain.verify();
    expect(result).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'reorder' } });
    expect(result.problem!.reason).toMatch(/stored at seq 3, not of record 1/);
  });

  it('names a record signed with a key AUDIT_HMAC_KEYS does not list, and does not serve it as authentic', async () => {
    const { numbers, service } = await store(kind, 3);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET "keyId" = 'k9' WHERE seq = 2`);
    expect(await service.chain.verify()).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'unknown-key' } });
    expect(await service.authentic(numbers[1]!)).toBe(false);
  });

  it('keeps one unbroken chain under concurrent appends from two replicas', async () => {
    const other = await secondConnection();
    const first = kind.open(gateway, KEYS);
    const second = kind.open(other, KEYS);
    await Promise.all(Array.from({ length: kind.concurrent }, (_, i) => (i % 2 ? first : second).add()));
    expect(await seqs(kind)).toEqual(Array.from({ length: kind.concurrent }, (_, i) => BigInt(i + 1)));
    expect(await first.chain.verify()).toMatchObject({ ok: true, checked: kind.concurrent });
    if (other !== gateway) await other.close();
  });

  it('verifies across a key rotation, and chains the new key after the old', async () => {
    await store(kind, 2);
    const checkpoints = checkpointsOf(kind, ROTATED);
    await kind.open(gateway, ROTATED, checkpoints).add();
    await checkpoints.close();
    const rows = await gateway.database.query<{ keyId: string }>(`SELECT "keyId" FROM "${kind.table.table}" ORDER BY seq`);
    expect(rows.map((row) => row.keyId)).toEqual(['k1', 'k1', 'k2']);
    expect(await kind.open(gateway, ROTATED, checkpointsOf(kind, ROTATED)).chain.verify()).toMatchObject({ ok: true, checked: 3 });
    expect(await kind.open(gateway, parseAuditKeys(`k2:${'cd'.repeat(32)}`)).chain.verify()).toMatchObject({ ok: false, problem: { seq: 1n, kind: 'unknown-key' } });
  });

  it('verifies records stored before chaining (migration 0008) as legacy, chains new ones to the last of them, and sees that one deleted', async () => {
    const { numbers } = await store(kind, 2);
    // As migration 0008 leaves them: numbered, no previousHash, each signed alone as before.
    const legacyMacs: string[] = [];
    for (const row of await kind.table.page(gateway.db, 0n, 10)) {
      const mac = recordMac(KEYS.keys.get('k1')!, kind.table.domain, kind.table.signedFields(row));
      await gateway.database.query(`UPDATE "${kind.table.table}" SET "previousHash" = NULL, mac = $1 WHERE seq = $2`, [mac, row.seq.toString()]);
      legacyMacs.push(mac);
    }
    rmSync(path.join(folder, `audit-checkpoint.${kind.table.chain}.json`)); // written before the migration: none
    const service = kind.open(gateway, KEYS, checkpointsOf(kind));
    expect(await service.chain.verify()).toMatchObject({ ok: true, checked: 2, legacy: 2 });
    for (const number of numbers) expect(await service.authentic(number)).toBe(true);
    const checkpoints = checkpointsOf(kind);
    await kind.open(gateway, KEYS, checkpoints).add();
    await checkpoints.close();
    const [third] = await kind.table.page(gateway.db, 2n, 1);
    expect(third!.previousHash).toBe(legacyMacs[1]);
    expect(await service.chain.verify()).toMatchObject({ ok: true, checked: 3, legacy: 2, checkpoints: [{ seq: 3n }] });
    // A chained record turned back into a legacy one is a rewrite.
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET "previousHash" = NULL WHERE seq = 3`);
    expect(await service.chain.verify()).toMatchObject({ ok: false, problem: { seq: 3n, kind: 'edit' } });
    await gateway.database.query(`UPDATE "${kind.table.table}" SET "previousHash" = $1 WHERE seq = 3`, [third!.previousHash]);
    await gateway.database.exec(`DELETE FROM "${kind.table.table}" WHERE seq = 2`);
    await gateway.database.exec(`UPDATE "${kind.table.table}" SET seq = 2 WHERE seq = 3`);
    expect(await service.chain.verify()).toMatchObject({ ok: false, checked: 1, problem: { seq: 2n, kind: 'edit' } });
  });
});

// CI (.ci/run) sets REDIS_URL; without it this is reported as skipped.
describe.runIf(process.env.REDIS_URL)('signed-record checkpoints in Redis', () => {
  it.each(KINDS)('finds the newest $name deleted from the checkpoint replicas share in Redis', async (kind) => {
    const redis = new Redis(process.env.REDIS_URL!);
    const redisKey = `test:audit-checkpoint:${randomUUID()}`;
    try {
      const checkpoints = () => createCheckpoints({ ...checkpointsOfChain({ keys: KEYS, redis, redisKey }, kind.table.chain), everyMs: 60_000 });
      const writing = checkpoints();
      const writer = kind.open(gateway, KEYS, writing);
      for (let i = 0; i < 3; i++) await writer.add();
      await writing.close();
      expect(await redis.get(`${redisKey}:${kind.table.chain}`)).toContain('"seq":"3"');
      await gateway.database.exec(`DELETE FROM "${kind.table.table}" WHERE seq = 3`);
      const result = await kind.open(gateway, KEYS, checkpoints()).chain.verify();
      expect(result).toMatchObject({ ok: false, checked: 2, problem: { seq: 3n, kind: 'truncation' }, checkpoints: [{ source: `redis ${redisKey}:${kind.table.chain}`, seq: 3n }] });
    } finally {
      await redis.del(`${redisKey}:${kind.table.chain}`);
      redis.disconnect();
    }
  });
});

describe('checkpoints of the signed-record chains', () => {
  it("refuses one chain's checkpoint copied over another's", async () => {
    const [verifications, reports] = KINDS as [Kind, Kind];
    await store(verifications, 3);
    await store(reports, 1);
    const reportFile = path.join(folder, `audit-checkpoint.${reports.table.chain}.json`);
    writeFileSync(reportFile, readFileSync(path.join(folder, `audit-checkpoint.${verifications.table.chain}.json`)));
    const result = await reports.open(gateway, KEYS, checkpointsOf(reports)).chain.verify();
    expect(result).toMatchObject({ ok: false, problem: { seq: 3n, kind: 'checkpoint' } });
    expect(result.problem!.reason).toMatch(/another chain's/);
  });

  it('names the file beside the audit log and the Redis key after it, and refuses a bad chain name', () => {
    const options = checkpointsOfChain({ keys: KEYS, file: '/var/lib/cg/audit-checkpoint.json', redisKey: 'credit-graph:audit:checkpoint:ab' }, 'credit-report');
    expect(options).toMatchObject({ file: '/var/lib/cg/audit-checkpoint.credit-report.json', redisKey: 'credit-graph:audit:checkpoint:ab:credit-report', chain: 'credit-report', everyRecords: 1 });
    expect(() => checkpointsOfChain({ keys: KEYS }, '../x')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
