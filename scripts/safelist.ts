// Binds clients to a safelist of operations (persisted operations), `credit-graph safelist ...`
// (`npm run safelist -- ...`; the CLI in scripts/credit-graph.ts parses the arguments):
//   safelist add --client <subject> --file op.graphql [--name X]   prints the hash
//   safelist list [--client <subject>]
//   safelist remove --client <subject> --hash <sha256>
// A client is a caller subject (an API key's subject, a token's `sub`). Once a client has an
// entry it may run only its listed operations; removing its last entry frees it. The gateway
// sees a change within 10 s. Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite
// under DATA_DIR. Bad arguments exit with 2.
import { readFileSync } from 'node:fs';
import { createSafelist, type Safelist } from '../gateway/src/trust/safelist.ts';
import { UsageError, withGatewayDatabase } from './cli.ts';

const withSafelist = (work: (safelist: Safelist) => Promise<void>) =>
  withGatewayDatabase((gateway) => work(createSafelist({ db: gateway.db })));

/** Binds `client` to the operation in `file` (named `name`); prints the operation's hash. */
export async function addOperation(options: { client: string; file: string; name?: string }): Promise<void> {
  const { client, file, name } = options;
  let query: string;
  try {
    query = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  await withSafelist(async (safelist) => {
    console.log(await safelist.add(client, query, name));
    console.error(`Client ${client} may now run this operation, sent in full (byte for byte as in ${file}) or by this hash.`);
  });
}

/** Lists the safelisted operations, of one client or of all. */
export async function listOperations(options: { client?: string } = {}): Promise<void> {
  const { client } = options;
  await withSafelist(async (safelist) => {
    const entries = await safelist.list(client);
    if (entries.length === 0) console.log(client ? `no operations for ${client} (not bound)` : 'no safelisted operations');
    for (const entry of entries) {
      console.log(`${entry.client}  ${entry.hash}  ${entry.name ?? '(unnamed)'}  ${entry.createdAt.toISOString()}`);
    }
  });
}

/** Removes one operation from a client's safelist; exit code 1 when it was not there. */
export async function removeOperation(options: { client: string; hash: string }): Promise<void> {
  const { client, hash } = options;
  await withSafelist(async (safelist) => {
    if (!(await safelist.remove(client, hash))) {
      console.error(`no operation ${hash} for ${client}`);
      process.exitCode = 1;
      return;
    }
    const bound = await safelist.isBound(client);
    console.log(`removed ${hash} from ${client}${bound ? '' : '; it has no operations left and is no longer bound'}`);
  });
}
