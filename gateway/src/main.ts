// Runs the gateway as a process: configuration from the environment, clean stop on signals.
// Importing this module starts it: `tsx gateway/src/main.ts`, `credit-graph gateway` (which
// imports it), bench's bundles. A configuration mistake logs one line and exits 1.
// Every line is JSON (pino, schema/src/logger.ts) at LOG_LEVEL.
import {
  createLogger,
  DEFAULT_LOG_LEVEL,
  LOG_LEVELS,
  MigrateOnStartError,
  PendingMigrationsError,
  startFailureLogger,
  stopOnSignals,
  type LogLevel,
} from '@credit-graph/contract';
import { ConfigError, GATEWAY_SETTINGS, loadConfig } from './config.ts';
import { startGateway } from './app.ts';
import { DatabaseInUseError } from './database.ts';

// A bad LOG_LEVEL is itself a configuration error (loadConfig), the log meanwhile at the default level.
const requested = process.env.LOG_LEVEL as LogLevel | undefined;
const logger = createLogger('gateway', { level: requested && LOG_LEVELS.includes(requested) ? requested : DEFAULT_LOG_LEVEL });

try {
  // The launcher passes demo tokens for the embedded default so the playground works at once.
  const config = loadConfig();
  const playgroundTokens = GATEWAY_SETTINGS.parse().PLAYGROUND_TOKENS as Record<string, string> | undefined;
  const app = await startGateway(config, { playgroundTokens, logger });
  const base = app.url.replace(/\/graphql$/, '');
  logger.info(`[gateway] serving ${app.supergraph.path}`);
  logger.info(`[gateway] GraphQL    ${app.url}`);
  logger.info(`[gateway] playground ${base}/playground`);
  logger.info(`[gateway] readiness  ${base}/ready`);
  logger.info(`[gateway] status     ${base}/status`);
  logger.info(`[gateway] metrics    ${app.metricsUrl ?? 'off (METRICS_PORT=off)'}`);
  // SIGTERM (a process manager): unready first, then drain. SIGINT (Ctrl-C): drain at once.
  stopOnSignals((signal) => app.stop({ unreadyForMs: signal === 'SIGTERM' ? config.shutdownDelayMs : 0 }));
} catch (error) {
  // A service told not to migrate (MIGRATE_ON_START=false) that finds a migration pending is misconfigured too.
  if (error instanceof ConfigError || error instanceof MigrateOnStartError || error instanceof PendingMigrationsError) {
    startFailureLogger('gateway').fatal(`[gateway] configuration error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof DatabaseInUseError) {
    startFailureLogger('gateway').fatal(`[gateway] ${error.message}`);
    process.exit(1);
  }
  throw error;
}
