// Micro-benchmark: CPU and wall time per audit record appended alone (one record per group
// commit, the bench's single checks at low concurrency), on a PostgreSQL database.
//   npx tsx bench/micro/audit-record.ts postgresql://postgres@127.0.0.1:5432/<empty database> [records=2000]
// Out: one line, CPU ms and wall ms per record (process.cpuUsage: this process's threads).
// Session 7 measured 2.07 -> 1.01 ms CPU and 3.57 -> 2.11 ms wall per record when the append
// moved from Prisma's interactive transaction to raw.transaction (bench/README.md).
import { createAudit, type AuditEntry } from '../../gateway/src/audit/audit.ts';
import { parseAuditKeys } from '../../gateway/src/audit/chain.ts';
import { openGatewayDatabase } from '../../gateway/src/database.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: audit-record.ts <postgresql url of an empty database> [records]');
const records = Number(process.argv[3] ?? 2000);
const gateway = await openGatewayDatabase({ kind: 'postgres', url });
const audit = createAudit({ db: gateway.db, raw: gateway.raw, keys: parseAuditKeys(`k1:${'ab'.repeat(32)}`), maxWaitMs: 0 });
const entry: AuditEntry = {
  subject: 'officer-1',
  role: 'BANK',
  institution: '91410100MA44XXXX0A',
  purpose: 'LOAN_APPROVAL',
  consentIds: ['consent-1'],
  operationName: 'CreditCheck',
  operationHash: 'a'.repeat(64),
  subjects: ['91350100M000100Y43'],
  scopesUsed: ['credit:read'],
  outcome: 'ok',
  clientAddress: '10.0.0.1',
};
for (let i = 0; i < 300; i++) await audit.record(entry); // warm-up
const cpu = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < records; i++) await audit.record(entry);
const used = process.cpuUsage(cpu);
const wall = performance.now() - started;
console.log(`${records} records: CPU ${((used.user + used.system) / 1000 / records).toFixed(3)} ms, wall ${(wall / records).toFixed(3)} ms per record`);
await audit.close();
await gateway.close();
