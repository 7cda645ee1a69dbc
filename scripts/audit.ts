// `credit-graph audit verify` (`npm run audit -- verify`): walks the gateway's audit chain; exit 1
// names the first edited, deleted or missing record. `audit tail [--n 20]`: the newest records.
// Arguments are parsed by the CLI (scripts/credit-graph.ts), which calls these functions.
// Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite under DATA_DIR.
import { createAudit } from '../gateway/src/audit/audit.ts';
import { UsageError, withGatewayDatabase } from './cli.ts';

/** Walks the audit chain; prints the verdict and sets exit code 1 at the first broken record. */
export async function verifyAudit(): Promise<void> {
  await withGatewayDatabase(async (gateway) => {
    const audit = createAudit({ db: gateway.db });
    const result = await audit.verify();
    await audit.close();
    if (result.ok) {
      console.log(`ok: ${result.checked} record(s) verified`);
    } else {
      console.error(`BROKEN at seq ${result.problem!.seq}: ${result.problem!.reason} (${result.checked} record(s) before it verified)`);
      process.exitCode = 1;
    }
  });
}

/** Prints the newest `count` records (a positive whole number), oldest first. */
export async function tailAudit(count: number): Promise<void> {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--n must be a positive whole number, got "${count}"`);
  await withGatewayDatabase(async (gateway) => {
    const records = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'desc' }, take: count });
    for (const r of records.reverse()) {
      const who = `${r.role} ${r.subject}${r.institution ? ` @${r.institution}` : ''}`;
      console.log(
        `${r.seq} ${r.at.toISOString()} ${who} ${r.purpose ?? '-'} ${r.operationName ?? '(anonymous)'} ${r.outcome} subjects=${r.subjects.join(',') || '-'} ${r.hash.slice(0, 12)}`,
      );
    }
  });
}
