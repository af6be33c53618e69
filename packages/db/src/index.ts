export { DataFolderInUseError, lockDataFolder } from './data-folder-lock.ts';
export * from './embedded.ts';
export * from './entities/index.ts';
export { uuidv7 } from './ids.ts';
export * from './maintenance.ts';
export * from './orm.ts';
export { resolveDataDir } from './paths.ts';
export * from './tenancy.ts';
export { DatabaseUnreachableError, waitForDatabase } from './wait-for-database.ts';
