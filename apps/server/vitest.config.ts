import { testDatabaseGlobalSetup } from '@strictops/db/testing';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: [testDatabaseGlobalSetup],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
