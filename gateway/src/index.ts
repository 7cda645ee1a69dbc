export { startGateway, GRAPHQL_PATH, type GatewayApp } from './app.ts';
export { loadConfig, subgraphUrlVariable, ConfigError, type GatewayConfig } from './config.ts';
