// Concurrency and deadline attacks on the audit chain written through raw.transaction.
import { beforeEach, describe, expect, it } from 'vitest';
import { createAudit, type AuditEntry } from '../src/audit/audit.ts';
import { parseAuditKeys } from '../src/audit/chain.ts';
import { openGatewayDatabase, type GatewayDatabase } from '../src/database.ts';
import { useGatewayDatabase } from './support/gateway-database.ts';

const KEYS = parseAuditKeys(`k1:${'ab'.repeat(32)}`);
const silent = { error: () => undefined };
const gateway = useGatewayDatabase('audit_attack');
const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

const entry = (requestId: string): AuditEntry => ({
  subject: 'officer-1', role: 'BANK', institution: '91410100MA44XXXX0A', purpose: 'LOAN_APPROVAL', operationName: 'CreditCheck',
  operationHash: 'a'.repeat(64), subjects: ['91350100M000100Y43'], scopesUsed: ['credit:read'], outcome: 'ok', requestId,
});
const second = async (): Promise<GatewayDatabase> => (gateway.target.kind === 'postgres' ? openGatewayDatabase(gateway.target) : gateway);
async function rows() {
  return gateway.db.auditRecord.findMany({ select: { seq: true, requestId: true }, orderBy: { seq: 'asc' } });
}
beforeEach(async () => { await gateway.database.exec('TRUNCATE "AuditRecord"'); });

describe('audit chain under attack', () => {
  it('2000 records across two replicas at once: one contiguous chain that verifies', async () => {
    const other = await second();
    const a = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, maxBatch: 7 });
    const b = createAudit({ db: other.db, raw: other.raw, keys: KEYS, maxBatch: 13, maxWaitMs: 0 });
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => (i % 3 ? a : b).record(entry(`r${i}`))));
    const stored = await rows();
    expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.seq)).size).toBe(2000);
    expect(await a.verify()).toMatchObject({ ok: true, checked: 2000 });
    await a.close(); await b.close();
    if (other !== gateway) await other.close();
    expect(unhandled).toEqual([]);
  }, 120_000);

  it('tiny write budgets across two replicas: resolved <=> stored, chain contiguous, no leak', async () => {
    const other = await second();
    const a = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS, writeTimeoutMs: 3, maxBatch: 5, logger: silent });
    const b = createAudit({ db: other.db, raw: other.raw, keys: KEYS, writeTimeoutMs: 7, maxBatch: 3, maxWaitMs: 0, logger: silent });
    const outcomes = await Promise.all(Array.from({ length: 600 }, (_, i) => (i % 2 ? a : b).record(entry(`t${i}`)).then(() => true, () => false)));
    await new Promise((r) => setTimeout(r, 1500)); // abandoned transactions finish rolling back
    const stored = await rows();
    expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    const have = new Set(stored.map((r) => r.requestId));
    const mismatches = outcomes.flatMap((ok, i) => (ok !== have.has(`t${i}`) ? [{ i, ok }] : []));
    console.log(`resolved ${outcomes.filter(Boolean).length}/600, stored ${stored.length}`);
    expect(mismatches).toEqual([]);
    const check = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    expect(await check.verify()).toMatchObject({ ok: true, checked: stored.length });
    for (const db of [gateway, other]) {
      const stats = db.database.poolStats?.();
      if (stats) { expect(stats.waiting).toBe(0); expect(stats.idle).toBe(stats.total); }
    }
    if (gateway.target.kind === 'postgres') {
      const open = await gateway.database.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
      expect(open[0]!.n).toBe('0');
    }
    // The chain goes on after all that
    await a.close(); await b.close(); await check.close();
    const after = createAudit({ db: gateway.db, raw: gateway.raw, keys: KEYS });
    await after.record(entry('after'));
    expect(Number((await rows()).at(-1)!.seq)).toBe(stored.length + 1);
    await after.close();
    if (other !== gateway) await other.close();
    expect(unhandled).toEqual([]);
  }, 120_000);
});
