/**
 * `pnpm --filter @strictops/server purge`: removes for good every organization deleted more than
 * 30 days ago, with everything it owns, and frees its slug. Connects as the owner
 * (DATABASE_OWNER_URL, else DATABASE_URL, else the embedded database in the data folder); safe to
 * run at any time and as often as a scheduler likes (daily is plenty). Prints one JSON line.
 */
import {
  openDatabase,
  PURGE_AFTER_DAYS,
  purgeDeletedOrganizations,
  resolveDataDir,
  startEmbeddedPostgres,
} from '@strictops/db';
import { ConfigError, loadConfig } from '../config.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const url = config.databaseOwnerUrl ?? config.databaseUrl;
const embedded = url ? undefined : await startEmbeddedPostgres(resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir }));
const orm = await openDatabase({ url: url ?? (embedded?.url as string), poolSize: 1, role: 'owner' });
try {
  const purged = await purgeDeletedOrganizations(orm);
  console.log(JSON.stringify({ purged: purged.length, olderThanDays: PURGE_AFTER_DAYS, organizations: purged }));
} finally {
  await orm.close();
  await embedded?.stop();
}
