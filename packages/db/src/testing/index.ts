import { fileURLToPath } from 'node:url';

export { createTestDatabase, FAIL_MIDWAY_PREFIX, type TestDatabase } from './test-database.ts';
export { sharedTestOptions } from './vitest-config.ts';

/** Path of the Vitest global setup that provides `databaseUrl` to every test file. */
export const testDatabaseGlobalSetup = fileURLToPath(new URL('./global-setup.ts', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated throwaway database for this package's test run. */
    databaseUrl: string;
    /** True when that database is the embedded PGlite, which serializes all transactions. */
    embeddedDatabase: boolean;
  }
}
