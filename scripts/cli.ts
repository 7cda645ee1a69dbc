// What the repository's command-line tools share: argument parsing that reports mistakes as
// usage errors (exit 2), and the gateway database opened and always closed (an open PGlite
// keeps the process alive).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeTarget } from '@credit-graph/contract';
import { ConfigError } from '../gateway/src/config.ts';
import { DatabaseInUseError, openGatewayDatabase, type GatewayDatabase } from '../gateway/src/database.ts';

/** A mistake in the command line: reported with the usage, exit code 2. */
export class UsageError extends Error {}

export function parseCommandLine<const Options extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Runs `work` on the gateway's database (GATEWAY_DATABASE_URL, else PGlite under DATA_DIR). */
export async function withGatewayDatabase<T>(work: (gateway: GatewayDatabase) => Promise<T>): Promise<T> {
  const gateway = await openGatewayDatabase();
  console.error(`gateway database: ${describeTarget(gateway.database.target)}`);
  try {
    return await work(gateway);
  } finally {
    await gateway.close();
  }
}

/**
 * Runs a command; a usage mistake or refused input prints the message and the usage, exit 2;
 * a database another process holds (the running gateway on the embedded default) or a bad
 * setting prints why, exit 1.
 */
export async function runCommand(usage: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof DatabaseInUseError || error instanceof ConfigError) {
      console.error(`refused: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    const badInput = (error as { extensions?: { code?: unknown } }).extensions?.code === 'BAD_USER_INPUT';
    if (!(error instanceof UsageError) && !badInput) throw error;
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exitCode = 2;
  }
}
