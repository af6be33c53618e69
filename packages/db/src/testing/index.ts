export { queriesSentBy, type SentQuery } from './queries-sent.ts';
export { createTestDatabase, FAIL_MIDWAY_PREFIX, type TestDatabase } from './test-database.ts';
export { sharedTestOptions } from './vitest-config.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated throwaway database for this package's test run. */
    databaseUrl: string;
    /** True when that database is the embedded PGlite, which serializes all transactions. */
    embeddedDatabase: boolean;
  }
}
