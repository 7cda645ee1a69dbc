import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// The services log an access line per request (JSON on stdout, bypassing the runner's console):
// tests that read logs capture them themselves, the rest of the run stays readable. Metrics
// listen on free ports: services started by tests (in-process or as processes) never clash on
// the defaults (9464, a subgraph's port + 5000).
process.env.LOG_LEVEL ??= 'warn';
process.env.METRICS_PORT ??= '0';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build for everyone; Vite would hand our code the
    // ESM build while @apollo/* require the CommonJS one: two graphql instances, and graphql-js
    // refuses schema objects from "another module or realm". Pin the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Each file starts real databases and servers; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'schema/test/**/*.test.ts',
            'subgraph-kit/test/**/*.test.ts',
            'subgraphs/*/test/**/*.test.ts',
            'gateway/test/**/*.test.ts',
            'scripts/test/**/*.test.ts',
            'deploy/test/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/**/*.test.ts'],
          // One product stack (six subgraphs and the gateway) shared by every end-to-end file,
          // one file at a time: SQL statement counts must see only their own test's traffic.
          globalSetup: ['tests/support/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
