import type { TestProject } from 'vitest/node';
import type {} from './index.ts';
import { createTestDatabase } from './test-database.ts';

/** Vitest global setup: one migrated database per package's test run, shared by its test files. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  project.provide('databaseUrl', database.url);
  project.provide('embeddedDatabase', database.embedded);
  return () => database.drop();
}
