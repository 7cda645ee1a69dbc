export { startGateway, GRAPHQL_PATH, type GatewayApp } from './app.ts';
export { loadConfig, subgraphUrlVariable, ConfigError, TRUST_LAYER_OFF_CALLER, type GatewayConfig } from './config.ts';
export { signToken, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, type TokenClaims } from './trust/identity.ts';
export { runGatewayProcess, type GatewayProcessOptions } from './process.ts';
