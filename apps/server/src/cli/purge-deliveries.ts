/**
 * `npm run purge:deliveries`: forgets GitHub webhook delivery ids and finished alert deliveries
 * older than 30 days (pending alerts are kept). Safe to run at any time; daily is plenty. Prints
 * one JSON line.
 */
import { DELIVERY_RECORDS_DAYS, purgeDeliveryRecords } from '@strictops/db';
import { loadConfigOrExit } from '../config.ts';
import { withOwnerDatabase } from '../database.ts';

const purged = await withOwnerDatabase(loadConfigOrExit(), (orm) => purgeDeliveryRecords(orm));
console.log(JSON.stringify({ olderThanDays: DELIVERY_RECORDS_DAYS, ...purged }));
