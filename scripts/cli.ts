// What the repository's command-line tools share: the mistakes they report as usage errors
// (exit 2), and the gateway database opened and always closed (an open PGlite keeps the
// process alive). The commands themselves are wired in scripts/credit-graph.ts.
import { describeTarget, SettingsError } from '@credit-graph/contract';
import { ConfigError } from '../gateway/src/config.ts';
import { DatabaseInUseError, openGatewayDatabase, type GatewayDatabase } from '../gateway/src/database.ts';

/** A mistake in the command line: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}

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

/** True for a mistake in what the user typed: a UsageError, or input refused with BAD_USER_INPUT. */
export function isUsageMistake(error: unknown): boolean {
  return error instanceof UsageError || (error as { extensions?: { code?: unknown } }).extensions?.code === 'BAD_USER_INPUT';
}

/**
 * True for a refusal to act that is not a usage mistake: a database another process holds (the
 * running gateway on the embedded default) or a bad setting. Printed as `refused: ...`, exit 1.
 */
export function isRefusal(error: unknown): boolean {
  return error instanceof DatabaseInUseError || error instanceof ConfigError || error instanceof SettingsError || (error as Error | undefined)?.name === 'SeedRefusedError';
}
