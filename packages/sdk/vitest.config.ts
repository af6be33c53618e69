import { testDatabaseGlobalSetup } from '@strictops/db/testing';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One migrated throwaway database per run, for the end-to-end tests against the real server.
    globalSetup: [testDatabaseGlobalSetup],
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
