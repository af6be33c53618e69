/**
 * Applies audit retention: deletes every organization's audit events older than its tier keeps
 * (SPEC §5) and checkpoints the chain. Idempotent; meant for a daily scheduler: `npm run purge:audit`.
 */
import { purgeExpiredAuditEvents } from '@strictops/api';
import { loadConfigOrExit } from '../config.ts';
import { withOwnerDatabase } from '../database.ts';

const report = await withOwnerDatabase(loadConfigOrExit(), purgeExpiredAuditEvents);
console.log(`audit retention: ${report.eventsPurged} events purged across ${report.organizations} organizations`);
