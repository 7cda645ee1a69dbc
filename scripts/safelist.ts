// Binds clients to a safelist of operations (persisted operations):
//   tsx scripts/safelist.ts add --client <subject> --file op.graphql [--name X]   prints the hash
//   tsx scripts/safelist.ts list [--client <subject>]
//   tsx scripts/safelist.ts remove --client <subject> --hash <sha256>
// A client is a caller subject (an API key's subject, a token's `sub`). Once a client has an
// entry it may run only its listed operations; removing its last entry frees it. The gateway
// sees a change within 10 s. Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite
// under DATA_DIR. Bad arguments exit with 2.
import { readFileSync } from 'node:fs';
import { createSafelist, type Safelist } from '../gateway/src/trust/safelist.ts';
import { parseCommandLine, runCommand, UsageError, withGatewayDatabase } from './cli.ts';

const USAGE = `usage:
  safelist add --client SUBJECT --file OPERATION.graphql [--name NAME]
  safelist list [--client SUBJECT]
  safelist remove --client SUBJECT --hash SHA256`;

const OPTIONS = {
  client: { type: 'string' },
  file: { type: 'string' },
  name: { type: 'string' },
  hash: { type: 'string' },
} as const;

const parse = (args: string[]) => parseCommandLine(args, OPTIONS);

type Values = ReturnType<typeof parse>['values'];

function only(values: Values, command: string, allowed: (keyof Values)[]): void {
  const extra = (Object.keys(values) as (keyof Values)[]).filter((key) => !allowed.includes(key));
  if (extra.length > 0) throw new UsageError(`${command} does not take ${extra.map((key) => `--${key}`).join(', ')}`);
}

function required(values: Values, key: keyof Values, command: string): string {
  const value = values[key];
  if (!value) throw new UsageError(`${command} needs --${key}`);
  return value;
}

const withSafelist = (work: (safelist: Safelist) => Promise<void>) =>
  withGatewayDatabase((gateway) => work(createSafelist({ db: gateway.db })));

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parse(rest);
  if (positionals.length > 0) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);

  if (command === 'add') {
    only(values, 'add', ['client', 'file', 'name']);
    const client = required(values, 'client', 'add');
    const file = required(values, 'file', 'add');
    let query: string;
    try {
      query = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    await withSafelist(async (safelist) => {
      console.log(await safelist.add(client, query, values.name));
      console.error(`Client ${client} may now run this operation, sent in full (byte for byte as in ${file}) or by this hash.`);
    });
  } else if (command === 'list') {
    only(values, 'list', ['client']);
    await withSafelist(async (safelist) => {
      const entries = await safelist.list(values.client);
      if (entries.length === 0) console.log(values.client ? `no operations for ${values.client} (not bound)` : 'no safelisted operations');
      for (const entry of entries) {
        console.log(`${entry.client}  ${entry.hash}  ${entry.name ?? '(unnamed)'}  ${entry.createdAt.toISOString()}`);
      }
    });
  } else if (command === 'remove') {
    only(values, 'remove', ['client', 'hash']);
    const client = required(values, 'client', 'remove');
    const hash = required(values, 'hash', 'remove');
    await withSafelist(async (safelist) => {
      if (!(await safelist.remove(client, hash))) {
        console.error(`no operation ${hash} for ${client}`);
        process.exitCode = 1;
        return;
      }
      const bound = await safelist.isBound(client);
      console.log(`removed ${hash} from ${client}${bound ? '' : '; it has no operations left and is no longer bound'}`);
    });
  } else {
    throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

// The safelist refuses a missing client or text that is not GraphQL with BAD_USER_INPUT.
await runCommand(USAGE, () => main(process.argv.slice(2)));
