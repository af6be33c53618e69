import {
  migrateDatabaseAt,
  type Orm,
  openDatabase,
  resolveDataDir,
  startEmbeddedPostgres,
  waitForDatabase,
} from '@strictops/db';
import type { ServerConfig } from './config.ts';

export type ServerDatabase = { orm: Orm; embedded: boolean; close(): Promise<void> };

/**
 * Connects to DATABASE_URL (waiting for it to answer, for at most DATABASE_WAIT_SECONDS), or starts
 * the embedded PostgreSQL in the data folder when it is unset (refused if another process holds
 * the folder), and applies pending migrations before anything is served. Migrations run as the
 * owner (DATABASE_OWNER_URL, else the same URL) under an advisory lock, so replicas take turns;
 * requests run as the application role, which row-level security binds, with every wait bounded.
 */
export async function openServerDatabase(
  config: Pick<
    ServerConfig,
    'databaseUrl' | 'databaseOwnerUrl' | 'dataDir' | 'databasePoolSize' | 'databaseTimeouts' | 'databaseWaitSeconds'
  >,
  log: { info(message: string): void; warn(message: string): void } = { info() {}, warn() {} },
): Promise<ServerDatabase> {
  const dataDir = resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir });
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(dataDir);
  if (embedded) log.info(`DATABASE_URL is unset: using the embedded PostgreSQL in ${dataDir}`);
  const url = config.databaseUrl ?? (embedded?.url as string);
  const ownerUrl = config.databaseOwnerUrl ?? url;

  if (!embedded) {
    await waitForDatabase(ownerUrl, {
      maxWaitMs: config.databaseWaitSeconds * 1000,
      connectTimeoutMs: config.databaseTimeouts.connectMs,
      // A database that does not answer at start is worth an operator's attention at any log level.
      log: log.warn,
    });
  }
  const applied = await migrateDatabaseAt(ownerUrl, { log: log.info });
  if (applied.length) log.info(`applied migrations: ${applied.join(', ')}`);
  const orm = await openDatabase({ url, poolSize: config.databasePoolSize, timeouts: config.databaseTimeouts });
  // Fail at start, not at the first request, if the application role cannot connect.
  await orm.em.getConnection().execute('select 1');
  return {
    orm,
    embedded: Boolean(embedded),
    async close() {
      await orm.close();
      await embedded?.stop();
    },
  };
}

/**
 * For maintenance commands (purges): runs `work` with an owner connection (DATABASE_OWNER_URL,
 * else DATABASE_URL, else the embedded database, which no running server may hold).
 */
export async function withOwnerDatabase<T>(
  config: Pick<ServerConfig, 'databaseUrl' | 'databaseOwnerUrl' | 'dataDir'>,
  work: (orm: Orm) => Promise<T>,
): Promise<T> {
  const url = config.databaseOwnerUrl ?? config.databaseUrl;
  const embedded = url
    ? undefined
    : await startEmbeddedPostgres(resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir }));
  const ownerUrl = url ?? (embedded?.url as string);
  try {
    // The embedded database may be new (no server has started on it yet); a server's database
    // at a URL is migrated by the servers themselves.
    if (embedded) await migrateDatabaseAt(ownerUrl);
    const orm = await openDatabase({ url: ownerUrl, poolSize: 1, role: 'owner' });
    try {
      return await work(orm);
    } finally {
      await orm.close();
    }
  } finally {
    await embedded?.stop();
  }
}
