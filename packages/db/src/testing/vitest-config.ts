import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/** `postgres` with TEST_DATABASE_URL (a real server), `embedded` without (PGlite, as a fresh clone runs). */
export const databaseKind = () => (process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded');

/**
 * The Vitest settings every package shares: one migrated throwaway database per run (see
 * test-database.ts), the JSON report CI sums up, and timeouts that fit a real database.
 */
export function sharedTestOptions(include: string[]): NonNullable<ViteUserConfig['test']> {
  return {
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    include,
    // One report per database, so CI can run the suite on both and count both runs.
    reporters: ['default', ['json', { outputFile: `test-results/vitest.${databaseKind()}.json` }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  };
}
