/**
 * Applies audit retention: deletes every organization's audit events older than its tier keeps
 * (SPEC §5) and checkpoints the chain. Idempotent; meant for a daily scheduler:
 *
 *   npm run purge:audit            (DATABASE_OWNER_URL or DATABASE_URL, else the embedded database,
 *                                   which must not be in use by a running server)
 */
import { purgeExpiredAuditEvents } from '@strictops/api';
import { migrateDatabaseAt, openDatabase, resolveDataDir, startEmbeddedPostgres } from '@strictops/db';
import { loadConfig } from '../config.ts';

const config = loadConfig();
const url = config.databaseOwnerUrl ?? config.databaseUrl;
const embedded = url ? undefined : await startEmbeddedPostgres(resolveDataDir({ STRICTOPS_DATA_DIR: config.dataDir }));
const ownerUrl = url ?? (embedded?.url as string);
// The purge reads the current schema: bring it up to date first, as the server does at start.
await migrateDatabaseAt(ownerUrl);
const orm = await openDatabase({ url: ownerUrl, poolSize: 1, role: 'owner' });
try {
  const report = await purgeExpiredAuditEvents(orm);
  console.log(`audit retention: ${report.eventsPurged} events purged across ${report.organizations} organizations`);
} finally {
  await orm.close();
  await embedded?.stop();
}
