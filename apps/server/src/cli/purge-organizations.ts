/**
 * `npm run purge:organizations`: removes for good every organization deleted more than 30 days
 * ago, with everything it owns, and frees its slug. Safe to run at any time and as often as a
 * scheduler likes (daily is plenty). Prints one JSON line.
 */
import { PURGE_AFTER_DAYS, purgeDeletedOrganizations } from '@strictops/db';
import { loadConfigOrExit } from '../config.ts';
import { withOwnerDatabase } from '../database.ts';

const purged = await withOwnerDatabase(loadConfigOrExit(), purgeDeletedOrganizations);
console.log(JSON.stringify({ purged: purged.length, olderThanDays: PURGE_AFTER_DAYS, organizations: purged }));
