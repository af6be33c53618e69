import { migrateDatabase, type Orm, openDatabase, resolveDataDir, startEmbeddedPostgres } from '@strictops/db';
import type { ServerConfig } from './config.ts';

export type ServerDatabase = { orm: Orm; embedded: boolean; close(): Promise<void> };

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL in the data folder when it is unset,
 * then applies pending migrations before anything is served.
 */
export async function openServerDatabase(
  config: Pick<ServerConfig, 'databaseUrl' | 'dataDir' | 'databasePoolSize'>,
  log: (message: string) => void = () => {},
): Promise<ServerDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir }));
  if (embedded)
    log(
      `DATABASE_URL is unset: using the embedded PostgreSQL in ${resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir })}`,
    );
  const orm = await openDatabase({
    url: config.databaseUrl ?? (embedded?.url as string),
    poolSize: config.databasePoolSize,
  });
  const applied = await migrateDatabase(orm);
  if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
  return {
    orm,
    embedded: Boolean(embedded),
    async close() {
      await orm.close();
      await embedded?.stop();
    },
  };
}
