// Binds clients to a safelist of operations (persisted operations), `credit-graph safelist ...`
// (`npm run safelist -- ...`; the CLI in scripts/credit-graph.ts parses the arguments):
//   safelist add --client <subject> --file op.graphql [--name X]   prints the hash
//   safelist import <manifest.json> --client <subject>   an Apollo persisted-query manifest or a
//                                                       Hive (hash -> document) map; all or nothing
//   safelist list [--client <subject>]
//   safelist remove --client <subject> --hash <sha256>
// A client is a caller subject (an API key's subject, a token's `sub`). Once a client has an
// entry it may run only its listed operations; removing its last entry frees it. The gateway
// sees a change within 10 s. Database as for the gateway: GATEWAY_DATABASE_URL, else PGlite
// under DATA_DIR. Bad arguments exit with 2.
import { openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { MAX_MANIFEST_BYTES, parseOperationManifest } from '../gateway/src/trust/operation-manifest.ts';
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

/** At most `limit` + 1 bytes of `file`: enough to tell that it is too large without reading it all. */
function readBounded(file: string, limit: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > limit) throw new UsageError(`${file} is larger than ${limit} bytes, the most a manifest may be`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Binds `client` to every operation of a persisted-operation manifest (Apollo's
 * persisted-query-manifest.json or Hive's hash -> document map; see operation-manifest.ts).
 * The whole manifest is checked first: a refused one (too large, bad JSON, an id that is not its
 * body's SHA-256, ...) imports nothing and exits 2. Prints one line per operation: hash, name.
 */
export async function importManifest(options: { client: string; file: string }): Promise<void> {
  const { client, file } = options;
  const manifest = parseOperationManifest(readBounded(file, MAX_MANIFEST_BYTES));
  await withSafelist(async (safelist) => {
    // One transaction: a failure part-way binds the client to none of them, not to some.
    await safelist.addAll(client, manifest.operations.map((operation) => ({ query: operation.body, name: operation.name })));
    for (const operation of manifest.operations) console.log(`${operation.id}  ${operation.name ?? '(unnamed)'}`);
    console.error(`Client ${client} may now run these ${manifest.operations.length} operations (${manifest.format} manifest ${file}), sent in full or by hash alone.`);
  });
}
