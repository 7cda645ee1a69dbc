// `npx tsx scripts/audit.ts verify`: walks the gateway's audit chain; exit 1 names the first
// edited, deleted or missing record. `npx tsx scripts/audit.ts tail [--n 20]`: the newest
// records. Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite under DATA_DIR.
import { parseArgs } from 'node:util';
import { describeTarget } from '@credit-graph/contract';
import { createAudit } from '../gateway/src/audit.ts';
import { openGatewayDatabase } from '../gateway/src/database.ts';

const USAGE = 'usage: npx tsx scripts/audit.ts verify | tail [--n 20]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { n: { type: 'string', default: '20' } },
});
const command = positionals[0];
const count = Number(values.n);
if ((command !== 'verify' && command !== 'tail') || positionals.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
if (!Number.isInteger(count) || count < 1) {
  console.error(`--n must be a positive whole number, got "${values.n}"`);
  process.exit(2);
}

const gateway = await openGatewayDatabase();
try {
  if (command === 'verify') {
    const audit = createAudit({ db: gateway.db });
    const result = await audit.verify();
    await audit.close();
    if (result.ok) {
      console.log(`ok: ${result.checked} record(s) verified (${describeTarget(gateway.database.target)})`);
    } else {
      console.error(`BROKEN at seq ${result.problem!.seq}: ${result.problem!.reason} (${result.checked} record(s) before it verified)`);
      process.exitCode = 1;
    }
  } else {
    const records = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'desc' }, take: count });
    for (const r of records.reverse()) {
      const purpose = r.purpose ?? '-';
      const who = `${r.role} ${r.subject}${r.institution ? ` @${r.institution}` : ''}`;
      console.log(
        `${r.seq} ${r.at.toISOString()} ${who} ${purpose} ${r.operationName ?? '(anonymous)'} ${r.outcome} subjects=${r.subjects.join(',') || '-'} ${r.hash.slice(0, 12)}`,
      );
    }
  }
} finally {
  await gateway.close();
}
