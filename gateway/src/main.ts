// Runs the gateway as a process: configuration from the environment, clean stop on signals.
// Importing this module starts it: `tsx gateway/src/main.ts`, `credit-graph gateway` (which
// imports it), bench's bundles. A configuration mistake prints one line and exits 1.
import { MigrateOnStartError, PendingMigrationsError, stopOnSignals } from '@credit-graph/contract';
import { ConfigError, GATEWAY_SETTINGS, loadConfig } from './config.ts';
import { startGateway } from './app.ts';
import { DatabaseInUseError } from './database.ts';

try {
  // The launcher passes demo tokens for the embedded default so the playground works at once.
  const config = loadConfig();
  const playgroundTokens = GATEWAY_SETTINGS.parse().PLAYGROUND_TOKENS as Record<string, string> | undefined;
  const app = await startGateway(config, { playgroundTokens });
  const base = app.url.replace(/\/graphql$/, '');
  console.log(`[gateway] serving ${app.supergraph.path}`);
  console.log(`[gateway] GraphQL    ${app.url}`);
  console.log(`[gateway] playground ${base}/playground`);
  console.log(`[gateway] readiness  ${base}/ready`);
  console.log(`[gateway] status     ${base}/status`);
  // SIGTERM (a process manager): unready first, then drain. SIGINT (Ctrl-C): drain at once.
  stopOnSignals((signal) => app.stop({ unreadyForMs: signal === 'SIGTERM' ? config.shutdownDelayMs : 0 }));
} catch (error) {
  // A service told not to migrate (MIGRATE_ON_START=false) that finds a migration pending is misconfigured too.
  if (error instanceof ConfigError || error instanceof MigrateOnStartError || error instanceof PendingMigrationsError) {
    console.error(`[gateway] configuration error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof DatabaseInUseError) {
    console.error(`[gateway] ${error.message}`);
    process.exit(1);
  }
  throw error;
}
