import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    exclude: ['node_modules/**', 'dist/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real servers; two workers match the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
