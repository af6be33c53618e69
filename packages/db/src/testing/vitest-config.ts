import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The Vitest settings every package shares: one migrated throwaway database per run (see
 * test-database.ts), the JSON report CI sums up, and timeouts that fit a real database.
 */
export function sharedTestOptions(include: string[]): NonNullable<ViteUserConfig['test']> {
  return {
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    include,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  };
}
