import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['schema/test/**/*.test.ts', 'subgraph-kit/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'tests/**/*.test.ts'],
    // Each file starts real databases and servers; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
