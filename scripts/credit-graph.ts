// `credit-graph`: the one entry point of every process and tool, in development (through tsx:
// `npm start`, `npm run seed|credentials|audit|safelist -- ...`) and in production (plain node
// on the build: `node dist/credit-graph.mjs <command>`, the image's entry point). Commander
// parses the arguments; each command's logic lives in its own module, loaded only when that
// command runs (a subgraph process loads neither the gateway nor the other subgraphs).
// Exit codes: 0 done, 1 failed or refused, 2 a mistake in the command line.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { SubgraphEntry } from '@credit-graph/contract';
import { startTracing } from '@credit-graph/contract/tracing';

// Traces (when OTEL_* asks for them) must start before the modules they instrument load: the
// services' modules are imported below, after it. `credit-graph gateway` / `subgraph <name>` only.
const [command, subgraphName] = process.argv.slice(2);
if (command === 'gateway') await startTracing('gateway');
if (command === 'subgraph' && subgraphName && !subgraphName.startsWith('-')) await startTracing(subgraphName);
const { isGatewayHosted, readManifest, ROLES: ALL_ROLES, SECTORS, SettingsError } = await import('@credit-graph/contract');
const { isRefusal, isUsageMistake } = await import('./cli.ts');
const { loadSubgraph } = await import('./load-subgraph.ts');

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** The roles a credential can be issued for: every role but the anonymous PUBLIC (api-keys.ts CREDENTIAL_ROLES). */
const ROLES = ALL_ROLES.filter((role) => role !== 'PUBLIC');

/** The subgraphs that run as services of their own (the manifest's, but the gateway-hosted one). */
const SERVICES: SubgraphEntry[] = readManifest().filter((entry) => !isGatewayHosted(entry));

function positiveInteger(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${raw}"`);
  }
  return value;
}

/**
 * Wraps a command's action: a usage mistake found by the command (UsageError, BAD_USER_INPUT)
 * prints the message and the command's help (exit 2); a refusal prints its message (exit 1).
 */
/** Errors that say the program is wrong, whose stack is what its developer needs. */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError || !(error instanceof Error);
}

/**
 * An error in one line for an operator: the database's answer when it gave one (`disk full`,
 * `ECONNREFUSED`), Prisma's last line rather than its invocation header; at most 300 characters.
 */
function oneLine(error: unknown): string {
  const { message, code, cause } = error as Error & { code?: unknown; cause?: { message?: unknown; kind?: unknown } };
  const lines = String(message ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  const text = (lines[0]?.startsWith('Invalid `prisma') ? lines.at(-1) : lines[0]) ?? String(error);
  const detail = typeof cause?.message === 'string' && !text.includes(cause.message) ? `: ${cause.message.split('\n')[0]}` : '';
  const kind = typeof code === 'string' && !text.includes(code) ? ` (${code})` : typeof cause?.kind === 'string' && !text.includes(cause.kind) ? ` (${cause.kind})` : '';
  return `${text}${detail}${kind}`.slice(0, 300);
}

function act<Args extends unknown[]>(work: (...args: Args) => Promise<unknown>) {
  return async (...args: Args): Promise<void> => {
    const command = args[args.length - 1] as Command;
    try {
      await work(...args);
    } catch (error) {
      if (isUsageMistake(error)) {
        console.error(`error: ${(error as Error).message}\n`);
        console.error(command.helpInformation());
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (error instanceof SettingsError) {
        console.error(`configuration error: ${error.message}`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      if (isRefusal(error)) {
        console.error(`refused: ${(error as Error).message}`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      // A failure of the world, not of this program (a database that refused or does not
      // answer, a folder that is not there): one line, not a stack. A bug keeps its stack.
      if (!isProgrammingError(error)) {
        console.error(`failed: ${oneLine(error)}`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      throw error;
    }
  };
}

/** The role binding options shared by tokens and API keys. */
function withBinding(command: Command): Command {
  return command
    .addOption(new Option('--role <role>', 'role of the caller').choices(ROLES).makeOptionMandatory())
    .option('--institution <uscc>', 'USCC of the institution the caller acts for (banks, platforms, regulators)')
    .addOption(new Option('--sector <sector>', 'sector of a SECTOR_PLATFORM').choices(SECTORS))
    .option('--uscc <uscc>', 'the enterprise an ENTERPRISE caller is')
    .option('--scope <scopes>', 'space-separated scopes, a subset of the role\'s (default: all of them)')
    .option('--subject <id>', 'subject (default: the USCC or institution)');
}

function credentialsCommand(): Command {
  const credentials = new Command('credentials').description('issue tokens, API keys and worker authorizations; list and revoke API keys');
  withBinding(credentials.command('token').description('print a signed bearer token (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE)'))
    .option('--ttl <span>', 'lifetime such as 30m, 8h or 7d (default 8h)')
    .action(act(async (options: Record<string, string>) => (await import('./credentials.ts')).token(options)));
  const apiKey = credentials.command('api-key').description('API keys in the gateway\'s database (stored hashed)');
  withBinding(apiKey.command('issue').description('issue an API key; the key is printed once'))
    .option('--expires <date>', 'expiry date such as 2027-01-01 (default: never)')
    .action(act(async (options: Record<string, string>) => (await import('./credentials.ts')).apiKeyIssue(options)));
  apiKey
    .command('revoke')
    .description('revoke an API key at once')
    .argument('<id>', 'the key id (see api-key list)')
    .action(act(async (id: string) => (await import('./credentials.ts')).apiKeyRevoke(id)));
  apiKey
    .command('list')
    .description('list API keys (never the keys themselves)')
    .action(act(async () => (await import('./credentials.ts')).apiKeyList()));
  credentials
    .command('worker-authorization')
    .description('print the short-lived code a housekeeping worker shows a household')
    .requiredOption('--worker <id>', 'the worker id, wk_ + 16 hex characters')
    .option('--ttl <span>', 'lifetime, at most 24h (default 2h)')
    .action(act(async (options: Record<string, string>) => (await import('./credentials.ts')).workerAuthorization(options)));
  return credentials;
}

function auditCommand(): Command {
  const audit = new Command('audit').description('the gateway\'s hash-chained audit log');
  audit
    .command('verify')
    .description('walk the hash chain; exit 1 names the first edited, deleted or missing record')
    .action(act(async () => (await import('./audit.ts')).verifyAudit()));
  audit
    .command('tail')
    .description('print the newest records, oldest first')
    .option('--n <count>', 'how many records', positiveInteger, 20)
    .action(act(async (options: { n: number }) => (await import('./audit.ts')).tailAudit(options.n)));
  return audit;
}

function safelistCommand(): Command {
  const safelist = new Command('safelist').description('bind clients to registered operations (persisted operations)');
  safelist
    .command('add')
    .description('register an operation for a client; prints its sha256 hash')
    .requiredOption('--client <subject>', 'the caller subject (an API key\'s subject, a token\'s sub)')
    .requiredOption('--file <path>', 'the operation, a .graphql file')
    .option('--name <name>', 'a name for listings')
    .action(act(async (options: { client: string; file: string; name?: string }) => (await import('./safelist.ts')).addOperation(options)));
  safelist
    .command('import')
    .description('register every operation of a persisted-operation manifest (Apollo persisted-query-manifest.json, or Hive hash -> document JSON) for a client')
    .argument('<file>', 'the manifest, a .json file')
    .requiredOption('--client <subject>', 'the caller subject (an API key\'s subject, a token\'s sub)')
    .action(act(async (file: string, options: { client: string }) => (await import('./safelist.ts')).importManifest({ client: options.client, file })));
  safelist
    .command('list')
    .description('list registered operations')
    .option('--client <subject>', 'only this client\'s')
    .action(act(async (options: { client?: string }) => (await import('./safelist.ts')).listOperations(options)));
  safelist
    .command('remove')
    .description('remove an operation from a client\'s safelist')
    .requiredOption('--client <subject>', 'the caller subject')
    .requiredOption('--hash <sha256>', 'the operation\'s hash')
    .action(act(async (options: { client: string; hash: string }) => (await import('./safelist.ts')).removeOperation(options)));
  return safelist;
}

function configCommand(): Command {
  const config = new Command('config').description('the settings every service reads (README: Configuration)');
  config
    .command('check')
    .description('validate the settings this environment gives, print the effective values (secrets redacted); exit 1 lists every problem')
    .addOption(
      new Option('--service <name>', 'one process (default: the gateway and every subgraph)').choices(['gateway', ...SERVICES.map((entry) => entry.name), 'start', 'tools']),
    )
    .action(act(async (options: { service?: string }) => (await import('./config.ts')).checkConfig(options)));
  return config;
}

function createProgram(): Command {
  const program = new Command('credit-graph')
    .description('Credit Graph: the federated credit query gateway, its subgraphs and their tools')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('start')
    .description('every subgraph and the gateway on this machine, embedded PGlite by default (npm start)')
    .action(act(async () => (await import('./start.ts')).startAll()));
  program
    .command('gateway')
    .description('the gateway alone (GATEWAY_PORT, GATEWAY_HOST, SUPERGRAPH_PATH, ...; see .env.example)')
    .action(act(async () => void (await import('../gateway/src/main.ts'))));
  program
    .command('subgraph')
    .description('one subgraph alone (PORT, HOST, <SUBGRAPH>_DATABASE_URL, CALLER_SIGNING_SECRET, ...)')
    .addArgument(new Argument('<name>', 'which subgraph').choices(SERVICES.map((entry) => entry.name)))
    .action(
      act(async (name: string) => {
        // Every setting first, before the subgraph's modules load (the seed reads the clock as it loads).
        const { subgraphSettings } = await import('@credit-graph/subgraph-kit/settings');
        const issues = subgraphSettings(name).issues();
        if (issues.length > 0) {
          console.error(`[${name}] configuration error: ${new SettingsError(issues).message}`);
          process.exitCode = EXIT_FAILED;
          return;
        }
        const { runSubgraphProcess } = await import('@credit-graph/subgraph-kit');
        const entry = SERVICES.find((service) => service.name === name)!;
        await runSubgraphProcess(await loadSubgraph(name), Number(new URL(entry.url).port));
      }),
    );
  program
    .command('migrate')
    .description('apply pending migrations to every configured database (each subgraph\'s and the gateway\'s), nothing else')
    .action(act(async () => (await import('./migrate.ts')).migrateAll()));
  program
    .command('seed')
    .description('fill the subgraphs\' databases with the deterministic demo universe (refused when NODE_ENV=production)')
    .option('--enterprises <count>', 'how many enterprises', positiveInteger, 2000)
    .option('--only <names>', 'comma-separated subgraphs (default: all)', (raw: string) => raw.split(',').map((name) => name.trim()))
    .option('--reset', 'empty databases that already hold data (otherwise they are refused)', false)
    .option('--if-empty', 'seed only the databases that hold no data, and leave the others as they are', false)
    .action(
      act(async (options: { enterprises: number; only?: string[]; reset: boolean; ifEmpty: boolean }) =>
        (await import('./seed.ts')).seedDatabases(options),
      ),
    );
  program.addCommand(configCommand());
  program.addCommand(credentialsCommand());
  program.addCommand(auditCommand());
  program.addCommand(safelistCommand());
  return program;
}

/** Sub-commands inherit the program's error handling: copy it to every command made above. */
function inheritErrorHandling(command: Command): void {
  for (const child of command.commands) {
    child.showHelpAfterError().exitOverride();
    inheritErrorHandling(child);
  }
}

const program = createProgram();
inheritErrorHandling(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help and version exit 0; anything else commander refused is a usage mistake.
  process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
}
