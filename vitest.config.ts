import { defineConfig } from 'vitest/config';

export default defineConfig({
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
          include: ['schema/test/**/*.test.ts', 'subgraph-kit/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts', 'gateway/test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/**/*.test.ts'],
          // One product stack (six subgraphs and the gateway) shared by every end-to-end file.
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
