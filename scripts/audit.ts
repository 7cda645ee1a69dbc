// `npm run audit -- verify`: walks the gateway's audit chain; exit 1 names the first edited,
// deleted or missing record. `npm run audit -- tail [--n 20]`: the newest records.
// Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite under DATA_DIR.
import { createAudit } from '../gateway/src/audit/audit.ts';
import { parseCommandLine, runCommand, UsageError, withGatewayDatabase } from './cli.ts';

const USAGE = 'usage: npm run audit -- verify | tail [--n 20]';

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv, { n: { type: 'string', default: '20' } });
  const [command, ...extra] = positionals;
  if ((command !== 'verify' && command !== 'tail') || extra.length > 0) {
    throw new UsageError(command ? `unknown command "${positionals.join(' ')}"` : 'no command given');
  }
  const count = Number(values.n);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--n must be a positive whole number, got "${values.n}"`);

  await withGatewayDatabase(async (gateway) => {
    if (command === 'verify') {
      const audit = createAudit({ db: gateway.db });
      const result = await audit.verify();
      await audit.close();
      if (result.ok) {
        console.log(`ok: ${result.checked} record(s) verified`);
      } else {
        console.error(`BROKEN at seq ${result.problem!.seq}: ${result.problem!.reason} (${result.checked} record(s) before it verified)`);
        process.exitCode = 1;
      }
      return;
    }
    const records = await gateway.db.auditRecord.findMany({ orderBy: { seq: 'desc' }, take: count });
    for (const r of records.reverse()) {
      const who = `${r.role} ${r.subject}${r.institution ? ` @${r.institution}` : ''}`;
      console.log(
        `${r.seq} ${r.at.toISOString()} ${who} ${r.purpose ?? '-'} ${r.operationName ?? '(anonymous)'} ${r.outcome} subjects=${r.subjects.join(',') || '-'} ${r.hash.slice(0, 12)}`,
      );
    }
  });
}

await runCommand(USAGE, () => main(process.argv.slice(2)));
