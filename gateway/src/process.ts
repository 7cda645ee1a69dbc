// Runs the gateway as a process: configuration from the environment, clean stop on signals.
// Used by main.ts (`credit-graph gateway`, the separate-services shape) and by the embedded
// launcher (`npm start` with SUBGRAPH_TRANSPORT=in-process), which hands over the subgraphs it
// started in this process. A configuration mistake logs one line and exits 1.
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
import { startGateway, type GatewayApp, type GatewayAppOptions } from './app.ts';
import { DatabaseInUseError } from './database.ts';

export interface GatewayProcessOptions extends Pick<GatewayAppOptions, 'inProcessSubgraphs'> {
  /** Stops what the caller started for the gateway (in-process subgraphs), after the gateway drained. */
  afterStop?: () => Promise<void>;
}

/**
 * Starts the gateway from the environment (loadConfig; PLAYGROUND_TOKENS, a JSON object of
 * tokens by role, from the launcher) and stops it on SIGTERM (unready for SHUTDOWN_DELAY_MS
 * first) or SIGINT (drains at once). Resolves with the running app; exits 1 on a configuration
 * error (ConfigError, migrations, database in use).
 */
export async function runGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayApp> {
  // A bad LOG_LEVEL is itself a configuration error (loadConfig), the log meanwhile at the default level.
  const requested = process.env.LOG_LEVEL as LogLevel | undefined;
  const logger = createLogger('gateway', { level: requested && LOG_LEVELS.includes(requested) ? requested : DEFAULT_LOG_LEVEL });
  try {
    const config = loadConfig();
    // The launcher passes demo tokens for the embedded default so the playground works at once.
    const playgroundTokens = GATEWAY_SETTINGS.parse().PLAYGROUND_TOKENS as Record<string, string> | undefined;
    const app = await startGateway(config, { playgroundTokens, logger, inProcessSubgraphs: options.inProcessSubgraphs });
    const base = app.url.replace(/\/graphql$/, '');
    logger.info(`[gateway] serving ${app.supergraph.path}`);
    if (options.inProcessSubgraphs?.length) logger.info(`[gateway] in-process subgraphs: ${options.inProcessSubgraphs.map((s) => s.name).join(', ')}`);
    logger.info(`[gateway] GraphQL    ${app.url}`);
    logger.info(`[gateway] playground ${base}/playground`);
    logger.info(`[gateway] readiness  ${base}/ready`);
    logger.info(`[gateway] status     ${base}/status`);
    logger.info(`[gateway] metrics    ${app.metricsUrl ?? 'off (METRICS_PORT=off)'}`);
    // SIGTERM (a process manager): unready first, then drain. SIGINT (Ctrl-C): drain at once.
    stopOnSignals(async (signal) => {
      await app.stop({ unreadyForMs: signal === 'SIGTERM' ? config.shutdownDelayMs : 0 });
      await options.afterStop?.();
    });
    return app;
  } catch (error) {
    // A service told not to migrate (MIGRATE_ON_START=false) that finds a migration pending is misconfigured too.
    if (error instanceof ConfigError || error instanceof MigrateOnStartError || error instanceof PendingMigrationsError || error instanceof DatabaseInUseError) {
      startFailureLogger('gateway').fatal(error instanceof DatabaseInUseError ? `[gateway] ${error.message}` : `[gateway] configuration error: ${error.message}`);
      await options.afterStop?.();
      process.exit(1);
    }
    throw error;
  }
}
